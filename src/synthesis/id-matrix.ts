/**
 * Tables of numbers by (row id, column id): the engine's form of the families that grow as
 * inferers² (one-out regrets, one-out-inferer forecast-implied values and their losses).
 *
 * A thousand-key record is a hash table to V8: a million regrets held as records cost the
 * settle step most of its time in lookups and garbage. A matrix keeps them in one
 * Float64Array over sorted id tables, so a family is read by index and written in one
 * allocation. NaN marks an absent entry ("never stored", "not reported"); every other entry
 * is finite. The JSON and wire forms stay nested `{row: {col: value}}` maps (`nestedOf`,
 * `matrixOf`).
 */
import { SynthesisError } from './errors.js'
import { emptyRecord, mergeSorted } from './id-map.js'
import { KernelArena } from './kernels/kernels.js'
import type { IdMap, IdMatrix } from './types.js'

export const EMPTY_MATRIX: IdMatrix = Object.freeze({
  rows: Object.freeze([]),
  cols: Object.freeze([]),
  values: new Float64Array(0),
})

/** Index of `id` in the ascending list `ids`, or −1. */
export function indexOfSorted(ids: readonly string[], id: string): number {
  let lo = 0
  let hi = ids.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const v = ids[mid]
    if (v === id) return mid
    if (v < id) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/** `target[i]` = index of target[i] in `source` (both ascending), or −1. */
export function positionsIn(target: readonly string[], source: readonly string[]): Int32Array {
  const out = new Int32Array(target.length)
  let s = 0
  for (let t = 0; t < target.length; t++) {
    while (s < source.length && source[s] < target[t]) s++
    out[t] = s < source.length && source[s] === target[t] ? s : -1
  }
  return out
}

/** Ascending union of two ascending lists; `a` itself when `b` adds nothing. */
export function unionSorted(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.length === 0) return b
  if (sameIds(a, b)) return a
  const extra: string[] = []
  let i = 0
  for (const id of b) {
    while (i < a.length && a[i] < id) i++
    if (i >= a.length || a[i] !== id) extra.push(id)
  }
  return extra.length === 0 ? a : mergeSorted(a, extra)
}

export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** A matrix of a nested map: every row key (even an empty one), the union of the columns. */
export function matrixOf(nested: IdMap<IdMap>): IdMatrix {
  const rows = Object.keys(nested).sort()
  const colSet = new Set<string>()
  for (const r of rows) for (const c of Object.keys(nested[r])) colSet.add(c)
  const cols = [...colSet].sort()
  const values = new Float64Array(rows.length * cols.length).fill(Number.NaN)
  for (let r = 0; r < rows.length; r++) {
    const row = nested[rows[r]]
    for (let c = 0; c < cols.length; c++) if (Object.hasOwn(row, cols[c])) values[r * cols.length + c] = row[cols[c]]
  }
  return { rows, cols, values }
}

/** The nested map of a matrix: a record per row (possibly empty) of its present entries. */
export function nestedOf(m: IdMatrix): IdMap<IdMap> {
  const out = emptyRecord<IdMap>()
  const nc = m.cols.length
  for (let r = 0; r < m.rows.length; r++) {
    const row = emptyRecord<number>()
    for (let c = 0; c < nc; c++) {
      const v = m.values[r * nc + c]
      if (v === v) row[m.cols[c]] = v
    }
    out[m.rows[r]] = row
  }
  return out
}

/** Tables this long are checked by the kernel (a copy into its arena and one SIMD pass). */
const KERNEL_CHECK_MIN = 4096
let checkArena: KernelArena | undefined

/**
 * True if no value is ±Infinity (NaN, absent, is allowed). A regret table holds a million
 * values at 1000 inferers and is checked by every synthesize and settle step.
 */
function noneInfinite(values: Float64Array): boolean {
  if (values.length < KERNEL_CHECK_MIN) {
    for (let i = 0; i < values.length; i++) if (values[i] === values[i] && values[i] - values[i] !== 0) return false
    return true
  }
  const arena = (checkArena ??= new KernelArena())
  arena.begin(values.length)
  const copy = arena.f64(values.length)
  copy.set(values)
  return arena.countInRange(copy, -Number.MAX_VALUE, Number.MAX_VALUE) >= 0
}

/** `list` as a list of non-empty ids, ascending and unique, or an INVALID_INPUT error naming `path`. */
export function checkedIds(list: unknown, path: string): readonly string[] {
  if (!Array.isArray(list)) throw new SynthesisError('INVALID_INPUT', `${path} must be a list of ids`)
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'string' || list[i] === '')
      throw new SynthesisError('INVALID_INPUT', `${path}[${i}] must be a non-empty id`)
    if (i > 0 && !((list[i - 1] as string) < (list[i] as string)))
      throw new SynthesisError('INVALID_INPUT', `${path} must be ascending and unique`)
  }
  return list as string[]
}

/**
 * Checks that `value` is a well-formed IdMatrix (ids ascending and unique, values a
 * Float64Array of rows × cols entries, each finite or NaN) and returns it typed. Without
 * `checkValues` only the shape is checked (for callers that check each value they read).
 */
export function checkedMatrix(
  value: unknown,
  path: string,
  checkValues = true,
  knownIds?: Pick<IdMatrix, 'rows' | 'cols'>,
): IdMatrix {
  // `why` names a part (".cols must …") or speaks of the whole ("must be …").
  const bad = (why: string): never => {
    throw new SynthesisError('INVALID_INPUT', `${path}${why.startsWith('.') ? '' : ' '}${why}`)
  }
  if (typeof value !== 'object' || value === null) return bad('must be a matrix {rows, cols, values}')
  const m = value as Partial<IdMatrix>
  const ids = (list: unknown, what: string, known: readonly string[] | undefined): readonly string[] =>
    // Equal to a list already checked (equality per id is far cheaper than ordering strings).
    known !== undefined && Array.isArray(list) && sameIds(list as string[], known)
      ? (list as string[])
      : checkedIds(list, `${path}.${what}`)
  const rows = ids(m.rows, 'rows', knownIds?.rows)
  const cols = ids(m.cols, 'cols', knownIds?.cols)
  if (!(m.values instanceof Float64Array)) return bad('.values must be a Float64Array')
  if (m.values.length !== rows.length * cols.length)
    bad(`.values must hold rows × cols = ${rows.length * cols.length} entries (has ${m.values.length})`)
  const values = m.values
  // The scan below only runs to name the value that is not finite.
  const scan = checkValues && !noneInfinite(values)
  for (let i = 0; scan && i < values.length; i++) {
    const v = values[i]
    if (v === v && v - v !== 0)
      throw new SynthesisError(
        'NON_FINITE',
        `${path}["${rows[Math.floor(i / cols.length)]}"]["${cols[i % cols.length]}"] is not finite (${v})`,
      )
  }
  return { rows, cols, values }
}
