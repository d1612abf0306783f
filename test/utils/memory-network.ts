/**
 * An in-memory hub of `ConsensusNetwork` endpoints, for running consensus drivers without
 * sockets. What an endpoint's subscribers get is what a real node would deliver: the bytes a
 * peer published go through a gossipsub-like seen cache (a message id is delivered once per
 * endpoint) and the transport's own validator (`EnvelopeValidator`: decoding, channel, chain,
 * payload schema, the endpoint's admission policy, signature), and come out as the
 * `DeliveredMessage` it accepted.
 *
 * Delivery is asynchronous (one microtask per message and recipient) and goes to every other
 * endpoint subscribed to the envelope's channel, never back to the publisher (as gossipsub).
 * A test can drop or hold messages by predicate (checked when a message is about to be
 * delivered), release held ones later, isolate a participant, and block sync requests. Every
 * publish is recorded (`published`), whatever happens to it afterwards.
 *
 * Sync requests (`request`) go straight to the named participant's providers, with the query
 * passed through canonical CBOR as on the wire; they fail like an unreachable peer when the
 * participant has no endpoint, no provider for the kind, or a block matches.
 */
import type { ConsensusNetwork } from '../../src/consensus/network.js'
import type { Committee } from '../../src/consensus/bft/index.js'
import {
  channelOf,
  EnvelopeValidator,
  type DeliveredMessage,
  type NodeIdentity,
  type SyncProvider,
  type ValidationPolicy,
} from '../../src/p2p/index.js'
import { Counters } from '../../src/util/counters.js'
import {
  decodeCanonical,
  encodeCanonical,
  encodeEnvelope,
  messageId,
  parseChannel,
  signEnvelope,
  toHex,
  type Envelope,
  type MessageType,
  type UnsignedEnvelope,
} from '../../src/wire/index.js'

/** A message on its way from one participant to another. */
export interface InFlight {
  readonly from: string
  readonly to: string
  readonly channel: string
  readonly bytes: Uint8Array
  /** The envelope as published (decoded again by the recipient's validator). */
  readonly envelope: Envelope
}

/** One publish, as the publisher sent it. */
export interface Published {
  readonly from: string
  readonly channel: string
  readonly envelope: Envelope
  readonly bytes: Uint8Array
}

export type MessageFilter = (message: InFlight) => boolean
export type RequestFilter = (request: { readonly from: string; readonly to: string; readonly kind: string }) => boolean

export type NetworkCounter =
  | 'delivered'
  | 'dropped'
  | 'held'
  | 'released'
  | 'duplicate'
  | 'invalid'
  | 'no-recipient'
  | 'handler-error'
  | 'requests'
  | 'requests-failed'

/** Hooks of the node that owns an endpoint (a coordinator's `driver.admission`), as in `node.ts`. */
export interface EndpointValidation {
  checkSender?(envelope: Envelope): void
  checkContent?(envelope: Envelope): void
}

export interface EndpointOptions {
  /** Admission rules of the endpoint's validator beyond decoding and the signature (as `admissionPolicy`). */
  readonly policy?: Omit<ValidationPolicy, 'chainId' | 'checkSender' | 'checkContent'>
  /** @default 2 MiB (a real node's: half of its 4 MiB sync frame) */
  readonly answerBudget?: number
}

/** A message or request failure a test can match on (a real node throws SyncError). */
export class MemoryNetworkError extends Error {
  override readonly name = 'MemoryNetworkError'
}

export class MemoryNetwork {
  readonly counters = new Counters<NetworkCounter>()
  /** Every publish, in order. */
  readonly published: Published[] = []
  /** What subscribers threw (a real node counts and swallows these; a test should see none). */
  readonly handlerErrors: unknown[] = []
  private readonly endpoints = new Map<string, MemoryEndpoint>()
  private readonly drops = new Set<MessageFilter>()
  private readonly holds = new Set<MessageFilter>()
  private readonly held: InFlight[] = []
  private readonly requestBlocks = new Set<RequestFilter>()
  private inFlight = 0

  constructor(readonly chainId: string) {}

  /**
   * The endpoint of `identity`: a new one, replacing (and detaching) an earlier endpoint of
   * the same participant, as a restarted node comes back with a fresh transport.
   */
  endpoint(identity: NodeIdentity, options: EndpointOptions = {}): MemoryEndpoint {
    const id = toHex(identity.publicKey)
    this.endpoints.get(id)?.detach()
    const endpoint = new MemoryEndpoint(this, identity, options)
    this.endpoints.set(id, endpoint)
    return endpoint
  }

