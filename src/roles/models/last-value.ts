/** The persistence forecast: the next value is the last one seen. Optimal on a random walk. */
import type { ModelContext } from '../plugins.js'
import type { Inferer } from './compose.js'
import { truthValues } from './series.js'

export class LastValue implements Inferer {
  readonly name = 'last'

  infer(context: ModelContext): number {
    const values = truthValues(context)
    return values[values.length - 1]
  }
}
