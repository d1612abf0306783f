/**
 * Confidence interval of the combined inference (docs/spec/math.md §9): weighted percentiles of
 * {I_ij} ∪ {I_ik} under the §8.1 weights. Query-only in the chain, but part of the epoch
 * output here, so it follows the chain's WeightedPercentile step for step.
 */
import type { ConfidenceInterval } from './types.js'

export const CI_PERCENTILES: readonly number[] = Object.freeze([2.28, 15.87, 50, 84.13, 97.72])

export const EMPTY_CI: ConfidenceInterval = Object.freeze({ percentiles: Object.freeze([]), values: Object.freeze([]) })

/**
 * `values` and `weights` in the starting order of epoch-json §6.4 (inferers by ascending
 * id, then forecast-implied inferences by ascending id). Zero weights stay in the list.
 * With no values, or a zero total weight (which §5 rules out for a combined network), there
 * is nothing to interpolate and the interval is empty.
 */
export function confidenceInterval(values: Float64Array, weights: Float64Array, n: number): ConfidenceInterval {
  if (n === 0) return EMPTY_CI
  const order: number[] = []
  for (let i = 0; i < n; i++) order.push(i)
  // Array.prototype.sort is stable, so equal values keep the starting order (§6.4).
  order.sort((a, b) => values[a] - values[b])
  const sortedValues = new Float64Array(n)
  const cumulative = new Float64Array(n)
  let running = 0
  for (let i = 0; i < n; i++) {
    sortedValues[i] = values[order[i]]
    running += weights[order[i]]
    cumulative[i] = running
  }
  const total = cumulative[n - 1]
  if (!(total > 0)) return EMPTY_CI
  const positions = new Float64Array(n)
  for (let i = 0; i < n; i++) positions[i] = (cumulative[i] - weights[order[i]] / 2) / total
  const out: number[] = []
  for (const percentile of CI_PERCENTILES) out.push(interpolate(percentile / 100, positions, sortedValues))
  return { percentiles: [...CI_PERCENTILES], values: out }
}

/** numpy.interp as the chain's LinearInterpolation writes it: clamped outside the range. */
function interpolate(x: number, xp: Float64Array, fp: Float64Array): number {
  const last = xp.length - 1
  if (x <= xp[0]) return fp[0]
  if (x >= xp[last]) return fp[last]
  // xp[j] <= x < xp[j+1], so the denominator is positive even where positions repeat.
  let j = 0
  while (x >= xp[j + 1]) j++
  const t = (x - xp[j]) / (xp[j + 1] - xp[j])
  return fp[j] * (1 - t) + fp[j + 1] * t
}
