/**
 * The simplest useful forecaster: each inferer's next loss is an EMA of its recent relative
 * losses (see `Statistic` in loss-history.ts) times the recent loss level. It follows
 * whoever has done well lately: with α above the topic's α_R it reacts faster than the
 * network's regrets, with a small α it settles on the long-run best. Inferers it has never
 * seen get the median estimate.
 */
import type { ModelContext } from '../plugins.js'
import type { Forecaster } from './compose.js'
import { ModelSpecError } from './errors.js'
import { coverPlausible, Estimates, forecastOf, lossHistory, medianOr0, type Statistic } from './loss-history.js'

export class LossEmaForecaster implements Forecaster {
  readonly name: string

  /**
   * @param alpha weight of the newest loss, in (0, 1].
   * @param statistic how relative losses are averaged.
   * @param cover see `coverPlausible`.
   */
  constructor(
    readonly alpha: number,
    readonly statistic: Statistic = 'mean',
    readonly cover = Number.POSITIVE_INFINITY,
  ) {
    if (!(alpha > 0 && alpha <= 1)) throw new ModelSpecError(`loss-ema: alpha must be in (0, 1] (got ${alpha})`)
    if (!(cover >= 1)) throw new ModelSpecError(`loss-ema: cover must be >= 1 (got ${cover})`)
    this.name = `loss-ema:alpha=${alpha},statistic=${statistic}`
  }

  forecast(context: ModelContext): Record<string, number> {
    const history = lossHistory(context)
    if (history.length === 0) return {}
    const est = new Estimates(this.alpha, this.statistic)
    for (const h of history) est.add(h)
    const fallback = medianOr0(est.ids().map((id) => (est.relative(id) as { value: number }).value))
    const out: Record<string, number> = {}
    for (const id of context.inferers)
      out[id] = forecastOf(this.statistic, est.levelValue, est.relative(id)?.value ?? fallback)
    return coverPlausible(out, this.cover)
  }
}
