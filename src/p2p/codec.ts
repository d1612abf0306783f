/**
 * Canonical CBOR (RFC 8949 deterministic encoding via cborg): map keys sorted length-first,
 * integers minimal, every float as float64 so numbers round-trip bit for bit. Decoding
 * accepts only canonical bytes (decode → encode must give the input back), so one value has
 * exactly one encoding and a message id or signature can never be malleated by re-encoding.
 */
import { decode, encode, Token, Type, type TagDecoder } from 'cborg'

/**
 * RFC 8746 tag of a little-endian float64 typed array. The synthesis engine keeps its large
 * tables in Float64Arrays (NaN = absent entry); they travel as one byte string under this
 * tag and decode back to a Float64Array. Every NaN is written as the one canonical quiet NaN,
 * so a table has one encoding (another NaN payload is rejected as non-canonical).
 */
const FLOAT64_LE_ARRAY_TAG = 86

function float64ArrayBytes(values: Float64Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 8)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === v) view.setFloat64(i * 8, v, true)
    else view.setUint32(i * 8 + 4, 0x7ff80000, true)
  }
  return bytes
}

function float64ArrayOf(value: unknown): Float64Array {
  if (!(value instanceof Uint8Array) || value.length % 8 !== 0) throw new Error('a float64 array (tag 86) must hold a byte string of whole float64s')
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  const out = new Float64Array(value.length / 8)
  for (let i = 0; i < out.length; i++) {
    const v = view.getFloat64(i * 8, true)
    // Checked here, not only by re-encoding: envelopes are read without re-encoding them.
    if (v !== v && (view.getUint32(i * 8, true) !== 0 || view.getUint32(i * 8 + 4, true) !== 0x7ff80000)) {
      throw new Error('a float64 array (tag 86) must write every NaN as the canonical quiet NaN')
    }
    out[i] = v
  }
  return out
}

const ENCODE_OPTIONS = {
  float64: true,
  typeEncoders: {
    Float64Array: (values: unknown) => [new Token(Type.tag, FLOAT64_LE_ARRAY_TAG), new Token(Type.bytes, float64ArrayBytes(values as Float64Array))],
  },
} as const
export const CODEC_TAGS: { [tag: number]: TagDecoder } = { [FLOAT64_LE_ARRAY_TAG]: (decodeContent) => float64ArrayOf(decodeContent()) }

const DECODE_OPTIONS = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowInfinity: true,
  allowNaN: true,
  useMaps: false,
  tags: CODEC_TAGS,
} as const

export class CodecError extends Error {
  override readonly name = 'CodecError'
}

/** Encode a value of JSON-like data plus Uint8Array and Float64Array. `undefined` fields are not allowed. */
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
