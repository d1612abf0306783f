/**
 * What a reputer publishes for a decided epoch once its truth is known: the log10 loss of
 * every value the epoch produced (docs/spec/math.md §2, epoch-json §4.1). Pure: the same decided
 * epoch, truth and loss function give every reputer the same bits (the loss functions and
 * the logs are deterministic, and every map is built in ascending id order).
 *
 * The chain leaves the one-out-inferer forecast-implied values out of its own output
 * (docs/spec/math.md §2 QUIRK); synthesis here computes them, so the bundle is complete.
 */
import type { IdMap, IdMatrix, LossBundle, SynthesisOutput } from '../synthesis/types.js'
import { epochLossFloor, log10OfLoss, loss } from './losses.js'
import type { LossFunctionName } from './losses.js'

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
  for (let i = 0; i < tableLosses.length; i++)
    tableLosses[i] = implied.values[i] === implied.values[i] ? log(implied.values[i]) : Number.NaN
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

/**
 * What a decided epoch produced, by field: the ids of each value a loss can be reported for,
 * and the one-out-inferer forecast-implied table (its NaN cells were not produced).
 */
export interface EpochParticipants {
  readonly inferers: ReadonlySet<string>
  readonly forecasters: ReadonlySet<string>
  readonly oneOutInferers: ReadonlySet<string>
  readonly oneOutForecasters: ReadonlySet<string>
  readonly oneInForecasters: ReadonlySet<string>
  readonly pairs: IdMatrix
}

export function participantsOf(epoch: DecidedEpoch): EpochParticipants {
  const o = epoch.output
  const ids = (map: IdMap): ReadonlySet<string> => new Set(Object.keys(map))
  return {
    inferers: ids(epoch.inferences),
    forecasters: ids(o.forecastImpliedInferences),
    oneOutInferers: ids(o.oneOutInfererInferences),
    oneOutForecasters: ids(o.oneOutForecasterInferences),
    oneInForecasters: ids(o.oneInForecasterInferences),
    pairs: o.oneOutInfererForecastImpliedInferences,
  }
}

/**
 * A reputer's bundle restricted to what its epoch produced: a loss for an id or a value the
 * epoch did not produce means nothing, and kept it would become a regret stored for good (a
 * value only one reputer reports is the consensus whatever its stake). An honest bundle
 * (`lossBundle`) is returned unchanged; the same rule on every node keeps consensus.
 */
export function scopedLossBundle(bundle: LossBundle, epoch: EpochParticipants): LossBundle {
  const keep = (map: IdMap, ids: ReadonlySet<string>): IdMap => {
    const keys = Object.keys(map)
    if (keys.every((id) => ids.has(id))) return map
    return Object.fromEntries(keys.filter((id) => ids.has(id)).map((id) => [id, map[id]]))
  }
  return {
    network: bundle.network,
    naive: bundle.naive,
    inferers: keep(bundle.inferers, epoch.inferers),
    forecasters: keep(bundle.forecasters, epoch.forecasters),
    oneOutInferers: keep(bundle.oneOutInferers, epoch.oneOutInferers),
    oneOutForecasters: keep(bundle.oneOutForecasters, epoch.oneOutForecasters),
    oneInForecasters: keep(bundle.oneInForecasters, epoch.oneInForecasters),
    oneOutInfererForecasters: scopedTable(bundle.oneOutInfererForecasters, epoch.pairs),
  }
}

/** The reported table's cells where the epoch produced a value; the table itself when that is all of them. */
function scopedTable(t: IdMatrix, produced: IdMatrix): IdMatrix {
  // A malformed table is left for the settle step to refuse, not reshaped into a valid one.
  if (!(t.values instanceof Float64Array) || t.values.length !== t.rows.length * t.cols.length) return t
  const pnc = produced.cols.length
  const rowAt = t.rows.map((id) => produced.rows.indexOf(id))
  const colAt = t.cols.map((id) => produced.cols.indexOf(id))
  const isProduced = (r: number, c: number): boolean => {
    if (rowAt[r] < 0 || colAt[c] < 0) return false
    const v = produced.values[rowAt[r] * pnc + colAt[c]]
    return v === v
  }
  let clean = rowAt.every((i) => i >= 0) && colAt.every((i) => i >= 0)
  for (let r = 0; clean && r < t.rows.length; r++) {
    for (let c = 0; c < t.cols.length; c++) {
      const v = t.values[r * t.cols.length + c]
      if (v === v && !isProduced(r, c)) {
        clean = false
        break
      }
    }
  }
  if (clean) return t
  // Rows and columns the epoch did not produce go; so do the cells it did not produce.
  const rows = t.rows.filter((_, r) => rowAt[r] >= 0)
  const cols = t.cols.filter((_, c) => colAt[c] >= 0)
  const keptRows = t.rows.map((_, r) => r).filter((r) => rowAt[r] >= 0)
  const keptCols = t.cols.map((_, c) => c).filter((c) => colAt[c] >= 0)
  const values = new Float64Array(rows.length * cols.length)
  keptRows.forEach((r, i) =>
    keptCols.forEach(
      (c, j) => (values[i * cols.length + j] = isProduced(r, c) ? t.values[r * t.cols.length + c] : Number.NaN),
    ),
  )
  return { rows, cols, values }
}

/** A bundle in the loss-bundle message's shape (mutable id lists; lossBundle's values are ArrayBuffer-backed). */
export function lossBundlePayload(bundle: LossBundle) {
  const t = bundle.oneOutInfererForecasters
  return {
    ...bundle,
    oneOutInfererForecasters: { rows: [...t.rows], cols: [...t.cols], values: t.values as Float64Array<ArrayBuffer> },
  }
}
