/**
 * The settle step: from the reputers' loss bundles to consensus losses, new regrets, scores,
 * rewards and the topic's next state (epoch-json §4; docs/spec/math.md §3, §4, §10–§13).
 *
 * Order, as epoch-json §4.2 fixes it: consensus → regrets → initial regret → scores → reputer
 * descent → fractions, entropies → χ, split → rewards → inclusion counts. Pure: the same
 * inputs give the same bits, whatever order the records were built in.
 */
import { consensusBundle, lossMatrix } from './consensus-losses.js'
import { SynthesisError } from './errors.js'
import { own, mergeRecords, recordOf } from './id-map.js'
import { nextInitialRegret } from './initial-regret.js'
import { resolveParams } from './params.js'
import { updateRegrets } from './regrets.js'
import { listeningDescent } from './reputer-scores.js'
import {
  reputerRewardFractions,
  scoreSpreadSample,
  smoothAndEntropy,
  workerRewardFractions,
} from './reward-fractions.js'
import { forecastingUtility, taskRewardFractions } from './reward-split.js'
import { forecasterScores, forecastingTaskScore, infererScores } from './scores.js'
import { validateSettleInput, validInclusionCount, validUnitValue } from './settle-input.js'
import { KernelArena } from './kernels/kernels.js'
import { sortedIds } from './stats.js'
import type { IdMap, SettleInput, SettleOutput, SynthesisParams, TaskMaps, TopicState } from './types.js'

/**
 * The reputers' loss matrix is only needed inside one settle step (nothing returned refers
 * to it), so its arena is kept for the next step instead of allocating R × coordinates
 * doubles each time (26 MB at 1000 inferers, 100 forecasters, 32 reputers).
 */
let lossArena: KernelArena | undefined

/** A reward below one smallest token unit truncates to nothing and is not a payment (§6.13). */
const SMALLEST_PAYMENT = 1

/** One task's fractions, entropy and next smoothed fractions. */
interface TaskOutcome {
  readonly ids: readonly string[]
  readonly fractions: ArrayLike<number>
  readonly entropy: number
  readonly smoothed: IdMap
}

function skippedTask(previousSmoothed: IdMap): TaskOutcome {
  return { ids: [], fractions: [], entropy: 0, smoothed: mergeRecords(previousSmoothed, {}, validUnitValue) }
}

function task(
  params: SynthesisParams,
  ids: readonly string[],
  fractions: ArrayLike<number>,
  previousSmoothed: IdMap,
): TaskOutcome {
  const { smoothed, entropy } = smoothAndEntropy(
    params.taskRewardAlpha,
    params.betaEntropy,
    ids,
    fractions,
    previousSmoothed,
  )
  return { ids, fractions, entropy, smoothed: mergeRecords(previousSmoothed, recordOf(ids, smoothed), validUnitValue) }
}

function valuesOf(map: IdMap, ids: readonly string[]): Float64Array {
  const out = new Float64Array(ids.length)
  for (let i = 0; i < ids.length; i++) out[i] = map[ids[i]]
  return out
}

/** Per-participant rewards u_n · share, and the ids paid at least one unit. */
function pay(t: TaskOutcome, share: number): { rewards: IdMap; paid: string[] } {
  const rewards = new Float64Array(t.ids.length)
  const paid: string[] = []
  for (let i = 0; i < t.ids.length; i++) {
    rewards[i] = t.fractions[i] * share
    if (rewards[i] >= SMALLEST_PAYMENT) paid.push(t.ids[i])
  }
  return { rewards: recordOf(t.ids, rewards), paid }
}

function incremented(counts: IdMap, paid: readonly string[]): IdMap {
  const updates = recordOf(
    paid,
    paid.map((id) => (own(counts, id) ?? 0) + 1),
  )
  return mergeRecords(counts, updates, validInclusionCount)
}

function assertFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new SynthesisError('NON_FINITE', `${what} is not finite`)
  }
}

