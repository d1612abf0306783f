/**
 * A worker that floods: it publishes each honest message first, then many more for the same
 * slot and for the epochs ahead, all validly signed. A signer may fill one slot per (type,
 * topic, epoch): the first message a peer verifies fills it, and every later one for it is
 * rejected as a duplicate before its signature is checked (so a flood costs peers a decode, not
 * a signature check) and costs the flooder gossip score. Byte-identical copies never leave it:
 * a message id is the hash of the bytes, and gossipsub drops an id it has seen; so the replays
 * differ in their nonce. Messages for two or more epochs ahead are ignored as too far; one
 * epoch ahead is on time by design, and the first of them fills the flooder's own next slot.
 */
import { channelOf } from '../p2p/index.js'
import { Prng } from '../roles/prng.js'
import type { RolePublisher } from '../roles/publisher.js'
import { INFERENCE_LIMIT } from '../synthesis/input-ranges.js'
import { encodeEnvelope, LOG10_LOSS_RANGE, type UnsignedEnvelope } from '../wire/index.js'
import { isWorkerMessage, type AdversaryNode } from './node.js'

export interface FloodOptions {
  /** Other values for the honest message's slot, and as many replays of it. @default 16 */
  readonly perSlot?: number
  /** Epochs ahead that get a message each. @default 8 */
  readonly epochsAhead?: number
}

export type FloodKind = 'other-value' | 'replay' | 'ahead'

export interface FloodMessage {
  readonly kind: FloodKind
  readonly unsigned: UnsignedEnvelope
}

/** The messages sent after `honest`, drawn from a generator seeded by the signer and the epoch. */
export function floodFor(honest: UnsignedEnvelope, signer: string, options: FloodOptions = {}): FloodMessage[] {
  const perSlot = options.perSlot ?? 16
  const ahead = options.epochsAhead ?? 8
  const prng = new Prng('flood-worker', signer, honest.type, honest.topicId, honest.epoch)
  const out: FloodMessage[] = []
  for (let i = 0; i < perSlot; i++)
    out.push({ kind: 'other-value', unsigned: withPayload(honest, other(honest, prng)) })
  for (let i = 0; i < perSlot; i++) out.push({ kind: 'replay', unsigned: { ...honest, nonce: nonceOf(i + 1) } })
  for (let k = 1; k <= ahead; k++)
    out.push({ kind: 'ahead', unsigned: { ...withPayload(honest, other(honest, prng)), epoch: honest.epoch + k } })
  return out
}

/** A worker's publisher that sends each honest message, then its flood. */
export function floodingWorker(node: AdversaryNode, options: FloodOptions = {}): RolePublisher {
  return {
    chainId: node.chainId,
    participantId: node.participantId,
    publish: async (unsigned) => {
      const published = await node.publish(unsigned)
      if (!isWorkerMessage(unsigned)) return published
      const channel = channelOf(unsigned.type, unsigned.topicId)
      for (const m of floodFor(unsigned, node.participantId, options))
        await node.publishRaw(channel, encodeEnvelope(node.sign(m.unsigned)))
      return published
    },
  }
}

function withPayload(honest: UnsignedEnvelope, payload: UnsignedEnvelope['payload']): UnsignedEnvelope {
  return { ...honest, payload }
}

/** Another valid payload of the honest one's type: values moved by up to half, losses by up to one decade. */
function other(honest: UnsignedEnvelope, prng: Prng): UnsignedEnvelope['payload'] {
  switch (honest.type) {
    case 'inference': {
      const p = honest.payload as { value: number | number[]; salt?: Uint8Array<ArrayBuffer> }
      const move = (v: number): number =>
        clamp(v * (1 + prng.uniform(-0.5, 0.5)) + prng.uniform(-1, 1), INFERENCE_LIMIT)
      const value = Array.isArray(p.value) ? p.value.map(move) : move(p.value)
      return p.salt === undefined ? { value } : { value, salt: p.salt }
    }
    case 'forecast': {
      const losses = (honest.payload as { losses: Record<string, number> }).losses
      const moved: Record<string, number> = {}
      for (const [id, v] of Object.entries(losses))
        moved[id] = Math.min(LOG10_LOSS_RANGE.max, Math.max(LOG10_LOSS_RANGE.min, v + prng.uniform(-1, 1)))
      return { losses: moved }
    }
    case 'inference-commit':
      return { commitment: Uint8Array.from({ length: 32 }, () => prng.int(0, 255)) }
    default:
      return honest.payload
  }
}

function clamp(v: number, limit: number): number {
  return Math.min(limit, Math.max(-limit, v))
}

function nonceOf(i: number): Uint8Array {
  const nonce = new Uint8Array(8)
  new DataView(nonce.buffer).setUint32(4, i)
  return nonce
}
