/**
 * Network inferences (docs/spec/math.md §8): the generic regret-weighted Combine and the
 * plain means of new-topic mode (§8.6).
 *
 * A network is a subset of the epoch's inferers (all, or all but one) followed by a subset
 * of its forecasters (all, all but one, or one). Its regrets are gathered into a
 * preallocated buffer in that order, which is also the spec's summation order: inferers by
 * ascending id, then forecasters by ascending id. A Combine makes two passes over the
 * set (gather with the sums for σ and the max, then the weights with the weighted sums) and
 * allocates nothing: it runs once per inferer in the one-out networks.
 */
import { SynthesisError } from './errors.js'
import { departedCol, departedRow, idsWhere, recall } from './departed-regrets.js'
import { indexOfSorted, positionsIn } from './id-matrix.js'
import type { DepartedSide, IdMap, IdMatrix, RegretFamily, RegretSet } from './types.js'
import { regretScale, weightedCombination, type WeightKernel, type WorkCounter } from './weights.js'

/** Everything a Combine reads besides its regret set; built once per epoch. */
export interface CombineContext {
  readonly kernel: WeightKernel
  readonly epsilonSafeDiv: number
  /** Stands in for every regret that is not stored (epoch-json §6.7). */
  readonly initialRegret: number
  readonly counter: WorkCounter | undefined
  readonly infererIds: readonly string[]
  readonly inferences: Float64Array
  /** The forecasters that have a forecast-implied inference (§7). */
  readonly forecasterIds: readonly string[]
  /** Buffers of length inferers + forecasters; `weights` holds the last Combine's weights. */
  readonly regrets: Float64Array
  readonly values: Float64Array
  readonly weights: Float64Array
  readonly gathered: Gathered
}

export function combineContext(
  kernel: WeightKernel,
  epsilonSafeDiv: number,
  initialRegret: number,
  counter: WorkCounter | undefined,
  infererIds: readonly string[],
  inferences: Float64Array,
  forecasterIds: readonly string[],
): CombineContext {
  const size = infererIds.length + forecasterIds.length
  return {
    kernel,
    epsilonSafeDiv,
    initialRegret,
    counter,
    infererIds,
    inferences,
    forecasterIds,
    regrets: new Float64Array(size),
    values: new Float64Array(size),
    weights: new Float64Array(size),
    gathered: { shift: Number.NaN, sum: 0, squares: 0, max: Number.NEGATIVE_INFINITY },
  }
}

/** Which forecasters a network holds: indices [from, to) except `skip` (−1 for none). */
export interface ForecasterSlice {
  readonly from: number
  readonly to: number
  readonly skip: number
}

/**
 * One network's stored regrets, resolved to the epoch's indices: inferer j's regret is
 * `inferers[infererBase + infererColumns[j]]`, forecaster b's is
 * `forecasters[forecasterBase + forecasterColumns[b]]`; a column of −1 or a NaN entry means
 * none is stored (the initial regret stands in).
 */
export interface RegretRow {
  readonly inferers: Float64Array
  readonly infererBase: number
  readonly infererColumns: Int32Array
  readonly forecasters: Float64Array
  readonly forecasterBase: number
  readonly forecasterColumns: Int32Array
}

/** A network/naive regret record as a RegretRow over the context's ids (checked here). */
export function rowOfSet(ctx: CombineContext, set: RegretSet): RegretRow {
  const gather = (map: IdMap, ids: readonly string[]): Float64Array => {
    const out = new Float64Array(ids.length)
    for (let i = 0; i < ids.length; i++) out[i] = regretOf(map, ids[i], Number.NaN)
    return out
  }
  return {
    inferers: gather(set.inferers, ctx.infererIds),
    infererBase: 0,
    infererColumns: identity(ctx.infererIds.length),
    forecasters: gather(set.forecasters, ctx.forecasterIds),
    forecasterBase: 0,
    forecasterColumns: identity(ctx.forecasterIds.length),
  }
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}

/** A regret family's columns resolved to the context's ids, once per epoch. */
export interface ResolvedFamily {
  readonly ctx: CombineContext
  readonly family: RegretFamily
  readonly inferers: ResolvedSide
  readonly forecasters: ResolvedSide
  readonly none: RegretRow
}

