/**
 * A forecaster that learns which inferer does well in which regime, so its forecast-implied
 * inference switches to the right inferer as soon as the series changes character, before
 * the network's slow regret averages catch up.
 *
 * For every past epoch it classifies the series as it was known then (regime-features.ts)
 * and keeps, per regime and inferer, an EMA of the inferer's loss relative to the others
 * (see `statistic`). The forecast for an inferer is the current regime's estimate, shrunk
 * towards the inferer's all-regime estimate while the regime has few samples, blended with
 * its most recent relative losses, times the current loss level. Stateless: it rebuilds the
 * estimates from the context each time, so every restart gives the same forecasts.
 */
import type { ModelContext } from '../plugins.js'
import type { Forecaster } from './compose.js'
import { ModelSpecError } from './errors.js'
import { coverPlausible, Estimates, forecastOf, lossHistory, medianOr0, type Statistic } from './loss-history.js'
import { classify, DEFAULT_THRESHOLDS, seriesFeatures, type RegimeCell, type Thresholds } from './regime-features.js'
import { stepsAhead } from './series.js'

export interface RegimeForecasterOptions {
  /** Changes of the series the regime is read from. @default 16 */
  readonly window?: number
  /** EMA weight of a new loss within a regime. @default 0.1 */
  readonly alpha?: number
  /** Pseudo-count of the all-regime estimate in the shrinkage. @default 3 */
  readonly prior?: number
  /** Weight of the recent (all-regime, fast) estimate in the forecast. @default 0 */
  readonly recent?: number
  /** EMA weight of the recent estimate. @default 0.3 */
  readonly fastAlpha?: number
  /** @default 'mean' */
  readonly statistic?: Statistic
  readonly thresholds?: Thresholds
  /** Forecast only the inferers within this factor of the lowest expected loss (coverPlausible). @default Infinity */
  readonly cover?: number
}

export class RegimeForecaster implements Forecaster {
  readonly name: string
  readonly window: number
  readonly alpha: number
  readonly prior: number
  readonly recent: number
  readonly fastAlpha: number
  readonly statistic: Statistic
  readonly thresholds: Thresholds
  readonly cover: number

  constructor(options: RegimeForecasterOptions = {}) {
    this.window = options.window ?? 16
    this.alpha = options.alpha ?? 0.1
    this.prior = options.prior ?? 3
    this.recent = options.recent ?? 0
    this.fastAlpha = options.fastAlpha ?? 0.3
    this.statistic = options.statistic ?? 'mean'
    this.thresholds = options.thresholds ?? DEFAULT_THRESHOLDS
    this.cover = options.cover ?? Number.POSITIVE_INFINITY
    if (!Number.isInteger(this.window) || this.window < 4)
      throw new ModelSpecError(`regime: window must be an integer >= 4 (got ${this.window})`)
    for (const [field, v] of [
      ['alpha', this.alpha],
      ['fastAlpha', this.fastAlpha],
    ] as const) {
      if (!(v > 0 && v <= 1)) throw new ModelSpecError(`regime: ${field} must be in (0, 1] (got ${v})`)
    }
    if (!(this.recent >= 0 && this.recent <= 1))
      throw new ModelSpecError(`regime: recent must be in [0, 1] (got ${this.recent})`)
    if (!(this.prior >= 0)) throw new ModelSpecError(`regime: prior must be >= 0 (got ${this.prior})`)
    if (!(this.cover >= 1)) throw new ModelSpecError(`regime: cover must be >= 1 (got ${this.cover})`)
    this.name = `regime:window=${this.window},alpha=${this.alpha},statistic=${this.statistic}`
  }

  /** The regime read from values[0..known). */
  cellAt(values: readonly number[], known: number): RegimeCell {
    return classify(seriesFeatures(values, known, this.window), this.thresholds)
  }

  forecast(context: ModelContext): Record<string, number> {
    const history = lossHistory(context)
    if (history.length === 0) return {}
    const values = context.truth.map((p) => p.value)
    const epochs = context.truth.map((p) => p.epoch)
    // When epoch t was answered, the truth up to t − lag was known.
    const lag = stepsAhead(context)
    const all = new Estimates(this.alpha, this.statistic)
    const fast = new Estimates(this.fastAlpha, this.statistic)
    const cells = new Map<RegimeCell, Estimates>()
    let known = 0
    for (const h of history) {
      while (known < epochs.length && epochs[known] <= h.epoch - lag) known++
      const cell = this.cellAt(values, known)
      let est = cells.get(cell)
      if (est === undefined) cells.set(cell, (est = new Estimates(this.alpha, this.statistic)))
      est.add(h)
      all.add(h)
      fast.add(h)
    }
    const current = cells.get(this.cellAt(values, values.length))
    const cap = 1 / this.alpha
    const fallback = medianOr0(all.ids().map((id) => (all.relative(id) as { value: number }).value))
    const out: Record<string, number> = {}
    for (const id of context.inferers) {
      const global = all.relative(id)?.value ?? fallback
      const local = current?.relative(id)
      const n = local === undefined ? 0 : Math.min(local.count, cap)
      const regime =
        n === 0 ? global : (n * (local as { value: number }).value + this.prior * global) / (n + this.prior)
      const estimate = (1 - this.recent) * regime + this.recent * (fast.relative(id)?.value ?? regime)
      // The current level: the recent one, where the loss scale is now.
      out[id] = forecastOf(this.statistic, fast.levelValue, estimate)
    }
    return coverPlausible(out, this.cover)
  }
}
