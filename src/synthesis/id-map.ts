/**
 * Safe reads and canonical, fast writes of `{id: value}` records.
 *
 * Ids are arbitrary ASCII strings, so `"constructor"` or `"__proto__"` are valid ids: a plain
 * `map[id]` can read `Object.prototype`, and `out[id] = v` on a plain object can set a
 * prototype. Reads therefore check ownership; records are built on a null prototype, where
 * every assignment defines an own property (and which V8 builds ~3× faster than plain objects
 * at a thousand keys, the size of a one-out regret record). Records are filled in ascending id
 * order, so the same content gives the same JSON bytes whatever order the inputs had.
 */
import type { IdMap } from './types.js'

/** The value stored under `id`, or undefined if the record has no own property `id`. */
export function own<T>(map: IdMap<T>, id: string): T | undefined {
  return Object.hasOwn(map, id) ? map[id] : undefined
}

/**
 * The number stored under `id`, or undefined. A number can only be an own property:
 * `Object.prototype` holds no number-valued property, so no ownership check is needed.
 */
export function ownNumber(map: IdMap, id: string): number | undefined {
  const v: unknown = map[id]
  return typeof v === 'number' ? v : undefined
}

/** An empty record on a null prototype. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

/** A record of `ids[i] → values[i]`; `ids` must already be in ascending order. */
export function recordOf<T>(ids: readonly string[], values: ArrayLike<T>): IdMap<T> {
  const out = emptyRecord<T>()
  for (let i = 0; i < ids.length; i++) out[ids[i]] = values[i]
  return out
}

/** Merge two ascending, disjoint id lists. */
export function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = new Array(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) out[k++] = a[i] < b[j] ? a[i++] : b[j++]
  while (i < a.length) out[k++] = a[i++]
  while (j < b.length) out[k++] = b[j++]
  return out
}

/**
 * Records whose every value has passed the check of the state field they sit in, with their
 * ids in ascending order. A topic's state keeps the record of every worker that ever took part,
 * and each settlement carries those over into new records: a record known checked is carried
 * over without checking or sorting it again, so an epoch's work stays with the epoch's own
 * workers plus one copy. Records are immutable once built; the map is weak, so a record leaves
 * it with the last state that holds it. A record read from outside the engine is never in it.
 */
const CHECKED = new WeakMap<object, readonly string[]>()

/** Marks `map` as checked for its field; `ids` are its own keys in ascending order. */
export function markChecked(map: IdMap<unknown>, ids: readonly string[]): void {
  CHECKED.set(map, ids)
}

/** The ascending ids of a record marked checked, or undefined. */
export function checkedIds(map: IdMap<unknown>): readonly string[] | undefined {
  return CHECKED.get(map)
}

/** A record's own ids in ascending order. */
export function sortedKeys(map: IdMap<unknown>): readonly string[] {
  return CHECKED.get(map) ?? Object.keys(map).sort()
}

/**
 * A checked record `base` (its ascending ids `baseIds`) with `values[i]` under each ascending
 * `ids[i]`, built in one sorted walk of both lists: the new record and its ascending ids.
 */
export function overlaid<T>(
  base: IdMap<T>,
  baseIds: readonly string[],
  ids: readonly string[],
  values: ArrayLike<T>,
): { record: IdMap<T>; ids: string[] } {
  const record = emptyRecord<T>()
  const out: string[] = []
  let i = 0
  let j = 0
  while (i < ids.length || j < baseIds.length) {
    const next = ids[i]
    const kept = baseIds[j]
    if (j >= baseIds.length || (i < ids.length && next <= kept)) {
      record[next] = values[i++]
      out.push(next)
      if (next === kept) j++
    } else {
      record[kept] = base[kept]
      out.push(kept)
      j++
    }
  }
  return { record, ids: out }
}

/**
 * `base` with the entries of `updates` replacing or adding to it, keys in ascending order.
 * With `valid`, the result is marked checked when `base` was and every update is valid.
 */
export function mergeRecords<T>(base: IdMap<T>, updates: IdMap<T>, valid?: (value: T) => boolean): IdMap<T> {
  const updateIds = Object.keys(updates).sort()
  const baseIds = CHECKED.get(base)
  if (baseIds !== undefined) {
    const merged = overlaid(
      base,
      baseIds,
      updateIds,
      updateIds.map((id) => updates[id]),
    )
    if (valid !== undefined && updateIds.every((id) => valid(updates[id]))) CHECKED.set(merged.record, merged.ids)
    return merged.record
  }
  const extra = Object.keys(base)
    .filter((id) => !Object.hasOwn(updates, id))
    .sort()
  const out = emptyRecord<T>()
  for (const id of mergeSorted(updateIds, extra)) out[id] = Object.hasOwn(updates, id) ? updates[id] : base[id]
  return out
}

/**
 * Ascending union of the own keys of several records. Records built alike (the usual case for
 * reputer bundles) list the same keys in the same order, so the union is the first one's keys
 * and only differing records go through a set.
 */
export function unionIds(maps: readonly IdMap<unknown>[]): string[] {
  if (maps.length === 0) return []
  const first = Object.keys(maps[0])
  let all: Set<string> | undefined
  for (let m = 1; m < maps.length; m++) {
    const keys = Object.keys(maps[m])
    let same = keys.length === first.length
    for (let i = 0; same && i < keys.length; i++) same = keys[i] === first[i]
    if (same) continue
    all ??= new Set(first)
    for (const id of keys) all.add(id)
  }
  return all === undefined ? first.sort() : [...all].sort()
}
