/**
 * The simplest useful forecaster: each inferer's next loss is the recent average of its past
 * losses (an EMA of its deviation from the epoch's level, plus an EMA of the level). It
 * follows whoever has done well lately, faster than the network's regrets when α is larger
 * than the topic's α_R. Inferers it has never seen get the median deviation.
 */
import type { ModelContext } from '../plugins.js'
import type { Forecaster } from './compose.js'
import { ModelSpecError } from './errors.js'
import { Ema, medianOr0, relativeLosses } from './loss-history.js'

export class LossEmaForecaster implements Forecaster {
  readonly name: string

  /** @param alpha weight of the newest loss, in (0, 1]. */
  constructor(readonly alpha: number) {
    if (!(alpha > 0 && alpha <= 1)) throw new ModelSpecError(`loss-ema: alpha must be in (0, 1] (got ${alpha})`)
    this.name = `loss-ema:${alpha}`
  }

  forecast(context: ModelContext): Record<string, number> {
    const history = relativeLosses(context)
    if (history.length === 0) return {}
    const level = new Ema(this.alpha)
    const byId = new Map<string, Ema>()
    for (const h of history) {
      level.add(h.level)
      for (const [id, d] of h.deviations) {
        let e = byId.get(id)
        if (e === undefined) byId.set(id, (e = new Ema(this.alpha)))
        e.add(d)
      }
    }
    const fallback = medianOr0([...byId.values()].map((e) => e.value))
    const out: Record<string, number> = {}
    for (const id of context.inferers) out[id] = level.value + (byId.get(id)?.value ?? fallback)
    return out
  }
}