export function settleEpoch(params: SynthesisParams, input: SettleInput, state: TopicState): SettleOutput {
  const p = resolveParams({ ...params })
  validateSettleInput(input, state)

  // §3.1 consensus of the reported losses (raw stakes).
  const reputers = sortedIds(input.reputers)
  const matrix = lossMatrix(reputers, input.reputers, (lossArena ??= new KernelArena()))
  const consensus = matrix.rawConsensus
  const L = consensusBundle(matrix.layout, consensus)
  const inferers = matrix.layout.inferers
  const forecasters = matrix.layout.forecasters

  // §4.2 regrets, then §4.3 initial regret from the experienced workers' new regrets.
  const regrets = updateRegrets(p.alphaRegret, state.initialRegret, state.regrets, L)
  const initialRegret = nextInitialRegret(p, {
    inferers,
    forecasters,
    before: state.regrets.network,
    after: regrets.network,
    infererInclusionCounts: state.infererInclusionCounts,
    forecasterInclusionCounts: state.forecasterInclusionCounts,
    current: state.initialRegret,
  })

  // §10 instant scores.
  const infScores = infererScores(L)
  const fcScores = forecasterScores(L)
  const taskScore = forecastingTaskScore(L)
  const infIds = sortedIds(infScores)
  const fcIds = sortedIds(fcScores)
  const infValues = valuesOf(infScores, infIds)
  const fcValues = valuesOf(fcScores, fcIds)

  // §11 reputer scores and listening coefficients.
  const initialCoefficients = reputers.map((id) => own(state.listeningCoefficients, id) ?? 1)
  const descent = listeningDescent(matrix, initialCoefficients, p)

  // §11.4, §12 fractions and entropies.
  const previous = state.smoothedRewardFractions
  const infSample = scoreSpreadSample(infValues, state.scoreHistory.inferers, p.maxSamplesToScaleScores)
  const fcSample = scoreSpreadSample(fcValues, state.scoreHistory.forecasters, p.maxSamplesToScaleScores)
  const infTask =
    infIds.length === 0
      ? skippedTask(previous.inferers)
      : task(
          p,
          infIds,
          workerRewardFractions(infValues, infSample, p.pRewardInference, p.cRewardInference, p.epsilon),
          previous.inferers,
        )
  // G is computed only with ≥ 1 scored forecaster and > 1 inferer (§12.2, epoch-json §6.16).
  const fcTask =
    fcIds.length === 0 || inferers.length < 2
      ? skippedTask(previous.forecasters)
      : task(
          p,
          fcIds,
          workerRewardFractions(fcValues, fcSample, p.pRewardForecast, p.cRewardForecast, p.epsilon),
          previous.forecasters,
        )
  const repTask = task(
    p,
    reputers,
    reputerRewardFractions(matrix.stakes, descent.scores, p.pRewardReputer),
    previous.reputers,
  )

  // §13 split and rewards.
  const utility = forecastingUtility(p.taskRewardAlpha, taskScore, infValues, state.forecasterScoreRatio)
  const split = taskRewardFractions(infTask.entropy, fcTask.entropy, repTask.entropy, utility.chi)
  const E = input.topicReward
  const infPay = pay(infTask, split.inferers * E)
  const fcPay = pay(fcTask, split.forecasters * E)
  const repPay = pay(repTask, split.reputers * E)

  assertFinite(
    [taskScore, infTask.entropy, fcTask.entropy, repTask.entropy, utility.chi, utility.ratio, initialRegret],
    'a settle result',
  )
  assertFinite(infTask.fractions, 'an inferer reward fraction')
  assertFinite(fcTask.fractions, 'a forecaster reward fraction')
  assertFinite(repTask.fractions, 'a reputer reward fraction')
  assertFinite([split.inferers * E, split.forecasters * E, split.reputers * E], 'a task reward')

  const rewardFractions: TaskMaps<IdMap> = {
    inferers: recordOf(infTask.ids, infTask.fractions),
    forecasters: recordOf(fcTask.ids, fcTask.fractions),
    reputers: recordOf(repTask.ids, repTask.fractions),
  }
  const nextState: TopicState = {
    initialRegret,
    previousNetworkLoss: L.network,
    regrets,
    infererInclusionCounts: incremented(state.infererInclusionCounts, infPay.paid),
    forecasterInclusionCounts: incremented(state.forecasterInclusionCounts, fcPay.paid),
    listeningCoefficients: mergeRecords(
      state.listeningCoefficients,
      recordOf(reputers, descent.coefficients),
      validUnitValue,
    ),
    smoothedRewardFractions: { inferers: infTask.smoothed, forecasters: fcTask.smoothed, reputers: repTask.smoothed },
    scoreHistory: { inferers: infSample, forecasters: fcSample },
    forecasterScoreRatio: utility.ratio,
  }
  return {
    consensusLosses: L,
    infererScores: infScores,
    forecasterScores: fcScores,
    forecastingTaskScore: taskScore,
    reputerScores: recordOf(reputers, descent.scores),
    adjustedStakes: recordOf(reputers, descent.adjustedStakes),
    rewardFractions,
    entropies: { inferers: infTask.entropy, forecasters: fcTask.entropy, reputers: repTask.entropy },
    forecastingUtility: utility.chi,
    taskRewardFractions: split,
    rewards: { inferers: infPay.rewards, forecasters: fcPay.rewards, reputers: repPay.rewards },
    state: nextState,
  }
}
