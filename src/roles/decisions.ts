/**
 * Reading decided epochs off the consensus channel. Workers and reputers learn the committed
 * history from these; the coordinator that made a decision does not receive its own message,
 * so it hands its decisions to local listeners directly.
 */
import { globalChannel, type ChorusNode, type DeliveredMessage } from '../p2p/index.js'
import type { EpochDecision } from './coordinator.js'

export type DecisionListener = (decision: EpochDecision) => void

/** Subscribe to the decisions of one topic; duplicates (same epoch twice) are dropped. */
export function onDecisions(node: ChorusNode, topicId: string, listener: DecisionListener): void {
  const seen = new Set<number>()
  node.subscribe(globalChannel('consensus'), ({ envelope }: DeliveredMessage) => {
    if (envelope.type !== 'decision' || envelope.topicId !== topicId || seen.has(envelope.epoch)) return
    seen.add(envelope.epoch)
    if (seen.size > 1024) seen.delete(Math.min(...seen))
    const payload = envelope.payload as unknown as Omit<EpochDecision, 'topicId' | 'epoch'>
    listener({ ...payload, topicId, epoch: envelope.epoch })
  })
}
