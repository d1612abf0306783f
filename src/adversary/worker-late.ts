/**
 * A worker that is late: its honest model's inference, commitment and forecast, each held back
 * until the peers' window for it has closed (the deadline the validator applies plus its grace,
 * plus one more grace so gossip cannot make it on time). Peers ignore them as too old, so the
 * worker never gets into a block: the submission window, not the worker, decides what counts.
 */
import type { RolePublisher } from '../roles/publisher.js'
import type { Scheduler } from '../util/timers.js'
import { graceMs, type TopicRuntime } from '../topic/windows.js'
import type { UnsignedEnvelope } from '../wire/index.js'
import { isWorkerMessage } from './node.js'

/** When the late worker sends a message of `epoch`: past the window the validator gives it. */
export function lateAt(topic: TopicRuntime, unsigned: Pick<UnsignedEnvelope, 'type' | 'epoch'>): number {
  const { config, clock } = topic
  // A reveal may come until the epoch's end; everything else only inside the submission window.
  const revealing = unsigned.type === 'inference' && config.commitReveal
  const deadline = revealing ? clock.endOf(unsigned.epoch) : clock.startOf(unsigned.epoch) + config.submissionWindowMs
  return deadline + 2 * graceMs(config) + 1
}

/**
 * A worker's publisher that holds each message until `lateAt`; `publish` resolves once it went
 * out. The scheduler's `clear()` (the worker stopping) drops what is still held.
 */
export function lateWorker(node: RolePublisher, topic: TopicRuntime, scheduler: Scheduler): RolePublisher {
  return {
    chainId: node.chainId,
    participantId: node.participantId,
    publish: (unsigned) => {
      if (!isWorkerMessage(unsigned)) return node.publish(unsigned)
      return new Promise((resolve, reject) => {
        scheduler.at(lateAt(topic, unsigned), () => {
          node.publish(unsigned).then(resolve, reject)
        })
      })
    },
  }
}
