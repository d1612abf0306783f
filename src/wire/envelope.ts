/**
 * The signed envelope every application message travels in:
 * `{type, chainId, topicId, epoch, nonce, payload, signer, signature}`.
 *
 * On the wire an envelope is the canonical CBOR array
 * `[type, chainId, topicId, epoch, nonce, payload, signer, signature]`. The signature covers a
 * domain tag followed by the canonical CBOR of the first seven fields, which are exactly the
 * wire bytes minus the array header and the trailing signature. So a receiver verifies the
 * bytes it got, without re-encoding, and any re-encoding by a relay breaks the signature;
 * type and chain id are signed, so a signature for one kind of message or one network can
 * never verify as another.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { decode } from 'cborg'
import { checkCborBudget, CODEC_TAGS, CodecError, encodeCanonical } from './codec.js'
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

/** Shape of the envelope array; the payload is checked against its type's schema later. */
export const envelopeSchema = z.tuple([
  z.enum(MESSAGE_TYPES),
  z.string().min(1).max(64),
  z.string().max(64),
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  byteString(0, MAX_NONCE_BYTES),
  z.record(z.string(), z.unknown()),
  byteString(PUBLIC_KEY_LENGTH, PUBLIC_KEY_LENGTH),
  byteString(SIGNATURE_LENGTH, SIGNATURE_LENGTH),
])

const DOMAIN_BYTES = new TextEncoder().encode(`${ENVELOPE_DOMAIN}\0`)
/** CBOR headers: an array of 8 (the wire form), an array of 7 (the signed fields). */
const WIRE_ARRAY_HEADER = 0x88
const SIGNED_ARRAY_HEADER = 0x87
/** The encoded signature at the end of the wire bytes: header 0x58 0x40, then 64 bytes. */
const ENCODED_SIGNATURE_LENGTH = 2 + SIGNATURE_LENGTH

/** The exact bytes a signature covers: domain tag, then the canonical first seven fields. */
export function signingBytes(envelope: UnsignedEnvelope & { readonly signer: Uint8Array }): Uint8Array {
  const { type, chainId, topicId, epoch, nonce, payload, signer } = envelope
  return withDomain(encodeCanonical([type, chainId, topicId, epoch, nonce, payload, signer]))
}

function withDomain(fields: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN_BYTES.length + fields.length)
  out.set(DOMAIN_BYTES, 0)
  out.set(fields, DOMAIN_BYTES.length)
  return out
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
  return encodeCanonical([type, chainId, topicId, epoch, nonce, payload, signer, signature])
}

export interface ReadEnvelope {
  readonly envelope: Envelope
  /** What the signature must cover, taken from the received bytes themselves. */
  readonly signedBytes: Uint8Array
}

/**
 * Decode wire bytes into an envelope of the right shape, plus the bytes its signature must
 * cover. Throws CodecError for bytes that are not strict CBOR (minimal lengths, no duplicate
 * keys, no indefinite lengths) or exceed the decoding budget (checkCborBudget), and a
 * ZodError for a wrong shape; the payload is not yet
 * checked against its type's schema (the validator does that).
 */
export function readEnvelope(bytes: Uint8Array): ReadEnvelope {
  checkCborBudget(bytes)
  let value: unknown
  try {
    value = decode(bytes, {
      strict: true,
      rejectDuplicateMapKeys: true,
      allowUndefined: false,
      allowIndefinite: false,
      tags: CODEC_TAGS,
    })
  } catch (err) {
    throw new CodecError(`not valid CBOR: ${(err as Error).message}`)
  }
  const [type, chainId, topicId, epoch, nonce, payload, signer, signature] = envelopeSchema.parse(value)
  // Strict decoding fixed every header, so the layout below is the only one possible.
  if (bytes[0] !== WIRE_ARRAY_HEADER) throw new CodecError('envelope array header is not minimal')
  // subarray, never slice: the input may be a Buffer, whose slice shares memory.
  const signedBytes = withDomain(bytes.subarray(0, bytes.length - ENCODED_SIGNATURE_LENGTH))
  signedBytes[DOMAIN_BYTES.length] = SIGNED_ARRAY_HEADER
  const envelope = { type, chainId, topicId, epoch, nonce, payload, signer, signature } as Envelope
  return { envelope, signedBytes }
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  return readEnvelope(bytes).envelope
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
