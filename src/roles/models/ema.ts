/**
 * Exponential moving average of the known values: s ← α·x + (1 − α)·s, started at the
 * oldest value of the context's window. Large α follows the series closely, small α smooths
 * noise. Computed over the whole (bounded) window each time, so it needs no state.
 */
import type { ModelContext } from '../plugins.js'
import type { Inferer } from './compose.js'
import { ModelSpecError } from './errors.js'
import { truthValues } from './series.js'

export class Ema implements Inferer {
  readonly name: string

  /** @param alpha weight of the newest value, in (0, 1]. */
  constructor(readonly alpha: number) {
    if (!(alpha > 0 && alpha <= 1)) throw new ModelSpecError(`ema: alpha must be in (0, 1] (got ${alpha})`)
    this.name = `ema:${alpha}`
  }

  infer(context: ModelContext): number {
    const values = truthValues(context)
    let s = values[0]
    for (let i = 1; i < values.length; i++) s = this.alpha * values[i] + (1 - this.alpha) * s
    return s
  }
}
