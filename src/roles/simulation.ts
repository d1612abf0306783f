/**
 * An offline, in-process run of one topic: the same pieces the networked roles use (models,
 * history, loss bundles, synthesizeEpoch, settleEpoch) without a network, so the collective
 * property can be checked in a test and measured in the benchmark.
 *
 * Timeline with lag L (the topic's groundTruthLag): when epoch e opens, the truth of e − L
 * is known, so every reputer scores epoch e − L and the block of epoch e settles it before
 * synthesising e, as a coordinator's block does (decisions.ts). Synthesis of e therefore uses
 * the regrets settled through e − L. Epoch e's workers know the truth of epochs ≤ e − L and
 * the consensus losses of the epochs settled before e's block. Reputers see the same truth
 * and have equal stakes.
 *
 * Epoch numbers are series indices: the run covers epochs [start, start + epochs), and the
 * truth before `start` is history every worker already knows (a topic never starts blind).
 */
import { forecastElements } from './forecast-elements.js'
import { DEFAULT_PARAMS } from '../synthesis/params.js'
import { settleEpoch } from '../synthesis/settle.js'
import { emptyTopicState } from '../synthesis/state.js'
import { synthesizeEpoch } from '../synthesis/synthesize.js'
import type { IdMap, LossBundle, SynthesisParams } from '../synthesis/types.js'
import { effectiveWeights } from './effective-weights.js'
import { TopicHistory } from './history.js'
import { lossBundle, type DecidedEpoch } from '../topic/loss-bundle.js'
import { epochLossFloor, log10Loss, loss } from '../topic/losses.js'
import { createModel, type ModelSpec } from './models/registry.js'
import type { GroundTruthSource, LossFunctionName, WorkerModel } from './plugins.js'
import { SummaryAccumulator, type Summary } from './summary.js'

export interface SimWorker {
  readonly id: string
  readonly model: WorkerModel
}

export interface SimulateOptions {
  readonly groundTruth: GroundTruthSource
  readonly workers: readonly SimWorker[]
  /** @default 2 */
  readonly reputers?: number
  readonly epochs: number
  /** @default 'squared-error' */
  readonly lossFunction?: LossFunctionName
  /** @default DEFAULT_PARAMS */
  readonly params?: SynthesisParams
  /** Decided epochs left out of the summary. @default 20 */
  readonly warmup?: number
  /**
   * First epoch; the truth before it is history every worker knows (built-in models need
   * at least one known value to answer). @default 1
   */
  readonly start?: number
  /** @default 1 */
  readonly groundTruthLag?: number
  /** Reward per settled epoch. @default 1000 */
  readonly topicReward?: number
  readonly topicId?: string
  /** History kept per list. @default 256 */
  readonly historyLimit?: number
  /**
   * A diagnostic, not a way to run a topic: every worker that forecasts is given, in place of
   * its forecast, the true log10 loss of every other inferer of the epoch (known only in
   * hindsight). The run then shows what the protocol's mechanism makes of perfect forecasts:
   * the ceiling of the gain any forecaster can bring. @default false
   */
  readonly perfectForecasts?: boolean
}

export interface EpochRecord {
  readonly epoch: number
  readonly truth: number
  readonly decided: boolean
  readonly networkInference: number
  readonly naiveInference: number
  readonly inferences: IdMap
  /** I_ik per forecaster that obtained one. */
  readonly forecastImplied: IdMap
  /** Workers that could not answer, with the reason. */
  readonly skipped: IdMap<string>
  readonly weights: { readonly inferers: IdMap; readonly forecasters: IdMap }
  /** Each inferer's share of the network inference with forecast-implied values expanded. */
  readonly effectiveWeights: IdMap
  /** Losses in the topic's loss function (not log). */
  readonly losses: {
    readonly network: number
    readonly naive: number
    readonly workers: IdMap
    readonly forecasters: IdMap
  }
}

