/**
 * What the consensus layer needs of the transport, and nothing more: sign, publish and
 * subscribe to gossip, serve and send sync requests. A `ChorusNode` provides it through
 * `networkOf`; the driver's unit tests provide an in-memory one, and a Byzantine coordinator
 * is an honest driver on a network that lies for it (`src/adversary`).
 */
import type { ChorusNode, DeliveredMessage, SyncProvider } from '../p2p/index.js'
import { peerIdOfParticipant } from '../p2p/index.js'
import type { Envelope, MessageType, UnsignedEnvelope } from '../wire/index.js'
import type { Committee } from './bft/index.js'
import { committeePeers } from './committee-peers.js'

export interface ConsensusNetwork {
  /** This node's participant id (hex of its public key). */
  readonly participantId: string
  /** Sign with this node's key (a vote is stored before it is sent). */
  sign<T extends MessageType>(unsigned: UnsignedEnvelope<T>): Envelope<T>
  /** Publish a signed envelope on the channel of its type. */
  publish(envelope: Envelope): Promise<void>
  /** Validated messages of a channel. */
  subscribe(channel: string, handler: (message: DeliveredMessage) => void): void
  /** Stop receiving a channel (and relaying it). */
  unsubscribe?(channel: string): void
  /** Answer the sync requests of one kind. */
  provide(kind: string, provider: SyncProvider): void
  /** Ask a participant; rejects when it is unreachable, busy or too slow. */
  request(participant: string, kind: string, query: unknown): Promise<(Uint8Array | null)[]>
  /** Bytes one sync answer may carry. */
  readonly answerBudget: number
  /** Let the committee's members use the sync slots kept back for priority peers. */
  prioritize(committee: () => Committee): void
  /** Calls `listener` with the libp2p peer id of each peer a connection opens to (again). */
  onPeerConnected?(listener: (peerId: string) => void): void
}

/** The consensus view of a libp2p node. */
export function networkOf(node: ChorusNode): ConsensusNetwork {
  return {
    participantId: node.participantId,
    sign: (unsigned) => node.sign(unsigned),
    publish: async (envelope) => {
      await node.publishSigned(envelope)
    },
    subscribe: (channel, handler) => node.subscribe(channel, handler),
    unsubscribe: (channel) => node.unsubscribe(channel),
    provide: (kind, provider) => node.sync.provide(kind, provider),
    request: (participant, kind, query) => node.sync.request(peerIdOfParticipant(participant), kind, query),
    get answerBudget() {
      return node.sync.answerBudget
    },
    prioritize: (committee) => node.sync.admission.setPriority(committeePeers(committee)),
    onPeerConnected: (listener) => node.events.on('peer-connected', listener),
  }
}
