/**
 * A worker that sends garbage: in place of each inference, commitment and forecast its honest
 * service would publish, a set of envelopes signed with its own key that no peer may take. Each
 * fails one validator check (docs/transport.md, Validation): the payload schema (NaN, infinite,
 * huge or mistyped values, an extra field, out-of-range losses, too many forecast elements, a
 * short commitment), the chain id, the signature, or the epoch window. None of them fills the
 * worker's slot (only a verified message does), so nothing valid of it ever reaches a block.
 */
import { channelOf } from '../p2p/index.js'
import { Prng } from '../roles/prng.js'
import type { RolePublisher } from '../roles/publisher.js'
import { encodeEnvelope, messageId, type UnsignedEnvelope } from '../wire/index.js'
import { isWorkerMessage, type AdversaryNode } from './node.js'

/** What each garbage envelope gets wrong, and the verdict a peer's validator gives it. */
export const GARBAGE_VERDICTS = {
  nan: 'reject:bad-payload',
  infinite: 'reject:bad-payload',
  huge: 'reject:bad-payload',
  'not-a-number': 'reject:bad-payload',
  'extra-field': 'reject:bad-payload',
  'loss-out-of-range': 'reject:bad-payload',
  'loss-nan': 'reject:bad-payload',
  'too-many-elements': 'reject:bad-payload',
  'bad-participant-id': 'reject:bad-payload',
  'short-commitment': 'reject:bad-payload',
  'wrong-chain': 'reject:wrong-chain',
  'bad-signature': 'reject:bad-signature',
  'far-epoch': 'ignore:epoch-too-far',
  'old-epoch': 'ignore:epoch-too-old',
} as const
export type GarbageKind = keyof typeof GARBAGE_VERDICTS

export interface Garbage {
  readonly kind: GarbageKind
  /** Deliberately off-schema where `kind` says so: typed as an envelope only to be signed. */
  readonly unsigned: UnsignedEnvelope
  /** Sign it, then break the signature. */
  readonly breakSignature: boolean
}

/** Epochs ahead, at least, of a `far-epoch` garbage message. */
export const FAR_AHEAD = 16

/** Forecast elements past the schema's limit of 12. */
const TOO_MANY_ELEMENTS = 13

/**
 * The garbage sent in place of `honest` (an inference, commitment or forecast of epoch e),
 * drawn from a generator seeded by the signer and the epoch.
 */
export function garbageFor(honest: UnsignedEnvelope, signer: string): Garbage[] {
  const prng = new Prng('garbage-worker', signer, honest.type, honest.topicId, honest.epoch)
  const e = honest.epoch
  const out: Garbage[] = []
  const add = (kind: GarbageKind, changes: Record<string, unknown>, breakSignature = false): void => {
    // Off-schema payloads on purpose: the point is what peers' validators make of them.
    out.push({ kind, unsigned: { ...honest, ...changes } as UnsignedEnvelope, breakSignature })
  }
  switch (honest.type) {
    case 'inference': {
      const { value, salt } = honest.payload as { value: number | number[]; salt?: Uint8Array }
      const first = Array.isArray(value) ? value[0] : value
      const withValue = (v: unknown) => ({ payload: salt === undefined ? { value: v } : { value: v, salt } })
      add('nan', withValue(Number.NaN))
      add('infinite', withValue(prng.next() < 0.5 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY))
      add('huge', withValue((prng.next() < 0.5 ? -1 : 1) * prng.uniform(2e300, 1e308)))
      add('not-a-number', withValue(String(first)))
      add('extra-field', { payload: { ...honest.payload, weight: prng.uniform(0, 1) } })
      break
    }
    case 'forecast': {
      const losses = (honest.payload as { losses: Record<string, number> }).losses
      const someone = Object.keys(losses)[0] ?? randomId(prng)
      add('loss-out-of-range', { payload: { losses: { ...losses, [someone]: prng.uniform(1e3, 1e6) } } })
      add('loss-nan', { payload: { losses: { ...losses, [someone]: Number.NaN } } })
      const many: Record<string, number> = {}
      for (let i = 0; i < TOO_MANY_ELEMENTS; i++) many[randomId(prng)] = prng.uniform(-3, 1)
      add('too-many-elements', { payload: { losses: many } })
      add('bad-participant-id', { payload: { losses: { 'not-a-participant': prng.uniform(-3, 1) } } })
      break
    }
    case 'inference-commit': {
      const short = Uint8Array.from({ length: 31 }, () => prng.int(0, 255))
      add('short-commitment', { payload: { commitment: short } })
      break
    }
    default:
      return []
  }
  // Well-formed payloads the transport turns down for what surrounds them.
  add('wrong-chain', { chainId: `${honest.chainId}-fork` })
  add('bad-signature', {}, true)
  // Far past the one-epoch-early allowance: a worker that runs late (a slow model, a loaded
  // machine) sends its epoch-e messages well into e + 1, where e + 2 would be on time.
  add('far-epoch', { epoch: e + FAR_AHEAD + prng.int(0, FAR_AHEAD) })
  // An epoch whose submission window has closed (none before epoch 1).
  if (e >= 1) add('old-epoch', { epoch: e - 1 - prng.int(0, Math.min(e - 1, 5)) })
  return out
}

/** Signed wire bytes of one garbage envelope, as `node` would sign them. */
export function garbageBytes(node: Pick<AdversaryNode, 'sign'>, garbage: Garbage): Uint8Array {
  const envelope = node.sign(garbage.unsigned)
  if (!garbage.breakSignature) return encodeEnvelope(envelope)
  const signature = Uint8Array.from(envelope.signature)
  signature[0] ^= 0xff
  return encodeEnvelope({ ...envelope, signature })
}

/** A worker's publisher that sends garbage in place of what its service publishes. */
export function garbageWorker(node: AdversaryNode): RolePublisher {
  return {
    chainId: node.chainId,
    participantId: node.participantId,
    publish: async (unsigned) => {
      if (!isWorkerMessage(unsigned)) return node.publish(unsigned)
      let recipients = 0
      let lastId: Uint8Array = new Uint8Array(32)
      for (const g of garbageFor(unsigned, node.participantId)) {
        const bytes = garbageBytes(node, g)
        lastId = messageId(bytes)
        // Past the node's own checks: the channel of the type the envelope claims.
        recipients += await node.publishRaw(channelOf(g.unsigned.type, g.unsigned.topicId), bytes)
      }
      return { id: lastId, envelope: node.sign(unsigned), recipients }
    },
  }
}

function randomId(prng: Prng): string {
  let id = ''
  for (let i = 0; i < 8; i++) id += prng.nextUint32().toString(16).padStart(8, '0')
  return id
}
