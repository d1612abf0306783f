/**
 * The features a learning forecaster reads, per inferer and epoch, from what was known
 * before that epoch: the inferer's recent relative losses (its last z-score, and its mean loss
 * over the epochs' mean loss at three speeds), its last signed error, and a model-free reading
 * of the series (the last change, the recent drift, the autocorrelation of changes, the
 * short- versus long-run volatility). Each is scaled to be about unit-sized and clipped, so one ridge penalty suits
 * all of them and an outlier epoch cannot swing a fit.
 */

/** How many features a row has, the leading 1 (intercept) included. */
export const FEATURE_COUNT = 11
/** Changes the series features look back over. */
const WINDOW = 16
/** Changes the short-run features look back over. */
const SHORT = 4
const CLIP = 4

function clip(v: number): number {
  return v > CLIP ? CLIP : v < -CLIP ? -CLIP : Number.isFinite(v) ? v : 0
}

/** Series features of values[0..end): 5 numbers, all 0 while fewer than 2 changes are known. */
export function seriesRow(values: readonly number[], end: number): number[] {
  const from = Math.max(1, end - WINDOW)
  const n = end - from
  if (n < 2) return [0, 0, 0, 0, 0]
  let mean = 0
  for (let i = from; i < end; i++) mean += values[i] - values[i - 1]
  mean /= n
  let ss = 0
  let cross = 0
  let shortSs = 0
  let shortSum = 0
  for (let i = from; i < end; i++) {
    const d = values[i] - values[i - 1]
    ss += (d - mean) ** 2
    if (i > from) cross += (d - mean) * (values[i - 1] - values[i - 2] - mean)
    if (i >= end - SHORT) {
      shortSs += d * d
      shortSum += d
    }
  }
  const sd = Math.sqrt(ss / (n - 1))
  if (!(sd > 0)) return [0, 0, 0, 0, 0]
  const last = values[end - 1] - values[end - 2]
  const shortN = Math.min(SHORT, n)
  return [
    clip(last / sd),
    clip(shortSum / shortN / sd),
    clip(mean / (sd / Math.sqrt(n)) / 3),
    clip(cross / ss),
    clip(Math.log(Math.sqrt(shortSs / shortN) / sd + 1e-9)),
  ]
}

/** Averaging speeds of the relative-loss features, fast to slow. */
const SPEEDS = [0.3, 0.1, 0.03] as const

/** One inferer's running summary of its relative losses. */
export class InfererTrack {
  private lag1 = 0
  private readonly loss = SPEEDS.map(() => 0)
  private readonly level = SPEEDS.map(() => 0)
  private count = 0
  /** Its last signed error over the root mean square error of that epoch's inferers. */
  private error = 0

  /** Folds in one epoch: its z-score, signed error, loss and the epoch's mean loss. */
  add(z: number, signedError: number | undefined, loss: number, level: number): void {
    this.lag1 = z
    SPEEDS.forEach((a, i) => {
      this.loss[i] = this.count === 0 ? loss : a * loss + (1 - a) * this.loss[i]
      this.level[i] = this.count === 0 ? level : a * level + (1 - a) * this.level[i]
    })
    this.error = signedError ?? 0
    this.count++
  }

  /** The feature row with `series` (seriesRow) appended; `into` is filled and returned. */
  row(series: readonly number[], into: Float64Array): Float64Array {
    into[0] = 1
    into[1] = clip(this.lag1)
    // Its mean loss over the mean level, at three speeds, minus 1 (0: average).
    for (let i = 0; i < SPEEDS.length; i++)
      into[2 + i] = this.count === 0 || !(this.level[i] > 0) ? 0 : clip(this.loss[i] / this.level[i] - 1)
    into[5] = clip(this.error)
    for (let i = 0; i < 5; i++) into[6 + i] = series[i]
    return into
  }
}
