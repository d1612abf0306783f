/**
 * Reputer loss bundles as one matrix, and their stake-weighted consensus (docs/spec/math.md §3.1,
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
import { KernelArena } from './kernels/kernels.js'
import { LOG10_LOSS_MAX, LOG10_LOSS_MIN, log10Loss } from './input-ranges.js'
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
  /** Union of the groups' inferers, ascending: the columns of the consensus table. */
  readonly tableCols: readonly string[]
  /** The groups' forecasters, ascending: the rows of the consensus table. */
  readonly tableRows: readonly string[]
  /** Every group holds every column: the table's coordinates are its rows × cols, row-major. */
  readonly tableFull: boolean
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
  /** The §3.1 consensus of these rows. */
  readonly rawConsensus: Float64Array
  /**
   * The arena `values` and `stakes` live in (valid until its next `begin`), with two vectors
   * of `layout.size` there for the kernels' outputs (the §3.1 consensus, the centre of the
   * reputer vectors); the rest of its reservation is the full group's Gram scratch.
   */
  readonly arena: KernelArena
  readonly slots: { readonly consensus: Float64Array; readonly centre: Float64Array; readonly distances: Float64Array }
  /** Each row's squared distance to `rawConsensus` (meaningful when `missing` is 0). */
  readonly rowDistances: Float64Array
}

const NETWORK = 0
const NAIVE = 1

/** The columns of `m`'s row `r` that hold a value, ascending (`m.cols` itself for a full row, so layouts share it). */
function presentColumns(m: IdMatrix, r: number): readonly string[] {
  const nc = m.cols.length
  let c = 0
  while (c < nc && m.values[r * nc + c] === m.values[r * nc + c]) c++
  if (c === nc) return m.cols
  const out: string[] = m.cols.slice(0, c)
  for (; c < nc; c++) if (m.values[r * nc + c] === m.values[r * nc + c]) out.push(m.cols[c])
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
  let tableCols: readonly string[] = []
  for (const g of oneOutInfererForecasters) tableCols = unionSorted(tableCols, g.inferers)
  const oneOutInferers = unionIds(bundles.map((b) => b.oneOutInferers))
  const oneOutForecasters = unionIds(bundles.map((b) => b.oneOutForecasters))
  const oneInForecasters = unionIds(bundles.map((b) => b.oneInForecasters))
  let size =
    2 +
    inferers.length +
    forecasters.length +
    oneOutInferers.length +
    oneOutForecasters.length +
    oneInForecasters.length
  for (const group of oneOutInfererForecasters) size += group.inferers.length
  const tableRows = oneOutInfererForecasters.map((g) => g.forecaster)
  const tableFull = oneOutInfererForecasters.every((g) => g.inferers.length === tableCols.length)
  return {
    inferers,
    forecasters,
    oneOutInfererForecasters,
    tableCols,
    tableRows,
    tableFull,
    oneOutInferers,
    oneOutForecasters,
    oneInForecasters,
    size,
  }
}

/** A reported loss as a matrix entry: NaN if absent, an error if present but not a log10 loss. */
function entry(value: unknown, path: () => string): number {
  if (value === undefined) return Number.NaN
  return log10Loss(value, path())
}

