/**
 * Built-in models are an inferer and a forecaster put together, so every worker publishes
 * both: the inferer predicts the series, the forecaster predicts the other inferers' losses.
 */
import type { ModelContext, WorkerModel } from '../plugins.js'

export interface Inferer {
  readonly name: string
  infer(context: ModelContext): number | Promise<number>
}

export interface Forecaster {
  readonly name: string
  forecast(context: ModelContext): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>>
  /** Release resources (an external forecaster's subprocess). */
  close?(): void | Promise<void>
}

export function withForecaster(inferer: Inferer, forecaster: Forecaster): WorkerModel {
  return {
    name: `${inferer.name}@${forecaster.name}`,
    infer: (context) => inferer.infer(context),
    forecast: (context) => forecaster.forecast(context),
    close: () => forecaster.close?.(),
  }
}
