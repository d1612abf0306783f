/**
 * Decided epochs, read off the blocks this node's chain adopts. Workers and reputers learn the
 * committed history from them: every node follows the chain, so what a role sees is what the
 * committee committed and this node re-executed.
 */
import type { Block } from '../consensus/chain/block.js'
import type { SettledEpoch } from '../consensus/chain/topic-step.js'
import type { SynthesisOutput, IdMap } from '../synthesis/types.js'

/** Everything one committed epoch of one topic decided. */
export interface EpochDecision {
  readonly topicId: string
  readonly epoch: number
  readonly inferences: IdMap
  readonly forecasts: IdMap<IdMap>
  readonly output: SynthesisOutput
  /** Epochs settled (in order) just before this one was synthesised. */
  readonly settled: readonly SettledEpoch[]
}

export type DecisionListener = (decision: EpochDecision) => void

/** Blocks as this node's chain adopts them, each once, in height order (the driver's events). */
export interface CommitFeed {
  on(event: 'commit', listener: (commit: { readonly block: Block }) => void): unknown
}

/** The decided epochs of one topic in a committed block. */
export function decisionsOfBlock(block: Block, topicId: string): EpochDecision[] {
  return block.topicEpochs
    .filter((e) => e.topicId === topicId && e.output !== null)
    .map((e) => ({
      topicId,
      epoch: e.epoch,
      inferences: e.inferences,
      forecasts: e.forecasts,
      output: e.output!,
      settled: e.settled,
    }))
}

/** Hear the decided epochs of one topic. */
export function onDecisions(feed: CommitFeed, topicId: string, listener: DecisionListener): void {
  feed.on('commit', ({ block }) => {
    for (const d of decisionsOfBlock(block, topicId)) listener(d)
  })
}

/**
 * The decision's naive inference, or null where the engine has none yet: before the topic's
 * first settlement there is no network loss to weigh by, and the engine writes 0 in its place
 * (docs/spec/math.md §7) with every derived map empty.
 */
export function naiveInferenceOf(d: EpochDecision): number | null {
  const o = d.output
  const valuesOnly =
    Object.keys(o.oneOutInfererInferences).length === 0 && Object.keys(o.forecastImpliedInferences).length === 0
  return valuesOnly && o.naiveInference === 0 && o.networkInference !== 0 ? null : o.naiveInference
}