export interface SimulationResult {
  readonly summary: Summary
  readonly perEpoch: readonly EpochRecord[]
}

/** A topic's stored state before its first epoch (epoch-json §2.4): new-topic mode. */
export { emptyTopicState }

/**
 * The built-in population a cluster runs by default: six different models covering the
 * usual behaviours of a series (persistence, persistence with drift, fast and slow
 * smoothing, trend following, autoregression), each forecasting with the adaptive
 * forecaster. Chosen to be sensible on any series rather than to suit one; no oracle, so
 * the best single worker is a real model and beating it means something.
 */
export const DEFAULT_POPULATION: readonly ModelSpec[] = Object.freeze([
  'last',
  'drift:32',
  'ema:0.5',
  'ma:8',
  'trend:8',
  'ar:3,window=48',
])

/**
 * Workers `w0`…`w5` with the default models. `seed` is accepted for populations that draw
 * (none of the default models does), so callers need not change when one does.
 */
export function defaultWorkerPopulation(seed = 1, specs: readonly ModelSpec[] = DEFAULT_POPULATION): SimWorker[] {
  void seed
  return specs.map((spec, i) => ({ id: `w${i}`, model: createModel(spec) }))
}

interface Pending {
  readonly epoch: number
  readonly decided: DecidedEpoch
}

