/**
 * The mean of the last `window` known values (fewer while the history is shorter). Best on
 * noise around a stable level; lags behind any move.
 */
import type { ModelContext } from '../plugins.js'
import type { Inferer } from './compose.js'
import { ModelSpecError } from './errors.js'
import { meanOf, truthValues } from './series.js'

export class MovingAverage implements Inferer {
  readonly name: string

  /** @param window values averaged, ≥ 1. */
  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 1)
      throw new ModelSpecError(`ma: window must be an integer >= 1 (got ${window})`)
    this.name = `ma:${window}`
  }

  infer(context: ModelContext): number {
    const values = truthValues(context)
    return meanOf(values, Math.max(0, values.length - this.window))
  }
}
