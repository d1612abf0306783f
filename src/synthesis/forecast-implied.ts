/**
 * Forecast-implied inferences I_ik (docs/spec/math.md §6) and their one-out recomputations (§8.3).
 *
 * A forecaster's usable elements are held as parallel arrays in ascending inferer-id order
 * (epoch-json §1), so every sum below runs in the order the spec fixes.
 */
import { SynthesisError } from './errors.js'
import { median } from './stats.js'
import { regretScale, weightedCombination, type WeightKernel, type WorkCounter } from './weights.js'

/** One forecaster's usable elements: those naming an inferer with an inference this epoch. */
export interface ForecastRow {
  readonly id: string
  /** Indices (into the sorted inferer list) of the covered inferers, ascending. */
  readonly inferers: Int32Array
  /** R_ijk = L_{i−1} − L̂_ijk per covered inferer; unused in new-topic mode. */
  readonly regrets: Float64Array
}

/** Reusable buffers sized for the longest forecast, so recomputations allocate nothing. */
export interface ForecastScratch {
  readonly regrets: Float64Array
  readonly values: Float64Array
  readonly weights: Float64Array
}

export function forecastScratch(rows: readonly ForecastRow[]): ForecastScratch {
  let longest = 1
  for (const row of rows) if (row.inferers.length > longest) longest = row.inferers.length
  return { regrets: new Float64Array(longest), values: new Float64Array(longest), weights: new Float64Array(longest) }
}

/**
 * I_ik by §6 from the row's elements except position `skip` (−1 keeps all). Returns
 * undefined when no element is left or the weight sum is 0: the forecaster then has no
 * value (it cannot be 0 by §5, whose best regret always gets a positive weight, but the
 * rule costs nothing to keep).
 */
export function impliedByRegret(
  k: WeightKernel,
  row: ForecastRow,
  inferences: Float64Array,
  skip: number,
  s: ForecastScratch,
  counter: WorkCounter | undefined,
): number | undefined {
  const all = row.inferers.length
  let n = 0
  // The set's sums for σ and its max, as weightsOfRegrets takes them (regretScale).
  const shift = row.regrets[skip === 0 ? 1 : 0]
  let sum = 0
  let squares = 0
  let max = Number.NEGATIVE_INFINITY
  for (let e = 0; e < all; e++) {
    if (e === skip) continue
    const r = row.regrets[e]
    s.regrets[n] = r
    s.values[n] = inferences[row.inferers[e]]
    n++
    const d = r - shift
    sum += d
    squares += d * d
    if (r > max) max = r
  }
  if (n === 0) return undefined
  // §6: a single covered inferer gets weight 1, without going through §5.
  if (n === 1) return s.values[0]
  if (counter !== undefined) counter.weightEvaluations += n
  // Zero weights are skipped; with every weight 0 the mean is 0/0: no value (an overflow is
  // NaN too, and is reported as one).
  const value = weightedCombination(
    k,
    s.regrets,
    s.values,
    n,
    regretScale(k, s.regrets, n, sum, squares),
    max,
    s.weights,
    0,
  )
  if (value !== value && s.weights.subarray(0, n).every((w) => w === 0)) return undefined
  return finiteImplied(value, row)
}

/** New-topic mode (§8.6): the median of the covered inferences, except position `skip`. */
export function impliedByMedian(row: ForecastRow, inferences: Float64Array, skip: number): number | undefined {
  const covered: number[] = []
  for (let e = 0; e < row.inferers.length; e++) if (e !== skip) covered.push(inferences[row.inferers[e]])
  return covered.length === 0 ? undefined : finiteImplied(median(covered), row)
}

/** NaN means "no value" to the callers, so an overflow must stop here, not read as absent. */
function finiteImplied(value: number, row: ForecastRow): number {
  if (Number.isFinite(value)) return value
  throw new SynthesisError('NON_FINITE', `forecast-implied inference of "${row.id}" is not finite (${value})`)
}

/**
 * I_ik without each covered inferer in turn: entry e is the value without the row's e-th
 * inferer, NaN where nothing is left. Only covered inferers need this; without any other
 * inferer the forecaster's value is unchanged.
 */
export function oneOutImpliedByRegret(
  k: WeightKernel,
  row: ForecastRow,
  inferences: Float64Array,
  s: ForecastScratch,
  counter: WorkCounter | undefined,
): Float64Array {
  const out = new Float64Array(row.inferers.length)
  for (let e = 0; e < out.length; e++) out[e] = impliedByRegret(k, row, inferences, e, s, counter) ?? Number.NaN
  return out
}

/** oneOutImpliedByRegret in new-topic mode (§8.6): medians. */
export function oneOutImpliedByMedian(row: ForecastRow, inferences: Float64Array): Float64Array {
  const out = new Float64Array(row.inferers.length)
  for (let e = 0; e < out.length; e++) out[e] = impliedByMedian(row, inferences, e) ?? Number.NaN
  return out
}
