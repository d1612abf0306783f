/**
 * A regret family as a whole (types.ts RegretFamily): its check, and its nested JSON form
 * `{row: {inferers: {...}, forecasters: {...}}}` (epoch-json §6.7) both ways.
 */
import { isSound, markSound, NOTHING_DEPARTED } from './departed-regrets.js'
import { SynthesisError } from './errors.js'
import { emptyRecord } from './id-map.js'
import { checkedIds, checkedMatrix, indexOfSorted, matrixOf, sameIds, unionSorted } from './id-matrix.js'
import type { DepartedSide, IdMap, IdMatrix, RegretFamily, RegretSet } from './types.js'

/**
 * Families that passed checkFamily, and departed chunks that did. A state is immutable
 * (readonly throughout), and input from outside (JSON, disk, peers) arrives as new objects,
 * so an object checked once needs no second check: a coordinator's synthesize and settle
 * steps read the same state, whose one-out tables hold a million regrets at 1000 inferers,
 * and what departed from the tables is checked once (departed-regrets.ts, isSound).
 */
const CHECKED_FAMILIES = new WeakSet<object>()

/** Checks a regret family: two well-formed matrices over the same rows, and what departed from them. */
export function checkFamily(value: unknown, path: string): RegretFamily {
  if (typeof value !== 'object' || value === null)
    throw new SynthesisError('INVALID_INPUT', `${path} must be {inferers, forecasters, departed}`)
  if (CHECKED_FAMILIES.has(value)) return value as RegretFamily
  const f = value as Partial<RegretFamily>
  const inferers = checkedMatrix(f.inferers, `${path}.inferers`)
  const forecasters = checkedMatrix(f.forecasters, `${path}.forecasters`)
  if (!sameIds(inferers.rows, forecasters.rows))
    throw new SynthesisError('INVALID_INPUT', `${path}: inferers and forecasters must have the same rows`)
  const departed: unknown = f.departed
  if (typeof departed !== 'object' || departed === null)
    throw new SynthesisError('INVALID_INPUT', `${path}.departed must be {inferers, forecasters}`)
  for (const side of ['inferers', 'forecasters'] as const)
    checkDeparted((departed as Record<string, unknown>)[side], `${path}.departed.${side}`)
  CHECKED_FAMILIES.add(value)
  return { inferers, forecasters, departed: departed as RegretFamily['departed'] }
}

function checkDeparted(value: unknown, path: string): void {
  const side = value as Partial<DepartedSide> | null
  if (typeof side !== 'object' || side === null || !Array.isArray(side.chunks))
    throw new SynthesisError('INVALID_INPUT', `${path} must be {chunks, rows, cols}`)
  if (isSound(side)) return
  let rows: readonly string[] = []
  let cols: readonly string[] = []
  side.chunks.forEach((chunk: unknown, k) => {
    const m = isSound(chunk as object) ? (chunk as IdMatrix) : checkedMatrix(chunk, `${path}.chunks[${k}]`)
    markSound(chunk as object)
    rows = unionSorted(rows, m.rows)
    cols = unionSorted(cols, m.cols)
  })
  // The unions say which ids never left (so nothing is recalled for them): they must hold
  // every id of the chunks (they may hold more: a value withdrawn leaves its id behind).
  const holds = (all: readonly string[], ids: readonly string[]): boolean =>
    ids.every((id) => indexOfSorted(all, id) >= 0)
  if (!holds(checkedIds(side.rows, `${path}.rows`), rows))
    throw new SynthesisError('INVALID_INPUT', `${path}.rows must hold every row of its chunks`)
  if (!holds(checkedIds(side.cols, `${path}.cols`), cols))
    throw new SynthesisError('INVALID_INPUT', `${path}.cols must hold every column of its chunks`)
  markSound(side)
}

/** A regret family of its nested JSON form `{row: {inferers: {...}, forecasters: {...}}}`: every row in the tables. */
export function familyOf(nested: IdMap<RegretSet>): RegretFamily {
  const rows = Object.keys(nested)
  const part = (field: keyof RegretSet): IdMatrix =>
    matrixOf(Object.fromEntries(rows.map((r) => [r, nested[r][field]])))
  return {
    inferers: part('inferers'),
    forecasters: part('forecasters'),
    departed: { inferers: NOTHING_DEPARTED, forecasters: NOTHING_DEPARTED },
  }
}

/**
 * The nested JSON form of a regret family: every row (of the tables or of what departed,
 * ascending) with both (possibly empty) maps, each holding the newest value of every id.
 */
export function nestedFamily(f: RegretFamily): IdMap<RegretSet> {
  const rows = unionSorted(unionSorted(f.inferers.rows, f.departed.inferers.rows), f.departed.forecasters.rows)
  const maps: Record<string, { inferers: Record<string, number>; forecasters: Record<string, number> }> = {}
  for (const r of rows) maps[r] = { inferers: {}, forecasters: {} }
  for (const side of ['inferers', 'forecasters'] as const) {
    // Oldest first, the tables last: the newest value of a pair is written last.
    for (const m of [...f.departed[side].chunks, f[side]]) {
      const nc = m.cols.length
      for (let r = 0; r < m.rows.length; r++) {
        const out = maps[m.rows[r]][side]
        for (let c = 0; c < nc; c++) {
          const v = m.values[r * nc + c]
          if (v === v) out[m.cols[c]] = v
        }
      }
    }
  }
  const out = emptyRecord<RegretSet>()
  for (const r of rows)
    out[r] = { inferers: sortedKeys(maps[r].inferers), forecasters: sortedKeys(maps[r].forecasters) }
  return out
}

function sortedKeys(map: Record<string, number>): IdMap {
  const out = emptyRecord<number>()
  for (const id of Object.keys(map).sort()) out[id] = map[id]
  return out
}
