/**
 * One topic's deterministic step when an epoch closes: settle the earlier epochs whose loss
 * bundles are in (in ascending epoch order), then synthesise the closed epoch with the state
 * that produces. The coordinator runs it to decide an epoch, and (with BFT) every voter runs
 * it again on the block's inputs; the same inputs give the same bits.
 */
import { SynthesisError } from '../../synthesis/errors.js'
import { settleEpoch } from '../../synthesis/settle.js'
import { synthesizeEpoch } from '../../synthesis/synthesize.js'
import type {
  IdMap,
  LossBundle,
  ReputerReport,
  SettleOutput,
  SynthesisInput,
  SynthesisOutput,
  SynthesisParams,
  TaskMaps,
  TopicState,
} from '../../synthesis/types.js'

export interface SettlementInput {
  readonly epoch: number
  /** Reports of the registered, staked reputers that sent a bundle for this epoch. */
  readonly reputers: IdMap<ReputerReport>
  readonly topicReward: number
}

export interface SettledEpoch {
  readonly epoch: number
  readonly consensusLosses: LossBundle
  readonly rewards: TaskMaps<IdMap>
  readonly scores: { readonly inferers: IdMap; readonly forecasters: IdMap; readonly reputers: IdMap }
}

export interface TopicStepResult {
  readonly state: TopicState
  readonly settled: readonly SettledEpoch[]
  /** Settlements that failed (their epochs stay unsettled), with the engine's error code. */
  readonly settleErrors: readonly { readonly epoch: number; readonly code: string }[]
  /** The synthesis of the closed epoch; undefined without inferences or on an engine error. */
  readonly output?: SynthesisOutput
  readonly synthesisError?: string
}

function settledOf(epoch: number, r: SettleOutput): SettledEpoch {
  return {
    epoch,
    consensusLosses: r.consensusLosses,
    rewards: r.rewards,
    scores: { inferers: r.infererScores, forecasters: r.forecasterScores, reputers: r.reputerScores },
  }
}

export function topicStep(
  params: SynthesisParams,
  state: TopicState,
  settlements: readonly SettlementInput[],
  epochInputs: SynthesisInput | undefined,
): TopicStepResult {
  let current = state
  const settled: SettledEpoch[] = []
  const settleErrors: { epoch: number; code: string }[] = []
  for (const s of [...settlements].sort((a, b) => a.epoch - b.epoch)) {
    try {
      const r = settleEpoch(params, { reputers: s.reputers, topicReward: s.topicReward }, current)
      current = r.state
      settled.push(settledOf(s.epoch, r))
    } catch (err) {
      if (!(err instanceof SynthesisError)) throw err
      settleErrors.push({ epoch: s.epoch, code: err.code })
    }
  }
  if (epochInputs === undefined || Object.keys(epochInputs.inferences).length === 0) {
    return { state: current, settled, settleErrors }
  }
  try {
    return { state: current, settled, settleErrors, output: synthesizeEpoch(params, epochInputs, current) }
  } catch (err) {
    if (!(err instanceof SynthesisError)) throw err
    return { state: current, settled, settleErrors, synthesisError: err.code }
  }
}
