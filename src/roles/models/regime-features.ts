/**
 * A coarse, model-free reading of the recent series, used to tell regimes apart: over the
 * last `window` changes Δx, the drift t-statistic mean/(sd/√n) and the lag-1 autocorrelation
 * of the changes. These are the classic diagnostics: a significant drift means a trend;
 * negatively correlated changes mean noise around a level (mean reversion); positively
 * correlated changes mean smooth motion (momentum, cycles); neither means a random walk.
 */

export const REGIME_CELLS = ['trend', 'revert', 'smooth', 'walk', 'unknown'] as const
export type RegimeCell = (typeof REGIME_CELLS)[number]

export interface Thresholds {
  /** |t| of the mean change above which the series is trending. @default 3 */
  readonly drift: number
  /** |autocorrelation| of changes above which they are correlated. @default 0.2 */
  readonly autocorrelation: number
}

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({ drift: 3, autocorrelation: 0.2 })

/** Fewer changes than this say nothing reliable. */
const MIN_CHANGES = 4

export interface SeriesFeatures {
  readonly driftT: number
  readonly autocorrelation: number
}

/** Features of values[0..end) over its last `window` changes; undefined with too few. */
export function seriesFeatures(values: readonly number[], end: number, window: number): SeriesFeatures | undefined {
  const from = Math.max(1, end - window)
  const n = end - from
  if (n < MIN_CHANGES) return undefined
  let mean = 0
  for (let i = from; i < end; i++) mean += values[i] - values[i - 1]
  mean /= n
  let ss = 0
  let cross = 0
  let prev = Number.NaN
  for (let i = from; i < end; i++) {
    const d = values[i] - values[i - 1] - mean
    ss += d * d
    if (!Number.isNaN(prev)) cross += d * prev
    prev = d
  }
  if (!(ss > 0)) return { driftT: mean === 0 ? 0 : Math.sign(mean) * Number.MAX_VALUE, autocorrelation: 0 }
  const sd = Math.sqrt(ss / (n - 1))
  return { driftT: mean / (sd / Math.sqrt(n)), autocorrelation: cross / ss }
}

export function classify(
  features: SeriesFeatures | undefined,
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
): RegimeCell {
  if (features === undefined) return 'unknown'
  if (Math.abs(features.driftT) > thresholds.drift) return 'trend'
  if (features.autocorrelation < -thresholds.autocorrelation) return 'revert'
  if (features.autocorrelation > thresholds.autocorrelation) return 'smooth'
  return 'walk'
}
