/**
 * Options of a Chorus libp2p node, every one documented with its default. The loopback
 * tuning is an explicit preset the cluster applies, not a hidden default.
 */
import type { NetworkFaults } from './faults/index.js'
import type { NodeIdentity } from './identity.js'
import type { VerifiedMessageCache } from '../wire/signing.js'
import type { ValidationPolicy } from './validation.js'

export interface GossipOptions {
  /** Gossipsub heartbeat; the mesh fills at the first heartbeat. @default 700 */
  readonly heartbeatMs?: number
  /**
   * Weight of gossipsub's IP-colocation penalty. The default punishes more than 10 peers on
   * one IP, which on a loopback cluster prunes honest peers from the mesh: clusters set 0.
   * @default -5
   */
  readonly ipColocationFactorWeight?: number
  /** How long message ids are remembered for de-duplication. @default 120000 */
  readonly seenTtlMs?: number
  /** Target mesh degree D (Dlo = D − 2, Dhi = 2D). @default 6 */
  readonly meshDegree?: number
}

export interface ConnectionOptions {
  /** Inbound connections accepted per second per host; libp2p's default of 5 refuses a local burst. @default 5 */
  readonly inboundConnectionThreshold?: number
  /** @default 10 */
  readonly maxIncomingPendingConnections?: number
  /** @default 300 */
  readonly maxConnections?: number
  /**
   * How often libp2p's connection monitor pings each connection (a ping that goes unanswered
   * closes it). Every ping opens a stream and negotiates its protocol: at libp2p's 10 s,
   * 50 idle nodes of one process spent a quarter of a core on them. @default 60000
   */
  readonly pingIntervalMs?: number
}

export interface SyncOptions {
  /** Deadline of one request, dial included. @default 5000 */
  readonly timeoutMs?: number
  /** Largest frame accepted in either direction. @default 4 MiB */
  readonly maxFrameBytes?: number
  /** Most ids in one request. @default 256 */
  readonly maxIdsPerRequest?: number
  /**
   * Requests served at once, all peers together; more are answered `busy` without being
   * read. Each holds at most one request frame and one answer. @default 32
   */
  readonly maxConcurrentRequests?: number
  /**
   * Requests of one peer served at once, over all its connections; more are answered `busy`
   * without being read. An honest node asks one peer a few things at a time. @default 8
   */
  readonly maxConcurrentPerPeer?: number
  /**
   * Requests served at once beyond maxConcurrentRequests, for priority peers only (the
   * consensus layer names its committee members): a few hostile peers holding every ordinary
   * slot cannot keep the committee from catching up. @default 8
   */
  readonly reservedForPriority?: number
  /**
   * How long a served stream may take to deliver its request frame (an honest request is a
   * small frame sent at once): a stream that sends nothing frees its slot after this, not
   * after the whole timeoutMs. @default 1000
   */
  readonly requestReadMs?: number
  /**
   * Open inbound sync streams per connection (libp2p's `maxInboundStreams`, whose default is
   * 32); libp2p resets the stream beyond it. Keep it above maxConcurrentPerPeer: up to there a
   * peer's excess is answered `busy` and counted. @default 16
   */
  readonly maxInboundStreams?: number
  /**
   * Gossipsub behaviour penalty for each malformed sync request. Score falls by 10 × the
   * square of the sum, which decays to a fifth each second: one request costs 2.5, six in a
   * second reach the graylist (−80) for about a second. Timeouts and resets cost nothing (an
   * honest peer has those too). 0 turns it off. @default 0.5
   */
  readonly malformedPenalty?: number
}

/**
 * The ignore budget of each relaying peer (ignore-budget.ts): ignored messages (not provably
 * the sender's fault, so gossipsub never penalises them) a peer may relay before each further
 * one costs it score. Honest ignores come from window edges and a ledger a block apart: a
 * message just after its window, a registration or a tx nonce this node has not adopted yet,
 * at most a share of the network's own message rate (about 60 a second in the default local
 * cluster, all kinds together), and gossipsub replays at most a few heartbeats of messages to
 * a peer that reconnects. A forger of stale-epoch messages at 2,000 a second empties the burst
 * in a quarter of a second.
 */
