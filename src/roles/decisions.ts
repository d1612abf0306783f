/**
 * Reading decided epochs off the consensus channel. Workers and reputers learn the committed
 * history from the committee's commit notices (a block and its certificate, checked by
 * `readCommit`).
 */
import { globalChannel, type Envelope } from '../wire/index.js'
import type { ChorusNode, DeliveredMessage } from '../p2p/index.js'
import type { Block } from '../consensus/chain/block.js'
import type { SettledEpoch } from '../consensus/chain/topic-step.js'
import type { IdMap, SynthesisOutput } from '../synthesis/types.js'

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

/** Checks a commit notice and returns its block, or undefined when it does not prove a commit. */
export type CommitReader = (envelope: Envelope<'commit'>) => Block | undefined

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

/** Subscribe to the decisions of one topic; each epoch is reported once. */
export function onDecisions(
  node: ChorusNode,
  topicId: string,
  listener: DecisionListener,
  readCommit: CommitReader,
): void {
  const seen = new Set<number>()
  const report = (d: EpochDecision): void => {
    if (seen.has(d.epoch)) return
    seen.add(d.epoch)
    if (seen.size > 1024) seen.delete(Math.min(...seen))
    listener(d)
  }
  node.subscribe(globalChannel('consensus'), ({ envelope }: DeliveredMessage) => {
    if (envelope.type === 'commit') {
      const block = readCommit(envelope as Envelope<'commit'>)
      if (block !== undefined) for (const d of decisionsOfBlock(block, topicId)) report(d)
    }
  })
}
