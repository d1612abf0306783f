/**
 * A forecaster that learns which inferer does well in which regime, so its forecast-implied
 * inference switches to the right inferer as soon as the series changes character, before
 * the network's slow regret averages catch up.
 *
 * For every past settled epoch it classifies the series as it was known then (see
 * regime-features.ts) and keeps, per regime and inferer, an EMA of the inferer's consensus
 * log10 loss relative to that epoch's mean. The forecast for an inferer is the current
 * regime's estimate, shrunk towards the inferer's all-regime estimate while the regime has
 * few samples, plus the current loss level. Stateless: it rebuilds the estimates from the
 * context each time, so every restart gives the same forecasts.
 */
import type { ModelContext } from '../plugins.js'
import type { Forecaster } from './compose.js'
import { ModelSpecError } from './errors.js'
import { Ema, medianOr0, relativeLosses } from './loss-history.js'
import { classify, DEFAULT_THRESHOLDS, seriesFeatures, type RegimeCell, type Thresholds } from './regime-features.js'
import { stepsAhead } from './series.js'

export interface RegimeForecasterOptions {
  /** Changes of the series the regime is read from. @default 16 */
  readonly window?: number
  /** EMA weight of a new loss within a regime. @default 0.2 */
  readonly alpha?: number
  /** Pseudo-count of the all-regime estimate in the shrinkage. @default 3 */
  readonly prior?: number
  readonly thresholds?: Thresholds
}

class Estimates {
  readonly level: Ema
  readonly byId = new Map<string, Ema>()

  constructor(private readonly alpha: number) {
    this.level = new Ema(alpha)
  }

  add(level: number, deviations: ReadonlyMap<string, number>): void {
    this.level.add(level)
    for (const [id, d] of deviations) {
      let e = this.byId.get(id)
      if (e === undefined) this.byId.set(id, (e = new Ema(this.alpha)))
      e.add(d)
    }
  }
}

export class RegimeForecaster implements Forecaster {
  readonly name: string
  readonly window: number
  readonly alpha: number
  readonly prior: number
  readonly thresholds: Thresholds

  constructor(options: RegimeForecasterOptions = {}) {
    this.window = options.window ?? 16
    this.alpha = options.alpha ?? 0.2
    this.prior = options.prior ?? 3
    this.thresholds = options.thresholds ?? DEFAULT_THRESHOLDS
    if (!Number.isInteger(this.window) || this.window < 4) throw new ModelSpecError(`regime: window must be an integer >= 4 (got ${this.window})`)
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new ModelSpecError(`regime: alpha must be in (0, 1] (got ${this.alpha})`)
    if (!(this.prior >= 0)) throw new ModelSpecError(`regime: prior must be >= 0 (got ${this.prior})`)
    this.name = `regime:window=${this.window},alpha=${this.alpha}`
  }

  /** The regime the series is in for `epoch`, read from the truth known then. */
  cellAt(values: readonly number[], known: number): RegimeCell {
    return classify(seriesFeatures(values, known, this.window), this.thresholds)
  }

  forecast(context: ModelContext): Record<string, number> {
    const history = relativeLosses(context)
    if (history.length === 0) return {}
    const values = context.truth.map((p) => p.value)
    const epochs = context.truth.map((p) => p.epoch)
    // When epoch t was answered, the truth up to t − lag was known.
    const lag = stepsAhead(context)
    const all = new Estimates(this.alpha)
    const cells = new Map<RegimeCell, Estimates>()
    let known = 0
    for (const h of history) {
      while (known < epochs.length && epochs[known] <= h.epoch - lag) known++
      const cell = this.cellAt(values, known)
      let est = cells.get(cell)
      if (est === undefined) cells.set(cell, (est = new Estimates(this.alpha)))
      est.add(h.level, h.deviations)
      all.add(h.level, h.deviations)
    }
    const current = cells.get(this.cellAt(values, values.length))
    const cap = 1 / this.alpha
    const fallback = medianOr0([...all.byId.values()].map((e) => e.value))
    const out: Record<string, number> = {}
    for (const id of context.inferers) {
      const global = all.byId.get(id)?.value ?? fallback
      const local = current?.byId.get(id)
      const n = local === undefined ? 0 : Math.min(local.count, cap)
      const deviation = n === 0 ? global : (n * (local as Ema).value + this.prior * global) / (n + this.prior)
      out[id] = all.level.value + deviation
    }
    return out
  }
}
