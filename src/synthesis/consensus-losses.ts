/**
 * Reputer loss bundles as one matrix, and their stake-weighted consensus (allora-math §3.1,
 * §3.3; epoch-json §4, §6.9).
 *
 * Every reputer's bundle is flattened onto one coordinate list, the union over reputers in the
 * order of §3.3 (network, naive, inferers, forecasters, one-out-inferer-forecasters grouped by
 * forecaster then inferer, one-out inferers, one-out forecasters, one-in forecasters; ids
 * ascending inside each field). A value a reputer did not report is NaN. Both the §3.1
 * consensus and the reputer scoring of §11 read this matrix, so the bundles are walked once.
 */
import { SynthesisError } from './errors.js'
import { own, recordOf, unionIds } from './id-map.js'
import type { IdMap, LossBundle, ReputerReport } from './types.js'

export interface OneOutInfererForecasterIds {
  readonly forecaster: string
  /** Withheld inferers, ascending. */
  readonly inferers: readonly string[]
}

/** The coordinate list: which id of which field sits at which index. */
export interface LossLayout {
  readonly inferers: readonly string[]
  readonly forecasters: readonly string[]
  readonly oneOutInfererForecasters: readonly OneOutInfererForecasterIds[]
  readonly oneOutInferers: readonly string[]
  readonly oneOutForecasters: readonly string[]
  readonly oneInForecasters: readonly string[]
  /** Number of coordinates (2 for network and naive, plus every id above). */
  readonly size: number
}

export interface LossMatrix {
  readonly layout: LossLayout
  /** Reputer ids, ascending; row m belongs to reputers[m]. */
  readonly reputers: readonly string[]
  /** Raw stakes S_m, by row. */
  readonly stakes: Float64Array
  /** Row-major, `reputers.length × layout.size`; NaN where the reputer reported nothing. */
  readonly values: Float64Array
  /** Number of NaN entries (0: every reputer reported every value). */
  readonly missing: number
}

const NETWORK = 0
const NAIVE = 1

/** Union of the ids every bundle reports, per field (§3.3 padding). */
export function lossLayout(bundles: readonly LossBundle[]): LossLayout {
  const inferers = unionIds(bundles.map((b) => b.inferers))
  const forecasters = unionIds(bundles.map((b) => b.forecasters))
  const oneOutForecasterIds = unionIds(bundles.map((b) => b.oneOutInfererForecasters))
  const oneOutInfererForecasters: OneOutInfererForecasterIds[] = []
  for (const forecaster of oneOutForecasterIds) {
    const inner: IdMap[] = []
    for (const b of bundles) {
      const map = own(b.oneOutInfererForecasters, forecaster)
      if (map !== undefined) inner.push(map)
    }
    const ids = unionIds(inner)
    // A forecaster with an empty map in every bundle has no coordinate (epoch-json §6.9).
    if (ids.length > 0) oneOutInfererForecasters.push({ forecaster, inferers: ids })
  }
  const oneOutInferers = unionIds(bundles.map((b) => b.oneOutInferers))
  const oneOutForecasters = unionIds(bundles.map((b) => b.oneOutForecasters))
  const oneInForecasters = unionIds(bundles.map((b) => b.oneInForecasters))
  let size = 2 + inferers.length + forecasters.length + oneOutInferers.length + oneOutForecasters.length + oneInForecasters.length
  for (const group of oneOutInfererForecasters) size += group.inferers.length
  return { inferers, forecasters, oneOutInfererForecasters, oneOutInferers, oneOutForecasters, oneInForecasters, size }
}

/** A reported loss as a matrix entry: NaN if absent, an error if present but unusable. */
function entry(value: unknown, path: () => string): number {
  if (value === undefined) return Number.NaN
  if (typeof value !== 'number') throw new SynthesisError('INVALID_INPUT', `${path()} must be a number`)
  if (!Number.isFinite(value)) throw new SynthesisError('NON_FINITE', `${path()} is not finite (${value})`)
  return value
}

/** Fills one field's ids into `row` from `at`; returns how many of them `map` holds. */
function fillField(row: Float64Array, at: number, ids: readonly string[], map: IdMap, path: () => string): number {
  let found = 0
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]
    const v: unknown = map[id]
    // The common case first; anything else is absent, inherited or invalid.
    if (typeof v === 'number' && Number.isFinite(v)) {
      row[at + i] = v
      found++
    } else {
      row[at + i] = entry(own(map, id), () => `${path()}.${id}`)
      if (row[at + i] === row[at + i]) found++
    }
  }
  return found
}

/**
 * Fills every row on `layout`. With `strict`, returns undefined as soon as a bundle reports
 * an id the layout lacks: `found` equal to the map's key count means the map's ids are
 * exactly those of the layout it holds, so no key ever needs sorting or a set.
 */
