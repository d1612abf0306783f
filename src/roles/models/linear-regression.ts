/**
 * Linear models fitted by least squares on a window of the known truth:
 * - `LinearTrend`: x = a + b·epoch over the last `window` points, extrapolated to the epoch
 *   being answered. Wins while the series trends; overshoots at turns.
 * - `AutoRegression`: x_t = c + Σ_{i=1..order} φ_i x_{t−i} over the last `window` points,
 *   iterated forward to the epoch being answered. A generalist: it can represent a random
 *   walk, a drift, mean reversion and cycles, but needs a window of the current regime
 *   (or a `halflife` that discounts old points); `diff` fits the changes instead.
 * Both centre the data first (levels far from 0 would make the normal equations
 * ill-conditioned) and fall back to simpler fits while the history is short, so they answer
 * from the first known value on.
 */
import type { ModelContext } from '../plugins.js'
import type { Inferer } from './compose.js'
import { ModelSpecError } from './errors.js'
import { leastSquares, meanOf, stepsAhead, truthValues } from './series.js'

/**
 * Ridge on the slope terms, relative to the data's sum of squares: large enough to keep a
 * collinear window (a flat stretch) solvable, small enough not to bias a real fit.
 */
const RELATIVE_RIDGE = 1e-6

export class LinearTrend implements Inferer {
  readonly name: string

  /** @param window points fitted, ≥ 2. */
  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 2)
      throw new ModelSpecError(`trend: window must be an integer >= 2 (got ${window})`)
    this.name = `trend:${window}`
  }

  infer(context: ModelContext): number {
    truthValues(context)
    const points = context.truth.slice(-this.window)
    const n = points.length
    if (n === 1) return points[0].value
    const tMean = meanOf(points.map((p) => p.epoch))
    const xMean = meanOf(points.map((p) => p.value))
    let sxy = 0
    let sxx = 0
    for (const p of points) {
      sxy += (p.epoch - tMean) * (p.value - xMean)
      sxx += (p.epoch - tMean) * (p.epoch - tMean)
    }
    const slope = sxx > 0 ? sxy / sxx : 0
    return xMean + slope * (context.epoch - tMean)
  }
}

/**
 * Random walk with drift: the last value plus the average change over the last `window`
 * changes, per epoch ahead. On a random walk it is the last value with a little noise; in a
 * steady trend it follows the drift without the turning-point overshoot of a fitted line.
 */
export class Drift implements Inferer {
  readonly name: string

  /** @param window changes averaged, ≥ 1. */
  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 1)
      throw new ModelSpecError(`drift: window must be an integer >= 1 (got ${window})`)
    this.name = `drift:${window}`
  }

  infer(context: ModelContext): number {
    truthValues(context)
    const points = context.truth.slice(-(this.window + 1))
    const last = points[points.length - 1]
    if (points.length === 1) return last.value
    const first = points[0]
    const perEpoch = (last.value - first.value) / (last.epoch - first.epoch)
    return last.value + perEpoch * (context.epoch - last.epoch)
  }
}

export interface AutoRegressionOptions {
  /** Points fitted, > order + 1. @default max(60, order + 2) */
  readonly window?: number
  /**
   * Age (in epochs) at which a point's weight in the fit has halved: a discounted fit that
   * follows a change of the series' dynamics within a few half-lives instead of a window.
   * @default Infinity (every point of the window counts the same)
   */
  readonly halflife?: number
  /**
   * Fit the changes x_t − x_{t−1} instead of the levels and add the forecast change to the
   * last value (ARIMA(order, 1, 0)): on a series without a mean to return to (prices, a
   * trending level) the fit then defaults to the last value plus a drift, not to the
   * window's mean. @default false
   */
  readonly diff?: boolean
}

export class AutoRegression implements Inferer {
  readonly name: string
  readonly window: number
  readonly halflife: number
  readonly diff: boolean

  /** @param order lags used, ≥ 1. */
  constructor(
    readonly order: number,
    options: AutoRegressionOptions | number = {},
  ) {
    const o = typeof options === 'number' ? { window: options } : options
    this.window = o.window ?? Math.max(60, order + 2)
    this.halflife = o.halflife ?? Number.POSITIVE_INFINITY
    this.diff = o.diff ?? false
    if (!Number.isInteger(order) || order < 1)
      throw new ModelSpecError(`ar: order must be an integer >= 1 (got ${order})`)
    if (!Number.isInteger(this.window) || this.window < order + 2)
      throw new ModelSpecError(`ar: window must be an integer >= order + 2 (got ${this.window})`)
    if (!(this.halflife > 0)) throw new ModelSpecError(`ar: halflife must be > 0 (got ${this.halflife})`)
    const extra = [
      this.halflife < Number.POSITIVE_INFINITY ? `,halflife=${this.halflife}` : '',
      this.diff ? ',diff' : '',
    ].join('')
    this.name = `ar:${order}:${this.window}${extra}`
  }

  infer(context: ModelContext): number {
    const all = truthValues(context)
    // The window counts levels; on changes it holds one value fewer.
    const levels = all.slice(-(this.window + (this.diff ? 1 : 0)))
    const last = levels[levels.length - 1]
    const values = this.diff ? levels.slice(1).map((v, i) => v - levels[i]) : levels
    // Fit only what the history supports: at least twice as many equations as unknowns.
    const order = Math.min(this.order, Math.floor((values.length - 1) / 2) - 1)
    if (order < 1) return last
    const m = meanOf(values)
    const x = values.map((v) => v - m)
    const rows: number[][] = []
    const y: number[] = []
    const weights: number[] = []
    const decay = 0.5 ** (1 / this.halflife)
    let scale = 0
    for (let t = order; t < x.length; t++) {
      const row = [1]
      for (let i = 1; i <= order; i++) row.push(x[t - i])
      rows.push(row)
      y.push(x[t])
      const w = decay ** (x.length - 1 - t)
      weights.push(w)
      scale += w * x[t] * x[t]
    }
    const coef = leastSquares(rows, y, RELATIVE_RIDGE * scale + Number.MIN_VALUE, weights)
    if (coef === undefined) return last
    const path = x.slice()
    let change = 0
    for (let h = stepsAhead(context); h > 0; h--) {
      let next = coef[0]
      for (let i = 1; i <= order; i++) next += coef[i] * path[path.length - i]
      path.push(next)
      change += next + m
    }
    return this.diff ? last + change : path[path.length - 1] + m
  }
}