  /** The current endpoint of a participant. */
  endpointOf(participant: string): MemoryEndpoint | undefined {
    return this.endpoints.get(participant)
  }

  /** Drop messages matching `filter` from now on; returns a function that lifts the drop. */
  drop(filter: MessageFilter): () => void {
    this.drops.add(filter)
    return () => this.drops.delete(filter)
  }

  /** Hold back messages matching `filter` (until `release`); returns a function that stops holding. */
  hold(filter: MessageFilter): () => void {
    this.holds.add(filter)
    return () => this.holds.delete(filter)
  }

  /** Deliver the held messages that match `filter` (all by default) to their recipients' current endpoints. */
  release(filter: MessageFilter = () => true): number {
    const chosen = this.held.filter(filter)
    for (const m of chosen) {
      this.held.splice(this.held.indexOf(m), 1)
      this.counters.inc('released')
      this.schedule(m, true)
    }
    return chosen.length
  }

  /** Messages held back now. */
  get heldMessages(): readonly InFlight[] {
    return this.held
  }

  /** Make sync requests matching `filter` fail; returns a function that lifts the block. */
  blockRequests(filter: RequestFilter): () => void {
    this.requestBlocks.add(filter)
    return () => this.requestBlocks.delete(filter)
  }

  /** Cut a participant off: nothing it sends or is sent arrives, and its requests (both ways) fail. */
  isolate(participant: string): () => void {
    const undrop = this.drop((m) => m.from === participant || m.to === participant)
    const unblock = this.blockRequests((r) => r.from === participant || r.to === participant)
    return () => {
      undrop()
      unblock()
    }
  }

  /** Deliveries queued but not yet made. */
  get pending(): number {
    return this.inFlight
  }

  /** @internal for MemoryEndpoint */
  publishFrom(from: MemoryEndpoint, envelope: Envelope): void {
    const bytes = encodeEnvelope(envelope)
    const channel = channelOf(envelope.type, envelope.topicId)
    this.published.push({ from: from.participantId, channel, envelope, bytes })
    let recipients = 0
    for (const [to, endpoint] of this.endpoints) {
      if (endpoint === from || !endpoint.subscribed(channel)) continue
      recipients++
      this.schedule({ from: from.participantId, to, channel, bytes, envelope }, false)
    }
    if (recipients === 0) this.counters.inc('no-recipient')
  }

  private schedule(message: InFlight, released: boolean): void {
    this.inFlight++
    queueMicrotask(() => {
      this.inFlight--
      this.deliver(message, released)
    })
  }

  private deliver(message: InFlight, released: boolean): void {
    for (const drop of this.drops) {
      if (drop(message)) return this.counters.inc('dropped')
    }
    if (!released) {
      for (const hold of this.holds) {
        if (hold(message)) {
          this.held.push(message)
          return this.counters.inc('held')
        }
      }
    }
    const endpoint = this.endpoints.get(message.to)
    if (endpoint === undefined) return this.counters.inc('no-recipient')
    const outcome = endpoint.receive(message.channel, message.bytes, (err) => {
      this.counters.inc('handler-error')
      this.handlerErrors.push(err)
    })
    this.counters.inc(outcome)
  }

  /** @internal for MemoryEndpoint */
  async requestFrom(from: MemoryEndpoint, to: string, kind: string, query: unknown): Promise<(Uint8Array | null)[]> {
    this.counters.inc('requests')
    // Asynchronous like a stream round trip (and never answered inside the caller's turn).
    await Promise.resolve()
    const fail = (why: string): never => {
      this.counters.inc('requests-failed')
      throw new MemoryNetworkError(`sync ${kind} from ${to.slice(0, 12)} failed: ${why}`)
    }
    for (const block of this.requestBlocks) if (block({ from: from.participantId, to, kind })) fail('blocked')
    if (!from.attached) fail('requester is detached')
    const provider = this.endpoints.get(to)?.providerOf(kind)
    if (provider === undefined) fail(`no provider of "${kind}"`)
    let items: (Uint8Array | null)[]
    try {
      // The query crosses the wire as canonical CBOR, so a provider sees what a real one would.
      items = await (provider as SyncProvider)(decodeCanonical(encodeCanonical(query)))
    } catch (err) {
      return fail(`cannot answer: ${(err as Error).message}`)
    }
    return items.map((b) => (b === null ? null : Uint8Array.from(b)))
  }
}