/** Fills one field's ids into `row` from `at`; returns how many of them `map` holds. */
function fillField(row: Float64Array, at: number, ids: readonly string[], map: IdMap, path: () => string): number {
  let found = 0
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]
    const v: unknown = map[id]
    // The common case first; anything else is absent, inherited or invalid.
    if (typeof v === 'number' && v >= LOG10_LOSS_MIN && v <= LOG10_LOSS_MAX) {
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
 * Copies a one-out-inferer-forecaster group from a bundle's table, NaN where the table has no
 * value (values are checked afterwards, the whole table at once: `tableFound`). Returns whether
 * the group's columns are the table's own (then no value of that table row was left out).
 * `colsAreLayout`: the table's columns are the layout's `tableCols` (compared once per
 * bundle: a thousand string comparisons per row would cost more than the copy).
 */
function copyGroup(
  row: Float64Array,
  at: number,
  group: OneOutInfererForecasterIds,
  m: IdMatrix,
  colsAreLayout: boolean,
): boolean {
  const r = indexOfSorted(m.rows, group.forecaster)
  const count = group.inferers.length
  if (r < 0) {
    row.fill(Number.NaN, at, at + count)
    return false
  }
  const nc = m.cols.length
  const base = r * nc
  // The group's inferers are a subset of tableCols, so equal counts mean equal lists.
  if (colsAreLayout ? count === nc : sameIds(group.inferers, m.cols)) {
    row.set(m.values.subarray(base, base + count), at)
    return true
  }
  const columns = positionsIn(group.inferers, m.cols)
  for (let t = 0; t < count; t++) row[at + t] = columns[t] < 0 ? Number.NaN : m.values[base + columns[t]]
  return false
}

/** Values present in `m` (finite or ±∞; NaN is absent). */
function countPresent(values: Float64Array): number {
  let n = 0
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++
  return n
}

/**
 * The arena reservation of a matrix of `r` reputers over `n` coordinates: the matrix, its
 * stakes, its slots, and scratch for the consensus kernel, then for the Gram matrix of the
 * full group (r rows and the centre).
 */
function matrixDoubles(r: number, n: number): number {
  return r * n + r + 2 * n + r + Math.max(2 * r, KernelArena.gramDoubles(r + 1))
}

/** A loss matrix before its consensus: the table values are not checked yet. */
type FilledMatrix = Omit<LossMatrix, 'missing' | 'rawConsensus' | 'rowDistances'>

/**
 * Fills every row on `layout`. With `strict`, returns undefined as soon as a bundle reports
 * an id the layout lacks: `found` equal to the map's key count means the map's ids are
 * exactly those of the layout it holds, so no key ever needs sorting or a set. Values of the
 * per-id fields are checked here; the one-out-inferer-forecaster tables (nearly all of the
 * values) are copied as they are and checked by the consensus kernel as it reads them.
 */
function fill(
  reputers: readonly string[],
  reports: IdMap<ReputerReport>,
  bundles: readonly LossBundle[],
  layout: LossLayout,
  strict: boolean,
  arena: KernelArena,
): FilledMatrix | undefined {
  const n = layout.size
  arena.begin(matrixDoubles(reputers.length, n))
  const values = arena.f64(reputers.length * n)
  const stakes = arena.f64(reputers.length)
  const slots = { consensus: arena.f64(n), centre: arena.f64(n), distances: arena.f64(reputers.length) }
  for (let m = 0; m < reputers.length; m++) {
    const b = bundles[m]
    const check = strict && m > 0
    const base = `reputers.${reputers[m]}.losses`
    stakes[m] = reports[reputers[m]].stake
    const row = values.subarray(m * n, (m + 1) * n)
    row[NETWORK] = entry(b.network, () => `${base}.network`)
    row[NAIVE] = entry(b.naive, () => `${base}.naive`)
    let at = 2
    const field = (ids: readonly string[], map: IdMap, path: string): boolean => {
      const found = fillField(row, at, ids, map, () => `${base}.${path}`)
      at += ids.length
      return !check || found === Object.keys(map).length
    }
    if (!field(layout.inferers, b.inferers, 'inferers')) return undefined
    if (!field(layout.forecasters, b.forecasters, 'forecasters')) return undefined
    const nested = b.oneOutInfererForecasters
    const tableStart = at
    let wholeRows = 0
    const colsAreLayout = sameIds(layout.tableCols, nested.cols)
    if (colsAreLayout && layout.tableFull && sameIds(layout.tableRows, nested.rows)) {
      // The bundle's table is the layout's, row for row: one copy.
      row.set(nested.values, at)
      at += nested.values.length
      wholeRows = nested.rows.length
    } else {
      for (const group of layout.oneOutInfererForecasters) {
        if (copyGroup(row, at, group, nested, colsAreLayout)) wholeRows++
        at += group.inferers.length
      }
    }
    // Strict: every value of the bundle's table must have landed in some group. When every
    // row of the table was copied whole that holds by construction; otherwise count.
    if (
      check &&
      wholeRows !== nested.rows.length &&
      countPresent(row.subarray(tableStart, at)) !== countPresent(nested.values)
    )
      return undefined
    if (!field(layout.oneOutInferers, b.oneOutInferers, 'one_out_inferers')) return undefined
    if (!field(layout.oneOutForecasters, b.oneOutForecasters, 'one_out_forecasters')) return undefined
    if (!field(layout.oneInForecasters, b.oneInForecasters, 'one_in_forecasters')) return undefined
  }
  return { layout, reputers, stakes, values, arena, slots }
}

/**
 * Flatten the reports of `reputers` (ids ascending) onto one layout, with the §3.1 consensus.
 * Stakes must already be validated; loss values are checked here (NON_FINITE for NaN or
 * ±Infinity, INVALID_INPUT for a number that is not a log10 loss).
 *
 * Reputers usually report the same ids, so the first one's ids are tried as the layout and
 * each map is checked while it is being read (enumerating a thousand-key map costs about
 * as much as reading it, and is cheapest while it is still in cache); only if some reputer
 * reports more is the full union taken.
 */
export function lossMatrix(
  reputers: readonly string[],
  reports: IdMap<ReputerReport>,
  arena: KernelArena = new KernelArena(),
): LossMatrix {
  let checked: IdMatrix | undefined
  const bundles = reputers.map((id) => {
    const losses = reports[id].losses
    // Shape only: each value is checked as it is copied (fill) or read (withConsensus). Reputers
    // usually report tables over the same ids, so later tables are compared with the first.
    const table = checkedMatrix(
      losses.oneOutInfererForecasters,
      `reputers.${id}.losses.one_out_inferer_forecasters`,
      false,
      checked,
    )
    checked ??= table
    return losses
  })
  const filled =
    fill(reputers, reports, bundles, lossLayout(bundles.slice(0, 1)), true, arena) ??
    (fill(reputers, reports, bundles, lossLayout(bundles), false, arena) as FilledMatrix)
  return withConsensus(filled)
}

/** The one-out-inferer-forecaster groups of the consensus vector from `at`, as one table. */
function consensusTable(layout: LossLayout, consensus: Float64Array, at: number): { matrix: IdMatrix; end: number } {
  const groups = layout.oneOutInfererForecasters
  const cols = layout.tableCols
  const values = new Float64Array(groups.length * cols.length).fill(Number.NaN)
  for (let r = 0; r < groups.length; r++) {
    const ids = groups[r].inferers
    if (ids.length === cols.length) values.set(consensus.subarray(at, at + ids.length), r * cols.length)
    else {
      const columns = positionsIn(ids, cols)
      for (let t = 0; t < ids.length; t++) values[r * cols.length + columns[t]] = consensus[at + t]
    }
    at += ids.length
  }
  return { matrix: { rows: groups.map((g) => g.forecaster), cols, values }, end: at }
}

/**
 * The matrix with its §3.1 consensus attached (so reputer scoring need not recompute it),
 * each row's squared distance to it and the count of absent values, all from one pass of the
 * consensus kernel over the matrix, which also checks every value it reads.
 */
function withConsensus(matrix: FilledMatrix): LossMatrix {
  const n = matrix.layout.size
  const { slots } = matrix
  const missing = matrix.arena.consensus(
    matrix.values,
    matrix.stakes,
    matrix.stakes.length,
    n,
    slots.consensus,
    slots.distances,
    LOG10_LOSS_MIN,
    LOG10_LOSS_MAX,
  )
  if (missing < 0) throwOutOfRange(matrix)
  const out = slots.consensus.slice()
  if (out[NETWORK] !== out[NETWORK])
    throw new SynthesisError('MISSING_CONSENSUS_VALUE', 'no reputer reported the network loss')
  if (out[NAIVE] !== out[NAIVE])
    throw new SynthesisError('MISSING_CONSENSUS_VALUE', 'no reputer reported the naive loss')
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(out[j])) throw new SynthesisError('NON_FINITE', 'a consensus loss overflowed')
  }
  return { ...matrix, missing, rawConsensus: out, rowDistances: slots.distances.slice() }
}

/**
 * The kernel saw a value outside the log10-loss range: find the first, in row order, and
 * throw the error that names it. Only table values can be (fill checked every other field).
 */
function throwOutOfRange(matrix: FilledMatrix): never {
  const { layout, values, reputers } = matrix
  const n = layout.size
  const tableStart = 2 + layout.inferers.length + layout.forecasters.length
  for (let m = 0; m < reputers.length; m++) {
    let at = m * n + tableStart
    for (const group of layout.oneOutInfererForecasters) {
      for (const id of group.inferers) {
        const v = values[at++]
        if (v === v)
          log10Loss(v, `reputers.${reputers[m]}.losses.one_out_inferer_forecasters["${group.forecaster}"]["${id}"]`)
      }
    }
  }
  throw new Error('withConsensus: the kernel saw a value out of range that the scan did not')
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
  const table = consensusTable(layout, consensus, at)
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
  return consensusBundle(matrix.layout, matrix.rawConsensus)
}
