/**
 * A node that records what an adversary sends instead of gossiping it, and a validator that
 * judges those bytes as a peer would (the transport's checklist with the topic's epoch window).
 */
import type { AdversaryNode } from '../../../src/adversary/index.js'
import {
  channelOf,
  type DeliveredMessage,
  EnvelopeValidator,
  generateIdentity,
  type NodeIdentity,
} from '../../../src/p2p/index.js'
import { parseTopicConfig } from '../../../src/topic/config.js'
import { EpochClock } from '../../../src/topic/epoch-clock.js'
import { epochVerdict, type TopicRuntime } from '../../../src/topic/windows.js'
import {
  encodeEnvelope,
  messageId,
  parseChannel,
  signEnvelope,
  toHex,
  type Envelope,
  type MessageType,
  type UnsignedEnvelope,
} from '../../../src/wire/index.js'
import type { Clock } from '../../../src/util/timers.js'

export const CHAIN = 'adversary-unit'
export const GENESIS_MS = 1_000_000

export interface Sent {
  readonly channel: string
  readonly bytes: Uint8Array
  /** `publish`: through the node's own signing path; `raw`: past it. */
  readonly via: 'publish' | 'raw'
}

export class RecordingNode implements AdversaryNode {
  readonly sent: Sent[] = []
  readonly handlers = new Map<string, (m: DeliveredMessage) => void>()
  readonly chainId = CHAIN

  private constructor(readonly identity: NodeIdentity) {}

  static async create(): Promise<RecordingNode> {
    return new RecordingNode(await generateIdentity())
  }

  get participantId(): string {
    return toHex(this.identity.publicKey)
  }

  sign<T extends MessageType>(unsigned: UnsignedEnvelope<T>): Envelope<T> {
    return signEnvelope(unsigned, this.identity.secretKey, this.identity.publicKey)
  }

  async publish<T extends MessageType>(
    unsigned: UnsignedEnvelope<T>,
  ): Promise<{ id: Uint8Array; envelope: Envelope<T>; recipients: number }> {
    const envelope = this.sign(unsigned)
    const bytes = encodeEnvelope(envelope)
    this.sent.push({ channel: channelOf(unsigned.type, unsigned.topicId), bytes, via: 'publish' })
    return { id: messageId(bytes), envelope, recipients: 1 }
  }

  async publishRaw(channel: string, bytes: Uint8Array): Promise<number> {
    this.sent.push({ channel, bytes, via: 'raw' })
    return 1
  }

  subscribe(channel: string, handler: (m: DeliveredMessage) => void): void {
    this.handlers.set(channel, handler)
  }
}

/** A topic of 1000 ms epochs (window 600 ms, grace 100 ms) on a clock the test sets. */
export function topicOn(now: Clock, commitReveal = false): TopicRuntime {
  const config = parseTopicConfig(
    { id: 't1', name: 't1', epochMs: 1000, groundTruth: 'synthetic:1', commitReveal },
    'test topic',
  )
  return { config, clock: new EpochClock(GENESIS_MS, config.epochMs, now) }
}

/** A peer's validator for the topic: every check of the transport, the epoch window by `topic`'s clock. */
export function peerValidator(topic: TopicRuntime): EnvelopeValidator {
  return new EnvelopeValidator({ chainId: CHAIN, checkEpoch: (e) => epochVerdict(e, topic) })
}

/** `action:code` of each sent message, judged in order by one peer. */
export function verdicts(validator: EnvelopeValidator, sent: readonly Sent[]): string[] {
  return sent.map((s) => {
    const channel = parseChannel(s.channel)
    if (channel === undefined) throw new Error(`not a channel: ${s.channel}`)
    const r = validator.validate(channel, s.bytes)
    return `${r.action}:${r.code}`
  })
}

export function unsignedInference(epoch: number, value: number): UnsignedEnvelope<'inference'> {
  return { type: 'inference', chainId: CHAIN, topicId: 't1', epoch, nonce: new Uint8Array(0), payload: { value } }
}

export function unsignedForecast(epoch: number, losses: Record<string, number>): UnsignedEnvelope<'forecast'> {
  return { type: 'forecast', chainId: CHAIN, topicId: 't1', epoch, nonce: new Uint8Array(0), payload: { losses } }
}