/** One side's table for this epoch: the epoch's id i sits at column `columns[i]` (−1: none). */
interface ResolvedSide {
  readonly values: Float64Array
  /** Entries per row. */
  readonly width: number
  readonly columns: Int32Array
}

/**
 * `family` for this epoch's ids. An id that is not a table column may still have values that
 * departed from the tables (a worker back after sitting out: departed-regrets.ts); then the
 * tables are widened by those ids, recalled from the departed chunks, for this epoch only.
 */
export function resolveFamily(ctx: CombineContext, family: RegretFamily): ResolvedFamily {
  const inferers = resolvedSide(family.inferers, family.departed.inferers, ctx.infererIds)
  const forecasters = resolvedSide(family.forecasters, family.departed.forecasters, ctx.forecasterIds)
  const none: RegretRow = {
    inferers: inferers.values,
    infererBase: 0,
    infererColumns: new Int32Array(ctx.infererIds.length).fill(-1),
    forecasters: forecasters.values,
    forecasterBase: 0,
    forecasterColumns: new Int32Array(ctx.forecasterIds.length).fill(-1),
  }
  return { ctx, family, inferers, forecasters, none }
}

/**
 * `table` for the epoch's `ids`. The ids that are not its columns but that departed values
 * hold get columns of their own after the table's (a copy of each row, then those values
 * recalled): a gather reads an id wherever its column is, so the order costs nothing.
 */
function resolvedSide(table: IdMatrix, departed: DepartedSide, ids: readonly string[]): ResolvedSide {
  const columns = positionsIn(ids, table.cols)
  const pnc = table.cols.length
  const same = { values: table.values, width: pnc, columns }
  const extra = idsWhere(ids, (id, i) => columns[i] < 0 && departedCol(departed, id))
  if (extra.ids.length === 0) return same
  const rows = idsWhere(table.rows, (id) => departedRow(departed, id))
  if (rows.ids.length === 0) return same
  const width = pnc + extra.ids.length
  const values = new Float64Array(table.rows.length * width)
  for (let r = 0; r < table.rows.length; r++) {
    values.set(table.values.subarray(r * pnc, (r + 1) * pnc), r * width)
    values.fill(Number.NaN, r * width + pnc, (r + 1) * width)
  }
  const extraColumns = extra.ids.map((_, e) => pnc + e)
  recall(departed, rows.ids, rows.positions, extra.ids, extraColumns, values, width)
  extra.positions.forEach((i, e) => (columns[i] = extraColumns[e]))
  return { values, width, columns }
}

/** The row of `id` (a withheld or added worker) in a resolved family. */
export function familyRow(f: ResolvedFamily, id: string): RegretRow {
  const r = indexOfSorted(f.family.inferers.rows, id)
  if (r >= 0) {
    return {
      inferers: f.inferers.values,
      infererBase: r * f.inferers.width,
      infererColumns: f.inferers.columns,
      forecasters: f.forecasters.values,
      forecasterBase: r * f.forecasters.width,
      forecasterColumns: f.forecasters.columns,
    }
  }
  // A row outside the tables (its worker sat out the last settlement) is recalled from what departed.
  const { departed } = f.family
  if (!departedRow(departed.inferers, id) && !departedRow(departed.forecasters, id)) return f.none
  const recalled = (side: DepartedSide, ids: readonly string[]): Float64Array => {
    const out = new Float64Array(ids.length).fill(Number.NaN)
    const cols = idsWhere(ids, (c) => departedCol(side, c))
    recall(side, [id], [0], cols.ids, cols.positions, out, 0)
    return out
  }
  return {
    inferers: recalled(departed.inferers, f.ctx.infererIds),
    infererBase: 0,
    infererColumns: identity(f.ctx.infererIds.length),
    forecasters: recalled(departed.forecasters, f.ctx.forecasterIds),
    forecasterBase: 0,
    forecasterColumns: identity(f.ctx.forecasterIds.length),
  }
}

/**
 * Running sums of a gather, relative to the set's first regret (`shift`, NaN until one is
 * gathered), as `regretScale` takes them; one per context, so a Combine allocates nothing.
 */
interface Gathered {
  shift: number
  sum: number
  squares: number
  max: number
}

/** The regret stored at column `c` of a row (−1 or NaN: none stored, the initial regret). */
function storedRegret(stored: Float64Array, base: number, c: number, initialRegret: number): number {
  if (c < 0) return initialRegret
  const r = stored[base + c]
  return r === r ? r : initialRegret
}