export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const params = options.params ?? DEFAULT_PARAMS
  const lossFunction = options.lossFunction ?? 'squared-error'
  const lag = options.groundTruthLag ?? 1
  const start = options.start ?? 1
  const reputers = options.reputers ?? 2
  const topicReward = options.topicReward ?? 1000
  const source = options.groundTruth
  if (!Number.isInteger(options.epochs) || options.epochs < 1)
    throw new RangeError(`epochs must be a positive integer (got ${options.epochs})`)
  if (!Number.isInteger(reputers) || reputers < 1)
    throw new RangeError(`reputers must be a positive integer (got ${reputers})`)
  const ids = options.workers.map((w) => w.id)
  if (new Set(ids).size !== ids.length) throw new RangeError('worker ids must be unique')

  const history = new TopicHistory({
    topicId: options.topicId ?? 'sim',
    groundTruthLag: lag,
    limit: options.historyLimit,
    lossFunction,
  })
  const summary = new SummaryAccumulator(lossFunction, options.warmup ?? 20)
  const truthOf = async (epoch: number): Promise<number> => {
    const v = await source.valueAt(epoch)
    if (v === undefined) throw new RangeError(`${source.name} has no value for epoch ${epoch}`)
    return v
  }
  let state = emptyTopicState()
  let known = Math.max(0, start - history.limit)
  const pending: Pending[] = []
  const perEpoch: EpochRecord[] = []

  for (let epoch = start; epoch < start + options.epochs; epoch++) {
    for (; known <= epoch - lag; known++) history.addTruth(known, await truthOf(known))

    // The truth of epoch − lag is known: the reputers have scored it, and this epoch's block
    // settles it before synthesising (as a coordinator's block does, decisions.ts).
    const due = pending.length > 0 && pending[0].epoch <= epoch - lag ? pending.shift() : undefined
    let settledNow: { epoch: number; losses: LossBundle } | undefined
    if (due !== undefined) {
      const value = await truthOf(due.epoch)
      const previous = due.epoch > 0 ? await source.valueAt(due.epoch - 1) : undefined
      const bundle = lossBundle(due.decided, { value, previous }, lossFunction)
      const reports: Record<string, { stake: number; losses: typeof bundle }> = {}
      for (let r = 0; r < reputers; r++) reports[`r${r}`] = { stake: 1_000_000, losses: bundle }
      const settled = settleEpoch(params, { reputers: reports, topicReward }, state)
      state = settled.state
      // The workers of e answer before e's block, so they learn this settlement after.
      settledNow = { epoch: due.epoch, losses: settled.consensusLosses }
      const o = due.decided.output
      summary.add({
        epoch: due.epoch,
        truth: value,
        previousTruth: previous,
        network: o.networkInference,
        naive: o.naiveInference,
        inferences: due.decided.inferences,
      })
    }

    const inferences: Record<string, number> = {}
    const forecasts: Record<string, IdMap> = {}
    const skipped: Record<string, string> = {}
    for (const w of options.workers) {
      const context = history.context(epoch, w.id)
      try {
        const value = await w.model.infer(context)
        const forecast = await w.model.forecast(context)
        inferences[w.id] = value
        // What the networked worker would publish.
        const own = forecastElements(forecast, w.id)
        if (Object.keys(own).length > 0) forecasts[w.id] = own
      } catch (err) {
        skipped[w.id] = (err as Error).message
      }
    }
    if (settledNow !== undefined) history.addSettled(settledNow.epoch, settledNow.losses)
    const truth = await truthOf(epoch)
    if (Object.keys(inferences).length === 0) {
      summary.addUndecided()
      perEpoch.push(undecided(epoch, truth, skipped))
    } else {
      // Forecasts only count for inferers that answered (synthesis would ignore the rest).
      for (const k of Object.keys(forecasts))
        forecasts[k] = Object.fromEntries(Object.entries(forecasts[k]).filter(([j]) => j in inferences))
      if (options.perfectForecasts === true) {
        const previous = epoch > 0 ? await source.valueAt(epoch - 1) : undefined
        const floor = epochLossFloor(Object.values(inferences).map((v) => loss(lossFunction, v, truth, previous)))
        for (const k of Object.keys(forecasts))
          forecasts[k] = Object.fromEntries(
            Object.keys(inferences)
              .filter((j) => j !== k)
              .map((j) => [j, log10Loss(lossFunction, inferences[j], truth, previous, floor)]),
          )
      }
      const output = synthesizeEpoch(params, { inferences, forecasts }, state)
      history.addDecided(epoch, output.networkInference, inferences)
      pending.push({ epoch, decided: { inferences, output } })
      const previous = epoch > 0 ? await source.valueAt(epoch - 1) : undefined
      const l = (x: number): number => loss(lossFunction, x, truth, previous)
      perEpoch.push({
        epoch,
        truth,
        decided: true,
        networkInference: output.networkInference,
        naiveInference: output.naiveInference,
        inferences,
        forecastImplied: output.forecastImpliedInferences,
        skipped,
        weights: output.weights,
        effectiveWeights: effectiveWeights(params, inferences, output),
        losses: {
          network: l(output.networkInference),
          naive: l(output.naiveInference),
          workers: mapValues(inferences, l),
          forecasters: mapValues(output.forecastImpliedInferences, l),
        },
      })
    }
  }
  // Epochs whose truth came after the run are not settled but still count in the summary.
  for (const p of pending) {
    const value = await truthOf(p.epoch)
    const previous = p.epoch > 0 ? await source.valueAt(p.epoch - 1) : undefined
    summary.add({
      epoch: p.epoch,
      truth: value,
      previousTruth: previous,
      network: p.decided.output.networkInference,
      naive: p.decided.output.naiveInference,
      inferences: p.decided.inferences,
    })
  }
  return { summary: summary.result(), perEpoch }
}

function undecided(epoch: number, truth: number, skipped: IdMap<string>): EpochRecord {
  const empty = {}
  return {
    epoch,
    truth,
    decided: false,
    networkInference: Number.NaN,
    naiveInference: Number.NaN,
    inferences: empty,
    forecastImplied: empty,
    skipped,
    weights: { inferers: empty, forecasters: empty },
    effectiveWeights: empty,
    losses: { network: Number.NaN, naive: Number.NaN, workers: empty, forecasters: empty },
  }
}

function mapValues(map: IdMap, f: (v: number) => number): IdMap {
  const out: Record<string, number> = {}
  for (const id of Object.keys(map).sort()) out[id] = f(map[id])
  return out
}
