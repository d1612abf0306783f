/**
 * The signed envelope every application message travels in:
 * `{type, chainId, topicId, epoch, nonce, payload, signer, signature}`.
 *
 * The signature covers the canonical CBOR of a domain tag and every other field, so a
 * signature made for one message type or one chain can never verify as another, and a
 * re-encoding of the same envelope is rejected by the canonical-form check of the codec.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { decodeCanonical, encodeCanonical } from './codec.js'
import { MESSAGE_TYPES, type MessageType, type PayloadMap } from './messages.js'
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, sign } from './signing.js'

/** Domain tag of envelope signatures; bump the version with any change of signed layout. */
export const ENVELOPE_DOMAIN = 'chorus/envelope/v1'
export const MAX_NONCE_BYTES = 64

export interface Envelope<T extends MessageType = MessageType> {
  readonly type: T
  readonly chainId: string
  /** '' on network-wide channels (consensus, tx). */
  readonly topicId: string
  /** Topic epoch, or block height for consensus messages. */
  readonly epoch: number
  /** Freshness binding, e.g. the hash of the last committed block when the epoch opened. */
  readonly nonce: Uint8Array
  readonly payload: PayloadMap[T]
  /** 32-byte ed25519 public key of the sender. */
  readonly signer: Uint8Array
  readonly signature: Uint8Array
}

export type UnsignedEnvelope<T extends MessageType = MessageType> = Omit<Envelope<T>, 'signer' | 'signature'>

const byteString = (min: number, max: number) =>
  z.instanceof(Uint8Array).refine((b) => b.length >= min && b.length <= max, `must be ${min}..${max} bytes`)

/** Shape of the envelope itself; the payload is checked against its type's schema later. */
export const envelopeSchema = z.strictObject({
  type: z.enum(MESSAGE_TYPES),
  chainId: z.string().min(1).max(64),
  topicId: z.string().max(64),
  epoch: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  nonce: byteString(0, MAX_NONCE_BYTES),
  payload: z.record(z.string(), z.unknown()),
  signer: byteString(PUBLIC_KEY_LENGTH, PUBLIC_KEY_LENGTH),
  signature: byteString(SIGNATURE_LENGTH, SIGNATURE_LENGTH),
})

/** The exact bytes a signature covers. */
export function signingBytes(envelope: UnsignedEnvelope & { readonly signer: Uint8Array }): Uint8Array {
  const { type, chainId, topicId, epoch, nonce, payload, signer } = envelope
  return encodeCanonical([ENVELOPE_DOMAIN, type, chainId, topicId, epoch, nonce, payload, signer])
}

export function signEnvelope<T extends MessageType>(
  unsigned: UnsignedEnvelope<T>,
  secretKey: Uint8Array,
  publicKey: Uint8Array,
): Envelope<T> {
  const withSigner = { ...unsigned, signer: publicKey }
  return { ...withSigner, signature: sign(signingBytes(withSigner), secretKey) }
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  const { type, chainId, topicId, epoch, nonce, payload, signer, signature } = envelope
  return encodeCanonical({ type, chainId, topicId, epoch, nonce, payload, signer, signature })
}

/**
 * Decode canonical bytes into an envelope of the right shape. Throws CodecError for bytes
 * that are not canonical CBOR and a ZodError for a wrong shape; the payload is not yet
 * checked against its type's schema (the validator does that).
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  return envelopeSchema.parse(decodeCanonical(bytes)) as Envelope
}

/** The message id: SHA-256 of the envelope bytes (gossipsub runs StrictNoSign with this id). */
export function messageId(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}
