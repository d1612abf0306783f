/**
 * Small order-sensitive statistics shared by synthesis and settlement. Every sum runs in the
 * order of the array it is given; callers pass values in ascending id order (§0).
 */
import type { IdMap } from './types.js'

/** Ids of a record in ascending code-unit order (JavaScript's default sort), the spec's order. */
export function sortedIds(map: IdMap<unknown>): string[] {
  return Object.keys(map).sort()
}

export function sum(values: readonly number[]): number {
  let total = 0
  for (let i = 0; i < values.length; i++) total += values[i]
  return total
}

export function mean(values: readonly number[]): number {
  return sum(values) / values.length
}

/** Median; the mean of the two middle values for an even count. Empty input gives NaN. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return Number.NaN
  const mid = n >> 1
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Sample standard deviation (divisor N − 1); 0 for fewer than two values (epoch-json §6.2). */
export function sampleStdDev(values: readonly number[]): number {
  const n = values.length
  if (n < 2) return 0
  const m = mean(values)
  let squares = 0
  for (let i = 0; i < n; i++) {
    const d = values[i] - m
    squares += d * d
  }
  return Math.sqrt(squares / (n - 1))
}

/**
 * Quantile as the chain's GetQuantileOfDecs computes it (§4.3): sort descending, position
 * (1 − q)(n − 1), linear interpolation between floor and ceil. Empty input gives 0.
 */
export function quantileDescending(values: readonly number[], q: number): number {
  const n = values.length
  if (n === 0) return 0
  const sorted = [...values].sort((a, b) => b - a)
  const pos = (1 - q) * (n - 1)
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  if (lo === hi) return sorted[lo]
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/** EMA of §4.1: `current` on first use or when equal to `previous`, else the blend. */
export function ema(alpha: number, current: number, previous: number, firstTime: boolean): number {
  if (firstTime || current === previous) return current
  return alpha * current + (1 - alpha) * previous
}
