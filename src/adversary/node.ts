/**
 * What the worker adversaries need of the node they wrap: to sign as it, publish past its own
 * checks, and listen to a channel. A `ChorusNode` has all of it; unit tests pass a recorder.
 */
import type { ChorusNode } from '../p2p/index.js'
import type { UnsignedEnvelope } from '../wire/index.js'

export type AdversaryNode = Pick<
  ChorusNode,
  'chainId' | 'participantId' | 'publish' | 'sign' | 'publishRaw' | 'subscribe'
>

/** The message types a worker publishes: an adversary of a worker touches only these. */
export function isWorkerMessage(unsigned: UnsignedEnvelope): boolean {
  return unsigned.type === 'inference' || unsigned.type === 'inference-commit' || unsigned.type === 'forecast'
}
