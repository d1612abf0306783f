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
import { checkedMatrix, indexOfSorted, positionsIn, sameIds, unionSorted } from './id-matrix.js'
import type { IdMap, IdMatrix, LossBundle, ReputerReport } from './types.js'

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
  /** The §3.1 consensus of these rows, once computed (`withConsensus`). */
  readonly rawConsensus?: Float64Array
}

const NETWORK = 0
const NAIVE = 1

/** The columns of `m`'s row `r` that hold a value, ascending. */
function presentColumns(m: IdMatrix, r: number): string[] {
  const nc = m.cols.length
  const out: string[] = []
  for (let c = 0; c < nc; c++) if (m.values[r * nc + c] === m.values[r * nc + c]) out.push(m.cols[c])
  return out
}

/** Union of the ids every bundle reports, per field (§3.3 padding). */
export function lossLayout(bundles: readonly LossBundle[]): LossLayout {
  const inferers = unionIds(bundles.map((b) => b.inferers))
  const forecasters = unionIds(bundles.map((b) => b.forecasters))
  let forecasterRows: readonly string[] = []
  for (const b of bundles) forecasterRows = unionSorted(forecasterRows, b.oneOutInfererForecasters.rows)
  const oneOutInfererForecasters: OneOutInfererForecasterIds[] = []
  for (const forecaster of forecasterRows) {
    let ids: readonly string[] = []
    for (const b of bundles) {
      const r = indexOfSorted(b.oneOutInfererForecasters.rows, forecaster)
      if (r >= 0) ids = unionSorted(ids, presentColumns(b.oneOutInfererForecasters, r))
    }
    // A forecaster with no value in any bundle has no coordinate (epoch-json §6.9).
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
 * Fills a one-out-inferer-forecaster group from a bundle's table and checks each value it
 * copies (finite, or NaN for absent): how many values it holds, and whether the group's
 * columns are the table's own (then no value of that row was left out).
 */
function fillMatrixRow(row: Float64Array, at: number, group: OneOutInfererForecasterIds, m: IdMatrix, path: string): { found: number; wholeRow: boolean } {
  const r = indexOfSorted(m.rows, group.forecaster)
  const count = group.inferers.length
  if (r < 0) {
    row.fill(Number.NaN, at, at + count)
    return { found: 0, wholeRow: false }
  }
  const nc = m.cols.length
  const base = r * nc
  const src = m.values
  let found = 0
  const whole = sameIds(group.inferers, m.cols)
  const columns = whole ? undefined : positionsIn(group.inferers, m.cols)
  for (let t = 0; t < count; t++) {
    const c = columns === undefined ? t : columns[t]
    const v = c < 0 ? Number.NaN : src[base + c]
    if (v === v) {
      if (v - v !== 0) throw new SynthesisError('NON_FINITE', `${path}["${group.forecaster}"]["${group.inferers[t]}"] is not finite (${v})`)
      found++
    }
    row[at + t] = v
  }
  return { found, wholeRow: whole }
}

/** Values present in `m` (finite or ±∞; NaN is absent). */
function countPresent(values: Float64Array): number {
  let n = 0
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++
  return n
}

/**
 * Fills every row on `layout`. With `strict`, returns undefined as soon as a bundle reports
 * an id the layout lacks: `found` equal to the map's key count means the map's ids are
 * exactly those of the layout it holds, so no key ever needs sorting or a set.
 */
/**
 * A grow-only buffer a caller lends for the matrix values, so that a large epoch (R × 10^5
 * doubles) does not allocate and zero tens of MB every time. The matrix returned with it is
 * valid until the next call that lends the same scratch.
 */
export interface MatrixScratch {
  buffer: Float64Array
}

function valuesBuffer(size: number, scratch: MatrixScratch | undefined): Float64Array {
  if (scratch === undefined) return new Float64Array(size)
  if (scratch.buffer.length < size) scratch.buffer = new Float64Array(size)
  return scratch.buffer.subarray(0, size)
}

function fill(
  reputers: readonly string[],
  reports: IdMap<ReputerReport>,
  bundles: readonly LossBundle[],
  layout: LossLayout,
  strict: boolean,
  scratch: MatrixScratch | undefined,
): LossMatrix | undefined {
  const n = layout.size
  // Every entry of every row is written below, so a reused buffer needs no clearing.
  const values = valuesBuffer(reputers.length * n, scratch)
  const stakes = new Float64Array(reputers.length)
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
    const nested = b.oneOutInfererForecasters
    let inGroups = 0
    let wholeRows = 0
    const tablePath = `${base}.one_out_inferer_forecasters`
    for (const group of layout.oneOutInfererForecasters) {
      const { found, wholeRow } = fillMatrixRow(row, at, group, nested, tablePath)
      at += group.inferers.length
      missing += group.inferers.length - found
      inGroups += found
      if (wholeRow) wholeRows++
    }
    // Strict: every value of the bundle's table must have landed in some group. When every
    // row of the table was copied whole that holds by construction; otherwise count.
    if (check && wholeRows !== nested.rows.length && inGroups !== countPresent(nested.values)) return undefined
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
export function lossMatrix(reputers: readonly string[], reports: IdMap<ReputerReport>, scratch?: MatrixScratch): LossMatrix {
  const bundles = reputers.map((id) => {
    const losses = reports[id].losses
    // Shape only: each value is checked as it is copied (fillMatrixRow).
    checkedMatrix(losses.oneOutInfererForecasters, `reputers.${id}.losses.one_out_inferer_forecasters`, false)
    return losses
  })
  return fill(reputers, reports, bundles, lossLayout(bundles.slice(0, 1)), true, scratch) ?? (fill(reputers, reports, bundles, lossLayout(bundles), false, scratch) as LossMatrix)
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

/** The one-out-inferer-forecaster groups of the consensus vector from `at`, as one table. */
function consensusTable(groups: readonly OneOutInfererForecasterIds[], consensus: Float64Array, at: number): { matrix: IdMatrix; end: number } {
  let cols: readonly string[] = []
  for (const g of groups) cols = unionSorted(cols, g.inferers)
  const values = new Float64Array(groups.length * cols.length).fill(Number.NaN)
  for (let r = 0; r < groups.length; r++) {
    const ids = groups[r].inferers
    const columns = positionsIn(ids, cols)
    for (let t = 0; t < ids.length; t++) values[r * cols.length + columns[t]] = consensus[at + t]
    at += ids.length
  }
  return { matrix: { rows: groups.map((g) => g.forecaster), cols, values }, end: at }
}

/** The matrix with its §3.1 consensus attached, so reputer scoring need not recompute it. */
export function withConsensus(matrix: LossMatrix, consensus: Float64Array): LossMatrix {
  return { ...matrix, rawConsensus: consensus }
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
  const table = consensusTable(layout.oneOutInfererForecasters, consensus, at)
  at = table.end
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
    oneOutInfererForecasters: table.matrix,
  }
}

/** §3.1 for a set of reports: the network loss bundle of the epoch. */
export function consensusLosses(reputers: readonly string[], reports: IdMap<ReputerReport>): LossBundle {
  const matrix = lossMatrix(reputers, reports)
  return consensusBundle(matrix.layout, consensusVector(matrix))
}