/** One participant's view of the hub: a `ConsensusNetwork`. */
export class MemoryEndpoint implements ConsensusNetwork {
  readonly participantId: string
  readonly answerBudget: number
  /** The committee given by the driver (`prioritize`), for inspection. */
  priority: (() => Committee) | undefined
  private readonly handlers = new Map<string, Set<(message: DeliveredMessage) => void>>()
  private readonly providers = new Map<string, SyncProvider>()
  private readonly seen = new Set<string>()
  private readonly validator: EnvelopeValidator
  private validation: EndpointValidation | undefined
  private live = true

  constructor(
    private readonly hub: MemoryNetwork,
    private readonly identity: NodeIdentity,
    options: EndpointOptions,
  ) {
    this.participantId = toHex(identity.publicKey)
    this.answerBudget = options.answerBudget ?? 2 * 1024 * 1024
    this.validator = new EnvelopeValidator({
      chainId: hub.chainId,
      ...options.policy,
      checkSender: (envelope) => this.validation?.checkSender?.(envelope),
      checkContent: (envelope) => this.validation?.checkContent?.(envelope),
    })
  }

  /** The owner's admission hooks (a coordinator's `driver.admission`), set once it exists. */
  validateWith(validation: EndpointValidation): void {
    this.validation = validation
  }

  /** Still the participant's endpoint (not replaced by a restart). */
  get attached(): boolean {
    return this.live
  }

  /** @internal the hub replaced this endpoint: it neither sends nor receives any more. */
  detach(): void {
    this.live = false
    this.handlers.clear()
    this.providers.clear()
  }

  /** Validator verdict counts (`accept:ok`, `reject:bad-signature`, ...). */
  get validationCounters(): EnvelopeValidator['counters'] {
    return this.validator.counters
  }

  sign<T extends MessageType>(unsigned: UnsignedEnvelope<T>): Envelope<T> {
    return signEnvelope(unsigned, this.identity.secretKey, this.identity.publicKey)
  }

  async publish(envelope: Envelope): Promise<void> {
    if (!this.live) return
    const bytes = encodeEnvelope(envelope)
    // Like publishSigned: the own message is marked, so a copy coming back is a duplicate.
    this.validator.recordOwn(envelope, messageId(bytes))
    this.seen.add(toHex(messageId(bytes)))
    this.hub.publishFrom(this, envelope)
  }

  subscribe(channel: string, handler: (message: DeliveredMessage) => void): void {
    if (!this.live) return
    let set = this.handlers.get(channel)
    if (set === undefined) this.handlers.set(channel, (set = new Set()))
    set.add(handler)
  }

  subscribed(channel: string): boolean {
    return (this.handlers.get(channel)?.size ?? 0) > 0
  }

  provide(kind: string, provider: SyncProvider): void {
    if (this.live) this.providers.set(kind, provider)
  }

  /** @internal for the hub */
  providerOf(kind: string): SyncProvider | undefined {
    return this.providers.get(kind)
  }

  request(participant: string, kind: string, query: unknown): Promise<(Uint8Array | null)[]> {
    return this.hub.requestFrom(this, participant, kind, query)
  }

  prioritize(committee: () => Committee): void {
    this.priority = committee
  }

  /** @internal a message arriving from the hub: seen cache, validator, then the subscribers. */
  receive(
    channel: string,
    bytes: Uint8Array,
    onHandlerError: (err: unknown) => void,
  ): 'delivered' | 'duplicate' | 'invalid' | 'no-recipient' {
    const handlers = this.handlers.get(channel)
    if (!this.live || handlers === undefined || handlers.size === 0) return 'no-recipient'
    const id = messageId(bytes)
    const idHex = toHex(id)
    if (this.seen.has(idHex)) return 'duplicate'
    this.seen.add(idHex)
    const parsed = parseChannel(channel)
    if (parsed === undefined) return 'invalid'
    // A copy per recipient, as each real node gets its own buffer.
    const own = Uint8Array.from(bytes)
    const result = this.validator.validate(parsed, own)
    if (result.action !== 'accept' || result.envelope === undefined) return 'invalid'
    const delivered: DeliveredMessage = { envelope: result.envelope, id, channel, bytes: own }
    for (const handler of handlers) {
      try {
        handler(delivered)
      } catch (err) {
        // As ChorusNode: a failing subscriber must not break delivery to the others.
        onHandlerError(err)
      }
    }
    return 'delivered'
  }
}