/**
 * Appends the stored regret (or `initialRegret`) and the value of every index in [from, to)
 * except `skip` to `regrets` / `values` from position `n`, adding to `acc`; returns the new n.
 */
function gather(
  acc: Gathered,
  regrets: Float64Array,
  values: Float64Array,
  n: number,
  stored: Float64Array,
  base: number,
  columns: Int32Array,
  from: number,
  to: number,
  skip: number,
  memberValues: Float64Array,
  initialRegret: number,
): number {
  const cut = skip >= from && skip < to ? skip : to
  let shift = acc.shift
  if (shift !== shift) {
    // The set's first member (the first gathered) shifts the sums (regretScale).
    const first = cut === from ? from + 1 : from
    if (first < to) shift = storedRegret(stored, base, columns[first], initialRegret)
  }
  let sum = acc.sum
  let squares = acc.squares
  let max = acc.max
  for (let i = from; i < to; i++) {
    if (i === cut) continue
    const r = storedRegret(stored, base, columns[i], initialRegret)
    values[n] = memberValues[i]
    regrets[n++] = r
    const d = r - shift
    sum += d
    squares += d * d
    if (r > max) max = r
  }
  acc.shift = shift
  acc.sum = sum
  acc.squares = squares
  acc.max = max
  return n
}

/**
 * Combine(inferers except `skipInferer`, the forecaster slice) with the regrets of `row`
 * (§8). `forecastValues[b]` is forecaster b's value in this network; NaN means it has none
 * here (a one-out recomputation that vanished) but its regret still counts (epoch-json §6.6).
 */
export function combine(
  ctx: CombineContext,
  row: RegretRow,
  skipInferer: number,
  forecasters: ForecasterSlice,
  forecastValues: Float64Array,
): number {
  const { kernel, regrets, values, weights, inferences, initialRegret } = ctx
  const nI = ctx.infererIds.length
  // Pass 1: gather the set's regrets and values in summation order, with the sums and max.
  const acc = ctx.gathered
  acc.shift = Number.NaN
  acc.sum = 0
  acc.squares = 0
  acc.max = Number.NEGATIVE_INFINITY
  let n = gather(
    acc,
    regrets,
    values,
    0,
    row.inferers,
    row.infererBase,
    row.infererColumns,
    0,
    nI,
    skipInferer,
    inferences,
    initialRegret,
  )
  // A forecaster value may be NaN: none in this network (§6.6); its regret still counts.
  n = gather(
    acc,
    regrets,
    values,
    n,
    row.forecasters,
    row.forecasterBase,
    row.forecasterColumns,
    forecasters.from,
    forecasters.to,
    forecasters.skip,
    forecastValues,
    initialRegret,
  )
  const { sum, squares, max } = acc
  if (n === 0) throw new SynthesisError('INVALID_INPUT', 'a network without members')
  // Pass 2: the weights and the two sums of §8.
  const scale = regretScale(kernel, regrets, n, sum, squares)
  if (ctx.counter !== undefined) ctx.counter.weightEvaluations += n
  return weightedCombination(kernel, regrets, values, n, scale, max, weights, ctx.epsilonSafeDiv)
}

export function allForecasters(count: number): ForecasterSlice {
  return { from: 0, to: count, skip: -1 }
}

export const NO_FORECASTERS: ForecasterSlice = Object.freeze({ from: 0, to: 0, skip: -1 })

/**
 * A stored regret, or `fallback` when none is stored. A value inherited from
 * Object.prototype (an id such as "constructor") is not stored; a stored value that is not
 * a finite number is bad input, never silently replaced.
 */
export function regretOf(map: IdMap | undefined, id: string, fallback: number): number {
  if (map === undefined) return fallback
  const v = map[id]
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SynthesisError('NON_FINITE', `stored regret of "${id}" is not finite`)
    return v
  }
  if (v === undefined || !Object.hasOwn(map, id)) return fallback
  throw new SynthesisError('INVALID_INPUT', `stored regret of "${id}" is not a number`)
}

/** New-topic mode (§8.6): the plain mean of the inferences except index `skip` (−1: none). */
export function meanExcept(values: Float64Array, skip: number): number {
  let total = 0
  let n = 0
  for (let i = 0; i < values.length; i++) {
    if (i === skip) continue
    total += values[i]
    n++
  }
  return total / n
}