function fill(
  reputers: readonly string[],
  reports: IdMap<ReputerReport>,
  bundles: readonly LossBundle[],
  layout: LossLayout,
  strict: boolean,
): LossMatrix | undefined {
  const n = layout.size
  const values = new Float64Array(reputers.length * n)
  const stakes = new Float64Array(reputers.length)
  const groups = new Set(layout.oneOutInfererForecasters.map((g) => g.forecaster))
  let missing = 0
  for (let m = 0; m < reputers.length; m++) {
    const b = bundles[m]
    const check = strict && m > 0
    const base = `reputers.${reputers[m]}.losses`
    stakes[m] = reports[reputers[m]].stake
    const row = values.subarray(m * n, (m + 1) * n)
    row[NETWORK] = entry(b.network, () => `${base}.network`)
    row[NAIVE] = entry(b.naive, () => `${base}.naive`)
    if (row[NETWORK] !== row[NETWORK]) missing++
    if (row[NAIVE] !== row[NAIVE]) missing++
    let at = 2
    const field = (ids: readonly string[], map: IdMap, path: string): boolean => {
      const found = fillField(row, at, ids, map, () => `${base}.${path}`)
      at += ids.length
      missing += ids.length - found
      return !check || found === Object.keys(map).length
    }
    if (!field(layout.inferers, b.inferers, 'inferers')) return undefined
    if (!field(layout.forecasters, b.forecasters, 'forecasters')) return undefined
    for (const group of layout.oneOutInfererForecasters) {
      const map = own(b.oneOutInfererForecasters, group.forecaster) ?? {}
      if (!field(group.inferers, map, `one_out_inferer_forecasters.${group.forecaster}`)) return undefined
    }
    if (check) {
      for (const k of Object.keys(b.oneOutInfererForecasters)) {
        if (!groups.has(k) && Object.keys(b.oneOutInfererForecasters[k]).length > 0) return undefined
      }
    }
    if (!field(layout.oneOutInferers, b.oneOutInferers, 'one_out_inferers')) return undefined
    if (!field(layout.oneOutForecasters, b.oneOutForecasters, 'one_out_forecasters')) return undefined
    if (!field(layout.oneInForecasters, b.oneInForecasters, 'one_in_forecasters')) return undefined
  }
  return { layout, reputers, stakes, values, missing }
}

/**
 * Flatten the reports of `reputers` (ids ascending) onto one layout. Stakes must already be
 * validated; loss values are checked here (NON_FINITE for NaN or ±Infinity).
 *
 * Reputers usually report the same ids, so the first one's ids are tried as the layout and
 * each map is checked while it is being read (enumerating a thousand-key map costs about
 * as much as reading it, and is cheapest while it is still in cache); only if some reputer
 * reports more is the full union taken.
 */
export function lossMatrix(reputers: readonly string[], reports: IdMap<ReputerReport>): LossMatrix {
  const bundles = reputers.map((id) => reports[id].losses)
  return fill(reputers, reports, bundles, lossLayout(bundles.slice(0, 1)), true) ?? (fill(reputers, reports, bundles, lossLayout(bundles), false) as LossMatrix)
}

/**
 * §3.1: per coordinate, Σ S_m ℓ_m / Σ S_m over the reputers that reported it, in ascending
 * reputer order. Raw stakes, not adjusted ones. Every coordinate of the layout was reported
 * by someone except possibly network and naive, which are required.
 */
export function consensusVector(matrix: LossMatrix): Float64Array {
  const { values, stakes } = matrix
  const n = matrix.layout.size
  const r = stakes.length
  const out = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    let num = 0
    let den = 0
    for (let m = 0; m < r; m++) {
      const v = values[m * n + j]
      if (v !== v) continue
      num += stakes[m] * v
      den += stakes[m]
    }
    out[j] = den > 0 ? num / den : Number.NaN
  }
  if (out[NETWORK] !== out[NETWORK]) throw new SynthesisError('MISSING_CONSENSUS_VALUE', 'no reputer reported the network loss')
  if (out[NAIVE] !== out[NAIVE]) throw new SynthesisError('MISSING_CONSENSUS_VALUE', 'no reputer reported the naive loss')
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(out[j])) throw new SynthesisError('NON_FINITE', 'a consensus loss overflowed')
  }
  return out
}

/** The consensus vector as a LossBundle with exactly the reported ids (epoch-json §6.9). */
export function consensusBundle(layout: LossLayout, consensus: Float64Array): LossBundle {
  let at = 2
  const take = (ids: readonly string[]): IdMap => {
    const map = recordOf(ids, consensus.subarray(at, at + ids.length))
    at += ids.length
    return map
  }
  const inferers = take(layout.inferers)
  const forecasters = take(layout.forecasters)
  const nested: [string, IdMap][] = []
  for (const group of layout.oneOutInfererForecasters) nested.push([group.forecaster, take(group.inferers)])
  const oneOutInferers = take(layout.oneOutInferers)
  const oneOutForecasters = take(layout.oneOutForecasters)
  const oneInForecasters = take(layout.oneInForecasters)
  return {
    network: consensus[NETWORK],
    naive: consensus[NAIVE],
    inferers,
    forecasters,
    oneOutInferers,
    oneOutForecasters,
    oneInForecasters,
    oneOutInfererForecasters: Object.fromEntries(nested),
  }
}

/** §3.1 for a set of reports: the network loss bundle of the epoch. */
export function consensusLosses(reputers: readonly string[], reports: IdMap<ReputerReport>): LossBundle {
  const matrix = lossMatrix(reputers, reports)
  return consensusBundle(matrix.layout, consensusVector(matrix))
}
