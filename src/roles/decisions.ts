/**
 * Reading decided epochs off the consensus channel. Workers and reputers learn the committed
 * history from these: `decision` messages of a single deciding coordinator, or `commit`
 * notices of the BFT committee (a block and its certificate, checked by `readCommit`). The
 * coordinator that made a decision does not receive its own message, so it hands its
 * decisions to local listeners directly.
 */
import { globalChannel, type ChorusNode, type DeliveredMessage, type Envelope } from '../p2p/index.js'
import type { Block } from '../consensus/block.js'
import type { EpochDecision } from './coordinator.js'

export type DecisionListener = (decision: EpochDecision) => void

/** Checks a commit notice and returns its block, or undefined when it does not prove a commit. */
export type CommitReader = (envelope: Envelope<'commit'>) => Block | undefined

/** The decided epochs of one topic in a committed block. */
export function decisionsOfBlock(block: Block, topicId: string): EpochDecision[] {
  return block.topicEpochs
    .filter((e) => e.topicId === topicId && e.output !== null)
    .map((e) => ({ topicId, epoch: e.epoch, inferences: e.inferences, forecasts: e.forecasts, output: e.output!, settled: e.settled }))
}

/** Subscribe to the decisions of one topic; each epoch is reported once. */
export function onDecisions(node: ChorusNode, topicId: string, listener: DecisionListener, readCommit?: CommitReader): void {
  const seen = new Set<number>()
  const report = (d: EpochDecision): void => {
    if (seen.has(d.epoch)) return
    seen.add(d.epoch)
    if (seen.size > 1024) seen.delete(Math.min(...seen))
    listener(d)
  }
  node.subscribe(globalChannel('consensus'), ({ envelope }: DeliveredMessage) => {
    if (envelope.type === 'decision' && envelope.topicId === topicId) {
      const payload = envelope.payload as unknown as Omit<EpochDecision, 'topicId' | 'epoch'>
      report({ ...payload, topicId, epoch: envelope.epoch })
    } else if (envelope.type === 'commit' && readCommit !== undefined) {
      const block = readCommit(envelope as Envelope<'commit'>)
      if (block !== undefined) for (const d of decisionsOfBlock(block, topicId)) report(d)
    }
  })
}