export interface IgnoreBudgetOptions {
  /** Ignored messages per second a peer may relay, sustained. @default 100 */
  readonly ratePerSecond?: number
  /** Ignored messages a peer may relay at once (the bucket's size; refilled at ratePerSecond). @default 500 */
  readonly burst?: number
  /**
   * Gossipsub behaviour penalty per ignored message beyond the budget. Score falls by 10 × the
   * square of the sum, which decays to a fifth each second: four such messages take a peer
   * from the best score (+10) below the graylist (−80), after which gossipsub drops its RPCs
   * unread and prunes it from every mesh until the penalty has decayed. 0 turns it off. @default 1
   */
  readonly penalty?: number
  /**
   * Ignored messages beyond the budget (counted since the peer's budget was last full) after
   * which the peer is disconnected: a flood that goes on each time its graylisting is lifted.
   * Gossipsub scores a returning peer afresh, so this node remembers it: a peer it disconnected
   * is disconnected again at its first ignored message beyond the budget, for as long as its
   * budget is held (maxPeers). 0: never. @default 1000
   */
  readonly disconnectAfter?: number
  /** Peers whose budget is held; the least recently charged is forgotten first. @default 1024 */
  readonly maxPeers?: number
}

export interface ChorusNodeOptions {
  /** Network id: part of every signature; a message of another chain is rejected. */
  readonly chainId: string
  /** TCP listen multiaddrs. @default ['/ip4/127.0.0.1/tcp/0'] */
  readonly listen?: readonly string[]
  /** Addresses other peers should dial, when they differ from the listen ones (NAT, 0.0.0.0). @default the listen addresses */
  readonly announce?: readonly string[]
  /** Peers dialled at start and re-dialled by libp2p when the connection drops. @default [] */
  readonly bootstrap?: readonly string[]
  /**
   * Key file of a persistent identity (created with mode 0600 when missing). Without it (and
   * without `identity`) the node gets a fresh key.
   */
  readonly keyFile?: string
  /** An identity held in memory; wins over keyFile. */
  readonly identity?: NodeIdentity
  readonly gossip?: GossipOptions
  readonly connections?: ConnectionOptions
  readonly sync?: SyncOptions
  /** Hooks of the layers above for the validator (the chain id comes from `chainId`). */
  readonly validation?: Omit<ValidationPolicy, 'chainId'>
  /**
   * Deliver every decodable envelope without the validator. Only for measuring the
   * validator's cost against a baseline; never for a node on a network. @default false
   */
  readonly skipValidation?: boolean
  /**
   * Signature results shared by the nodes of one process (a local cluster), so each message
   * is verified once per process rather than once per node. @default none shared
   */
  readonly verifiedCache?: VerifiedMessageCache
  /** Validated envelopes kept to serve sync requests. @default 10000 */
  readonly messageStoreCapacity?: number
  /**
   * The network fault layer of a chaos run (docs/transport.md, "Fault layer"): the TCP
   * transport is wrapped with it and its connection gater installed. Never for a node on a
   * real network. @default none: the plain TCP transport, nothing wrapped
   */
  readonly faults?: NetworkFaults
  /** How many ignored messages a peer may relay before they cost it score. */
  readonly ignoreBudget?: IgnoreBudgetOptions
}

/**
 * Tuning for many nodes on one loopback host: a fast heartbeat (the mesh fills at the first
 * one), no IP-colocation penalty (every peer shares 127.0.0.1, and past 10 of them gossipsub
 * would prune them all), and room for a burst of local connections.
 */
export const LOOPBACK_TUNING: Pick<ChorusNodeOptions, 'gossip' | 'connections'> = Object.freeze({
  gossip: { heartbeatMs: 100, ipColocationFactorWeight: 0 },
  connections: { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 100 },
})

export const NODE_DEFAULTS = Object.freeze({
  listen: ['/ip4/127.0.0.1/tcp/0'],
  heartbeatMs: 700,
  ipColocationFactorWeight: -5,
  seenTtlMs: 120_000,
  meshDegree: 6,
  inboundConnectionThreshold: 5,
  maxIncomingPendingConnections: 10,
  maxConnections: 300,
  pingIntervalMs: 60_000,
  syncTimeoutMs: 5000,
  syncMaxFrameBytes: 4 * 1024 * 1024,
  syncMaxIdsPerRequest: 256,
  syncMaxConcurrentRequests: 32,
  syncMaxConcurrentPerPeer: 8,
  syncReservedForPriority: 8,
  syncRequestReadMs: 1000,
  syncMaxInboundStreams: 16,
  syncMalformedPenalty: 0.5,
  messageStoreCapacity: 10_000,
  ignoreRatePerSecond: 100,
  ignoreBurst: 500,
  ignorePenalty: 1,
  ignoreDisconnectAfter: 1000,
  ignoreMaxPeers: 1024,
  /** libp2p's redials of a keep-alive peer: 6 attempts over about 10 s. */
  reconnectRetries: 6,
  reconnectIntervalMs: 500,
  reconnectBackoff: 1.5,
  /** After those, one dial per interval until the peer is back. */
  keepAliveRetryMs: 10_000,
})
