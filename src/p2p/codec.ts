/**
 * Canonical CBOR (RFC 8949 deterministic encoding via cborg): map keys sorted length-first,
 * integers minimal, every float as float64 so numbers round-trip bit for bit. Decoding
 * accepts only canonical bytes (decode → encode must give the input back), so one value has
 * exactly one encoding and a message id or signature can never be malleated by re-encoding.
 */
import { decode, encode } from 'cborg'

const ENCODE_OPTIONS = { float64: true } as const
const DECODE_OPTIONS = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowInfinity: true,
  allowNaN: true,
  useMaps: false,
} as const

export class CodecError extends Error {
  override readonly name = 'CodecError'
}

/** Encode a value of JSON-like data plus Uint8Array. `undefined` fields are not allowed. */
export function encodeCanonical(value: unknown): Uint8Array {
  return encode(value, ENCODE_OPTIONS)
}

export function decodeCanonical(bytes: Uint8Array): unknown {
  let value: unknown
  try {
    value = decode(bytes, DECODE_OPTIONS)
  } catch (err) {
    throw new CodecError(`not valid CBOR: ${(err as Error).message}`)
  }
  const again = encodeCanonical(value)
  if (!bytesEqual(again, bytes)) throw new CodecError('not in canonical form')
  return value
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
