/**
 * A forecaster that learns how to forecast: it runs a few loss estimators side by side
 * (experts: fast and slow averages of past relative losses, and regime-conditional ones) and
 * forecasts with the expert whose past picks would have done best. On a series whose best
 * model never changes the slow expert wins (it is not fooled by noise); on a series that
 * switches regimes the fast or regime-aware experts win (they follow the switch). Every
 * choice is replayed from the context in one pass, so it needs no state and costs
 * O(history × inferers × experts).
 *
 * An expert "picks" the inferer with the lowest forecast loss among those it can cover
 * (never the worker itself, see ModelContext.inferers); its score is an EMA of the loss its
 * pick then got, so experts are compared on the same epochs in the topic's loss units.
 */
import type { ModelContext } from '../plugins.js'
import type { Forecaster } from './compose.js'
import { ModelSpecError } from './errors.js'
import {
  coverPlausible,
  Ema,
  Estimates,
  forecastOf,
  lossHistory,
  medianOr0,
  type EpochLosses,
  type Statistic,
} from './loss-history.js'
import { classify, seriesFeatures, type RegimeCell } from './regime-features.js'
import { stepsAhead } from './series.js'

export interface AdaptiveForecasterOptions {
  /** EMA weight of an expert's latest pick loss in its score. @default 0.05 */
  readonly meta?: number
  /** Forecast only inferers within this factor of the lowest forecast (coverPlausible). @default 1 */
  readonly cover?: number
  /** Changes of the series the regime experts read the regime from. @default 16 */
  readonly window?: number
}

interface Expert {
  readonly name: string
  /** Forecast log10 losses for `ids` from the epochs added so far (undefined: no data yet). */
  forecast(ids: readonly string[], cell: RegimeCell): Record<string, number> | undefined
  add(h: EpochLosses, cell: RegimeCell): void
}

function forecastFrom(
  est: Estimates,
  statistic: Statistic,
  ids: readonly string[],
  level: number,
  rel: (id: string) => number | undefined,
): Record<string, number> {
  const fallback = medianOr0(est.ids().map((id) => (est.relative(id) as { value: number }).value))
  const out: Record<string, number> = {}
  for (const id of ids) out[id] = forecastOf(statistic, level, rel(id) ?? fallback)
  return out
}

/** An EMA of relative losses over all epochs. */
class EmaExpert implements Expert {
  readonly name: string
  private readonly est: Estimates

  constructor(
    alpha: number,
    private readonly statistic: Statistic,
  ) {
    this.name = `ema:${alpha}:${statistic}`
    this.est = new Estimates(alpha, statistic)
  }

  forecast(ids: readonly string[]): Record<string, number> | undefined {
    if (this.est.ids().length === 0) return undefined
    return forecastFrom(this.est, this.statistic, ids, this.est.levelValue, (id) => this.est.relative(id)?.value)
  }

  add(h: EpochLosses): void {
    this.est.add(h)
  }
}

/** Per-regime EMAs of relative losses, shrunk towards the all-regime EMA while a regime is new. */
class RegimeExpert implements Expert {
  readonly name: string
  private readonly all: Estimates
  private readonly recent: Estimates
  private readonly cells = new Map<RegimeCell, Estimates>()
  /** Pseudo-count of the all-regime estimate. */
  private static readonly PRIOR = 3

  constructor(
    private readonly alpha: number,
    private readonly statistic: Statistic,
  ) {
    this.name = `regime:${alpha}:${statistic}`
    this.all = new Estimates(alpha, statistic)
    // The level is read from recent epochs: the loss scale moves faster than rankings.
    this.recent = new Estimates(0.3, statistic)
  }

  forecast(ids: readonly string[], cell: RegimeCell): Record<string, number> | undefined {
    if (this.all.ids().length === 0) return undefined
    const local = this.cells.get(cell)
    const cap = 1 / this.alpha
    return forecastFrom(this.all, this.statistic, ids, this.recent.levelValue, (id) => {
      const g = this.all.relative(id)
      if (g === undefined) return undefined
      const l = local?.relative(id)
      const n = l === undefined ? 0 : Math.min(l.count, cap)
      return n === 0
        ? g.value
        : (n * (l as { value: number }).value + RegimeExpert.PRIOR * g.value) / (n + RegimeExpert.PRIOR)
    })
  }

  add(h: EpochLosses, cell: RegimeCell): void {
    let est = this.cells.get(cell)
    if (est === undefined) this.cells.set(cell, (est = new Estimates(this.alpha, this.statistic)))
    est.add(h)
    this.all.add(h)
    this.recent.add(h)
  }
}

function argmin(forecast: Record<string, number>): string | undefined {
  let best: string | undefined
  for (const id of Object.keys(forecast).sort()) if (best === undefined || forecast[id] < forecast[best]) best = id
  return best
}

export class AdaptiveForecaster implements Forecaster {
  readonly name: string
  readonly meta: number
  readonly cover: number
  readonly window: number

  constructor(options: AdaptiveForecasterOptions = {}) {
    this.meta = options.meta ?? 0.05
    this.cover = options.cover ?? 1
    this.window = options.window ?? 16
    if (!(this.meta > 0 && this.meta <= 1))
      throw new ModelSpecError(`adaptive: meta must be in (0, 1] (got ${this.meta})`)
    if (!(this.cover >= 1)) throw new ModelSpecError(`adaptive: cover must be >= 1 (got ${this.cover})`)
    if (!Number.isInteger(this.window) || this.window < 4)
      throw new ModelSpecError(`adaptive: window must be an integer >= 4 (got ${this.window})`)
    this.name = `adaptive:meta=${this.meta},cover=${this.cover}`
  }

  /** The experts, fast to slow; on a tie in score the earlier one wins. */
  private experts(): Expert[] {
    return [
      new EmaExpert(0.3, 'mean'),
      new RegimeExpert(0.1, 'mean'),
      new EmaExpert(0.1, 'mean'),
      new EmaExpert(0.03, 'mean'),
    ]
  }

  /** The name of the expert that would be used for `context` (tests, diagnostics). */
  chosenExpert(context: ModelContext): string | undefined {
    return this.run(context)?.expert.name
  }

  forecast(context: ModelContext): Record<string, number> {
    const run = this.run(context)
    if (run === undefined) return {}
    return coverPlausible(run.expert.forecast(context.inferers, run.cell) ?? {}, this.cover)
  }

  private run(context: ModelContext): { expert: Expert; cell: RegimeCell } | undefined {
    const history = lossHistory(context)
    if (history.length === 0) return undefined
    const values = context.truth.map((p) => p.value)
    const epochs = context.truth.map((p) => p.epoch)
    const lag = stepsAhead(context)
    const experts = this.experts()
    const scores = experts.map(() => new Ema(this.meta))
    let known = 0
    for (const h of history) {
      while (known < epochs.length && epochs[known] <= h.epoch - lag) known++
      const cell = classify(seriesFeatures(values, known, this.window))
      const candidates = [...h.raw.keys()].filter((id) => id !== context.self)
      experts.forEach((expert, i) => {
        const pick = argmin(expert.forecast(candidates, cell) ?? {})
        if (pick !== undefined) scores[i].add(h.raw.get(pick) as number)
        expert.add(h, cell)
      })
    }
    let best = 0
    for (let i = 1; i < experts.length; i++)
      if (scores[i].count > 0 && (scores[best].count === 0 || scores[i].value < scores[best].value)) best = i
    return { expert: experts[best], cell: classify(seriesFeatures(values, values.length, this.window)) }
  }
}
