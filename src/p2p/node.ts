/**
 * A Chorus node's transport: one libp2p host (TCP, noise, yamux, identify, ping, gossipsub)
 * that publishes signed envelopes on Chorus channels, delivers only validated ones, and
 * answers sync requests. Every libp2p-specific call of the project lives in src/p2p.
 */
// First: libp2p needs Promise.withResolvers, which Node 20 lacks (any user of the node gets it).
import '../polyfills.js'
import { EventEmitter } from 'node:events'
import { gossipsub, type GossipSub } from '@chainsafe/libp2p-gossipsub'
import type { ScorePenalty } from '@chainsafe/libp2p-gossipsub/metrics'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { TopicValidatorResult, type Libp2p, type Message, type PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { globalChannel, isGlobalChannelKind, parseChannel, topicChannel, type ParsedChannel } from '../wire/channels.js'
import {
  decodeEnvelope,
  encodeEnvelope,
  messageId,
  signEnvelope,
  toHex,
  type Envelope,
  type UnsignedEnvelope,
} from '../wire/envelope.js'
import { faultyTransport } from './faults/index.js'
import { KeepAlivePeers } from './keep-alive.js'
import { generateIdentity, loadOrCreateIdentity, type NodeIdentity } from './identity.js'
import { IgnoreBudget, ignoreBudgetSettings } from './ignore-budget.js'
import { MessageStore } from './message-store.js'
import { MAX_ENVELOPE_BYTES, MESSAGE_SPECS, type MessageType } from '../wire/messages.js'
import { NODE_DEFAULTS, type ChorusNodeOptions } from './options.js'
import { channelScoreParams, SCORE_THRESHOLDS } from './scoring.js'
import { SyncService } from './sync.js'
import { EnvelopeValidator, type ValidationResult } from './validation.js'

/** A validated message as handed to subscribers. */
export interface DeliveredMessage {
  readonly envelope: Envelope
  readonly id: Uint8Array
  readonly channel: string
  readonly bytes: Uint8Array
}

export type MessageHandler = (message: DeliveredMessage) => void

/** Metrics label of the sync penalty (gossipsub's enum names only its own penalties). */
const SYNC_MALFORMED_PENALTY = 'sync_malformed' as ScorePenalty
/** Metrics label of the penalty for ignored messages beyond a peer's budget. */
const IGNORE_BUDGET_PENALTY = 'ignored_over_budget' as ScorePenalty

/** Observation events (never control flow): `validation` carries each validator verdict. */
export interface ValidationEventDetail extends ValidationResult {
  readonly channel: string
  /** Peer that relayed the message to us (not necessarily its signer). */
  readonly from: string
}

function uncheckedResult(bytes: Uint8Array): ValidationResult | undefined {
  try {
    return { action: 'accept', code: 'ok', envelope: decodeEnvelope(bytes), id: messageId(bytes) }
  } catch {
    return undefined
  }
}

/** The channel an envelope travels on, from its type and topic. */
export function channelOf(type: MessageType, topicId: string): string {
  const kind = MESSAGE_SPECS[type].channel
  return isGlobalChannelKind(kind) ? globalChannel(kind) : topicChannel(topicId, kind)
}

/** What a node reports, for observation only. */
export interface NodeEvents {
  /** Every verdict of the validator on a gossiped message. */
  validation: [ValidationEventDetail]
  /** A subscriber threw while handling a delivered message. */
  'handler-error': [unknown]
  /** A connection to a peer opened (its first one, or again after it had none): the peer id. */
  'peer-connected': [string]
  /** The last connection to a peer closed: the peer id. */
  'peer-disconnected': [string]
  /** Gossipsub dropped an RPC of this peer (its id) unread: the peer's score is below the graylist threshold. */
  'rpc-dropped': [string]
}

export class ChorusNode {
  readonly events = new EventEmitter<NodeEvents>()
  readonly validator: EnvelopeValidator
  readonly sync: SyncService
  /** What ignored messages each relaying peer may still send before they cost it score. */
  readonly ignoreBudget: IgnoreBudget
  private readonly store: MessageStore
  private readonly handlers = new Map<string, Set<MessageHandler>>()
  private readonly keepAlive: KeepAlivePeers
  /** Envelopes decoded by the validator, picked up by delivery without decoding twice. */
  private readonly validated = new WeakMap<Uint8Array, ValidationResult>()
  /** Exceptions thrown by message handlers (they are contained, not propagated). */
  handlerErrors = 0

  private constructor(
    private readonly libp2p: Libp2p<{ pubsub: GossipSub }>,
    readonly identity: NodeIdentity,
    readonly chainId: string,
    private readonly options: ChorusNodeOptions,
  ) {
    this.store = new MessageStore(options.messageStoreCapacity ?? NODE_DEFAULTS.messageStoreCapacity)
    this.validator = new EnvelopeValidator({ chainId, ...options.validation }, { verifiedCache: options.verifiedCache })
    this.sync = new SyncService(
      libp2p,
      {
        timeoutMs: options.sync?.timeoutMs ?? NODE_DEFAULTS.syncTimeoutMs,
        maxFrameBytes: options.sync?.maxFrameBytes ?? NODE_DEFAULTS.syncMaxFrameBytes,
        maxIdsPerRequest: options.sync?.maxIdsPerRequest ?? NODE_DEFAULTS.syncMaxIdsPerRequest,
        maxConcurrentRequests: options.sync?.maxConcurrentRequests ?? NODE_DEFAULTS.syncMaxConcurrentRequests,
        maxConcurrentPerPeer: options.sync?.maxConcurrentPerPeer ?? NODE_DEFAULTS.syncMaxConcurrentPerPeer,
        reservedForPriority: options.sync?.reservedForPriority ?? NODE_DEFAULTS.syncReservedForPriority,
        requestReadMs: options.sync?.requestReadMs ?? NODE_DEFAULTS.syncRequestReadMs,
        maxInboundStreams: options.sync?.maxInboundStreams ?? NODE_DEFAULTS.syncMaxInboundStreams,
      },
      this.store,
      { onMalformed: (peer) => this.penalizeSync(peer) },
    )
    this.ignoreBudget = new IgnoreBudget(
      {
        penalize: (peer, amount) => this.pubsub.score.addPenalty(peer, amount, IGNORE_BUDGET_PENALTY),
        // A failed hang-up is a peer already gone.
        disconnect: (peer) => void this.hangUp(peer).catch(() => {}),
      },
      options.ignoreBudget,
    )
    this.keepAlive = new KeepAlivePeers(
      (address) => this.dial(address, { keepAlive: true }),
      NODE_DEFAULTS.keepAliveRetryMs,
    )
    libp2p.addEventListener('peer:reconnect-failure', (event) => this.keepAlive.gaveUp(event.detail.toString()))
    this.pubsub.addEventListener('message', (event) => this.deliver(event.detail))
    libp2p.addEventListener('peer:connect', (event) => this.events.emit('peer-connected', event.detail.toString()))
    libp2p.addEventListener('peer:disconnect', (event) =>
      this.events.emit('peer-disconnected', event.detail.toString()),
    )
    // Gossipsub drops a graylisted peer's RPCs before any validation and reports it only to its
    // metrics; the wrapper tells the node's observers.
    const acceptFrom = this.pubsub.acceptFrom.bind(this.pubsub)
    this.pubsub.acceptFrom = (id) => {
      const accepted = acceptFrom(id)
      if (!accepted) this.events.emit('rpc-dropped', id)
      return accepted
    }
  }

  /** Create, start and bootstrap a node. */
  static async create(options: ChorusNodeOptions): Promise<ChorusNode> {
    ignoreBudgetSettings(options.ignoreBudget) // bad options throw before a host starts
    const identity =
      options.identity ??
      (options.keyFile !== undefined ? await loadOrCreateIdentity(options.keyFile) : await generateIdentity())
    const gossip = options.gossip ?? {}
    const conn = options.connections ?? {}
    const meshDegree = gossip.meshDegree ?? NODE_DEFAULTS.meshDegree
    const libp2p = await createLibp2p({
      privateKey: identity.libp2pKey,
      addresses: {
        listen: [...(options.listen ?? NODE_DEFAULTS.listen)],
        ...(options.announce === undefined ? {} : { announce: [...options.announce] }),
      },
      transports: [options.faults === undefined ? tcp() : faultyTransport(tcp(), options.faults)],
      ...(options.faults === undefined ? {} : { connectionGater: options.faults.connectionGater }),
      connectionEncrypters: [noise()],
      connectionMonitor: { pingInterval: conn.pingIntervalMs ?? NODE_DEFAULTS.pingIntervalMs },
      streamMuxers: [yamux()],
      connectionManager: {
        maxConnections: conn.maxConnections ?? NODE_DEFAULTS.maxConnections,
        inboundConnectionThreshold: conn.inboundConnectionThreshold ?? NODE_DEFAULTS.inboundConnectionThreshold,
        maxIncomingPendingConnections:
          conn.maxIncomingPendingConnections ?? NODE_DEFAULTS.maxIncomingPendingConnections,
        // A keep-alive peer that restarts is back within seconds: redial soon, then back off.
        reconnectRetries: NODE_DEFAULTS.reconnectRetries,
        reconnectRetryInterval: NODE_DEFAULTS.reconnectIntervalMs,
        reconnectBackoffFactor: NODE_DEFAULTS.reconnectBackoff,
      },
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub({
          // The envelope carries our own signature: sign once, and let the message id be the
          // hash of the envelope bytes so identical bytes are one message network-wide.
          globalSignaturePolicy: 'StrictNoSign',
          msgIdFn: (msg) => messageId(msg.data),
          allowPublishToZeroTopicPeers: true,
          emitSelf: false,
          heartbeatInterval: gossip.heartbeatMs ?? NODE_DEFAULTS.heartbeatMs,
          seenTTL: gossip.seenTtlMs ?? NODE_DEFAULTS.seenTtlMs,
          D: meshDegree,
          Dlo: Math.max(1, meshDegree - 2),
          Dhi: meshDegree * 2,
          maxInboundDataLength: MAX_ENVELOPE_BYTES + 64 * 1024,
          scoreParams: {
            IPColocationFactorWeight: gossip.ipColocationFactorWeight ?? NODE_DEFAULTS.ipColocationFactorWeight,
          },
          scoreThresholds: { ...SCORE_THRESHOLDS },
        }),
      },
    })
    const node = new ChorusNode(libp2p as unknown as Libp2p<{ pubsub: GossipSub }>, identity, options.chainId, options)
    await node.sync.start()
    await Promise.all((options.bootstrap ?? []).map((addr) => node.dial(addr, { keepAlive: true })))
    return node
  }

  private get pubsub(): GossipSub {
    return this.libp2p.services.pubsub
  }

  /** libp2p peer id (base58). */
  get peerId(): string {
    return this.libp2p.peerId.toString()
  }

  /** Participant / account id: hex of the ed25519 public key that signs our envelopes. */
  get participantId(): string {
    return toHex(this.identity.publicKey)
  }

  multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((ma) => ma.toString())
  }

  /**
   * Connect to a peer by multiaddr (with /p2p/<id>). With keepAlive, the node re-dials it
   * whenever the connection drops, for as long as it runs (used for bootstrap peers).
   */
  async dial(address: string, opts: { keepAlive?: boolean } = {}): Promise<void> {
    const ma = multiaddr(address)
    const connection = await this.libp2p.dial(ma)
    if (opts.keepAlive === true) {
      this.keepAlive.remember(connection.remotePeer.toString(), address)
      await this.libp2p.peerStore.merge(connection.remotePeer, { tags: { 'keep-alive': { value: 1 } } })
    }
  }

  /** Dial a keep-alive peer not reached yet (a bootstrap peer that is down) until it answers. */
  keepDialing(address: string): void {
    this.keepAlive.dialUntilUp(address)
  }

  async hangUp(peerId: string): Promise<void> {
    await this.libp2p.hangUp(peerIdFromString(peerId))
  }

  /** Open connections (a peer may have more than one). */
  connectionCount(): number {
    return this.libp2p.getConnections().length
  }

  /** The channels this node subscribes to. */
  channels(): string[] {
    return [...this.handlers.keys()]
  }

  connectedPeers(): string[] {
    return this.libp2p.getPeers().map((p) => p.toString())
  }

  /** Subscribe to a channel; the handler sees only messages that passed validation. */
  subscribe(channel: string, handler: MessageHandler): void {
    const parsed = parseChannel(channel)
    if (parsed === undefined) throw new Error(`not a Chorus channel: ${channel}`)
    let set = this.handlers.get(channel)
    if (set === undefined) {
      set = new Set()
      this.handlers.set(channel, set)
      if (this.options.skipValidation !== true) {
        this.pubsub.topicValidators.set(channel, (from, msg) => this.runValidator(parsed, channel, from, msg))
      }
      this.pubsub.score.params.topics[channel] = channelScoreParams()
      this.pubsub.subscribe(channel)
    }
    set.add(handler)
  }

  unsubscribe(channel: string): void {
    this.handlers.delete(channel)
    this.pubsub.unsubscribe(channel)
    this.pubsub.topicValidators.delete(channel)
  }

  /** Sign an envelope with this node's key. */
  sign<T extends MessageType>(unsigned: UnsignedEnvelope<T>): Envelope<T> {
    return signEnvelope(unsigned, this.identity.secretKey, this.identity.publicKey)
  }

  /** Sign and publish an envelope on the channel of its type and topic. */
  async publish<T extends MessageType>(
    unsigned: UnsignedEnvelope<T>,
  ): Promise<{ id: Uint8Array; envelope: Envelope<T>; recipients: number }> {
    return this.publishSigned(this.sign(unsigned))
  }

  /** Publish an envelope this node signed already (e.g. one it had to store before sending). */
  async publishSigned<T extends MessageType>(
    envelope: Envelope<T>,
  ): Promise<{ id: Uint8Array; envelope: Envelope<T>; recipients: number }> {
    const bytes = encodeEnvelope(envelope)
    const id = messageId(bytes)
    this.validator.recordOwn(envelope, id)
    this.store.put(id, bytes)
    const recipients = await this.publishRaw(channelOf(envelope.type, envelope.topicId), bytes)
    return { id, envelope, recipients }
  }

  /**
   * Publish bytes as they are, without signing or checks. For relaying stored envelopes and
   * for fault injection (chaos tests play hostile peers with it).
   */
  async publishRaw(channel: string, bytes: Uint8Array): Promise<number> {
    const result = await this.pubsub.publish(channel, bytes)
    return result.recipients.length
  }

  /** Envelope bytes this node has validated or published, by id (what sync serves). */
  storedMessage(id: Uint8Array): Uint8Array | undefined {
    return this.store.get(id)
  }

  meshPeers(channel: string): string[] {
    return this.pubsub.getMeshPeers(channel)
  }

  subscribers(channel: string): string[] {
    return this.pubsub.getSubscribers(channel).map((p: PeerId) => p.toString())
  }

  peerScore(peerId: string): number {
    return this.pubsub.getScore(peerId)
  }

  async stop(): Promise<void> {
    this.keepAlive.stop()
    this.handlers.clear()
    await this.libp2p.stop()
  }

  /**
   * A malformed sync request costs its peer gossipsub score (a behaviour penalty, which
   * decays within seconds); a peer gossipsub does not know is not scored.
   */
  private penalizeSync(peerId: string): void {
    const penalty = this.options.sync?.malformedPenalty ?? NODE_DEFAULTS.syncMalformedPenalty
    if (penalty > 0) this.pubsub.score.addPenalty(peerId, penalty, SYNC_MALFORMED_PENALTY)
  }

  private runValidator(parsed: ParsedChannel, channel: string, from: PeerId, msg: Message): TopicValidatorResult {
    const result = this.validator.validate(parsed, msg.data)
    const peer = from.toString()
    this.events.emit('validation', { ...result, channel, from: peer })
    if (result.action === 'ignore') this.ignoreBudget.charge(peer, result.code)
    if (result.action === 'accept') {
      this.validated.set(msg.data, result)
      return TopicValidatorResult.Accept
    }
    return result.action === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }

  private deliver(msg: Message): void {
    const result = this.options.skipValidation === true ? uncheckedResult(msg.data) : this.validated.get(msg.data)
    // gossipsub delivers only what the topic validator accepted; a miss means a message on a
    // channel we validate elsewhere, which cannot happen for Chorus channels.
    if (result?.envelope === undefined || result.id === undefined) return
    this.store.put(result.id, msg.data)
    const handlers = this.handlers.get(msg.topic)
    if (handlers === undefined) return
    const delivered: DeliveredMessage = {
      envelope: result.envelope,
      id: result.id,
      channel: msg.topic,
      bytes: msg.data,
    }
    for (const handler of handlers) {
      try {
        handler(delivered)
      } catch (err) {
        // A failing subscriber must not break delivery to the others or gossipsub itself.
        this.handlerErrors++
        this.events.emit('handler-error', err)
      }
    }
  }
}
