/**
 * What a reputer publishes for a decided epoch once its truth is known: the log10 loss of
 * every value the epoch produced (allora-math §2, epoch-json §4.1). Pure: the same decided
 * epoch, truth and loss function give every reputer the same bits (the loss functions and
 * the logs are deterministic, and every map is built in ascending id order).
 *
 * The chain leaves the one-out-inferer forecast-implied values out of its own output
 * (allora-math §2 QUIRK); synthesis here computes them, so the bundle is complete.
 */
import type { IdMap, IdMatrix, LossBundle, SynthesisOutput } from '../synthesis/types.js'
import { epochLossFloor, log10OfLoss, loss } from './losses.js'
import type { LossFunctionName } from './plugins.js'

/** A decided epoch as the committed block holds it. */
export interface DecidedEpoch {
  /** I_ij: the inferences the epoch was decided with. */
  readonly inferences: IdMap
  readonly output: SynthesisOutput
}

export interface LossTruth {
  readonly value: number
  /** The truth of the epoch before (needed by `squared-return-error`). */
  readonly previous?: number
}

export function lossBundle(epoch: DecidedEpoch, truth: LossTruth, lossFunction: LossFunctionName): LossBundle {
  const raw = (prediction: number): number => loss(lossFunction, prediction, truth.value, truth.previous)
  const infererIds = Object.keys(epoch.inferences).sort()
  const infererRaw = infererIds.map((id) => raw(epoch.inferences[id]))
  // One floor for the whole epoch, so an exact hit is compared fairly with everyone else.
  const floor = epochLossFloor(infererRaw)
  const log = (prediction: number): number => log10OfLoss(raw(prediction), floor)
  const map = (values: IdMap): IdMap => {
    const out: Record<string, number> = {}
    for (const id of Object.keys(values).sort()) out[id] = log(values[id])
    return out
  }
  const inferers: Record<string, number> = {}
  infererIds.forEach((id, i) => (inferers[id] = log10OfLoss(infererRaw[i], floor)))
  const o = epoch.output
  const implied = o.oneOutInfererForecastImpliedInferences
  const tableLosses = new Float64Array(implied.values.length)
  // NaN (a recomputation that vanished) stays absent.
  for (let i = 0; i < tableLosses.length; i++) tableLosses[i] = implied.values[i] === implied.values[i] ? log(implied.values[i]) : Number.NaN
  const oneOutInfererForecasters: IdMatrix = { rows: implied.rows, cols: implied.cols, values: tableLosses }
  return {
    network: log(o.networkInference),
    naive: log(o.naiveInference),
    inferers,
    forecasters: map(o.forecastImpliedInferences),
    oneOutInferers: map(o.oneOutInfererInferences),
    oneOutForecasters: map(o.oneOutForecasterInferences),
    oneInForecasters: map(o.oneInForecasterInferences),
    oneOutInfererForecasters,
  }
}
