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

/** Who took part in a decided epoch: its inferers and the forecasters with an I_ik. */
export interface EpochParticipants {
  readonly inferers: ReadonlySet<string>
  readonly forecasters: ReadonlySet<string>
}

export function participantsOf(epoch: DecidedEpoch): EpochParticipants {
  return { inferers: new Set(Object.keys(epoch.inferences)), forecasters: new Set(Object.keys(epoch.output.forecastImpliedInferences)) }
}

/**
 * A reputer's bundle restricted to the epoch's participants: a value for an id that took no
 * part in the epoch means nothing, and kept it would become a regret stored for good (and a
 * row or column of the one-out tables, which grow with the square of the ids). An honest
 * bundle (`lossBundle`) is returned unchanged; the same rule on every node keeps consensus.
 */
export function scopedLossBundle(bundle: LossBundle, epoch: EpochParticipants): LossBundle {
  const keep = (map: IdMap, ids: ReadonlySet<string>): IdMap => {
    const keys = Object.keys(map)
    if (keys.every((id) => ids.has(id))) return map
    return Object.fromEntries(keys.filter((id) => ids.has(id)).map((id) => [id, map[id]]))
  }
  const t = bundle.oneOutInfererForecasters
  const rows = t.rows.filter((id) => epoch.forecasters.has(id))
  const cols = t.cols.filter((id) => epoch.inferers.has(id))
  let table = t
  // A malformed table is left for the settle step to refuse, not reshaped into a valid one.
  const wellFormed = t.values instanceof Float64Array && t.values.length === t.rows.length * t.cols.length
  if (wellFormed && (rows.length !== t.rows.length || cols.length !== t.cols.length)) {
    const rowAt = rows.map((id) => t.rows.indexOf(id))
    const colAt = cols.map((id) => t.cols.indexOf(id))
    const values = new Float64Array(rows.length * cols.length)
    for (let r = 0; r < rows.length; r++) for (let c = 0; c < cols.length; c++) values[r * cols.length + c] = t.values[rowAt[r] * t.cols.length + colAt[c]]
    table = { rows, cols, values }
  }
  return {
    network: bundle.network,
    naive: bundle.naive,
    inferers: keep(bundle.inferers, epoch.inferers),
    forecasters: keep(bundle.forecasters, epoch.forecasters),
    oneOutInferers: keep(bundle.oneOutInferers, epoch.inferers),
    oneOutForecasters: keep(bundle.oneOutForecasters, epoch.forecasters),
    oneInForecasters: keep(bundle.oneInForecasters, epoch.forecasters),
    oneOutInfererForecasters: table,
  }
}
