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
  if (!(value instanceof Uint8Array) || value.length % 8 !== 0)
    throw new Error('a float64 array (tag 86) must hold a byte string of whole float64s')
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
    Float64Array: (values: unknown) => [
      new Token(Type.tag, FLOAT64_LE_ARRAY_TAG),
      new Token(Type.bytes, float64ArrayBytes(values as Float64Array)),
    ],
  },
} as const
export const CODEC_TAGS: { [tag: number]: TagDecoder } = {
  [FLOAT64_LE_ARRAY_TAG]: (decodeContent) => float64ArrayOf(decodeContent()),
}

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

/**
 * Most data items one decode may produce, and the deepest nesting. Decoding costs time and
 * memory per item, not per byte: 2 MiB of one-byte empty maps decode to 2 million objects
 * (hundreds of MB, hundreds of ms), which a peer could send again and again. Nothing Chorus
 * sends comes near these: ids and numbers take tens of bytes per item (a 2 MiB block holds
 * well under 60 000 items), tables travel as one byte string, and no value nests deeper than
 * a dozen levels.
 */
export const MAX_CBOR_ITEMS = 131_072
export const MAX_CBOR_DEPTH = 32

/**
 * Count the data items and the nesting of CBOR bytes without building anything (one pass
 * over the headers, strings skipped), and throw a CodecError when a budget is exceeded. Bytes
 * that are not well-formed are left to the decoder to reject.
 */
export function checkCborBudget(bytes: Uint8Array, maxItems = MAX_CBOR_ITEMS, maxDepth = MAX_CBOR_DEPTH): void {
  const open: number[] = [] // items still to come in each enclosing container
  let remaining = 1
  let items = 0
  let pos = 0
  const n = bytes.length
  for (;;) {
    if (remaining === 0) {
      if (open.length === 0) return
      remaining = open.pop() as number
      continue
    }
    if (pos >= n) return
    const initial = bytes[pos++]
    const major = initial >> 5
    const info = initial & 0x1f
    let arg: number
    if (info < 24) arg = info
    else if (info === 24) arg = bytes[pos]
    else if (info === 25) arg = (bytes[pos] << 8) | bytes[pos + 1]
    else if (info === 26)
      arg = ((bytes[pos] << 24) >>> 0) + ((bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3])
    else if (info === 27)
      arg = Number.MAX_SAFE_INTEGER // any length this large outruns the bytes or the budget
    else return // reserved or indefinite: the decoder rejects it
    if (info >= 24) pos += 1 << (info - 24)
    remaining--
    if (++items > maxItems) throw new CodecError(`more than ${maxItems} CBOR data items`)
    if (major === 2 || major === 3) {
      pos += arg
    } else if (major === 4 || major === 5 || major === 6) {
      const inside = major === 4 ? arg : major === 5 ? 2 * arg : 1
      if (inside === 0) continue
      open.push(remaining)
      if (open.length > maxDepth) throw new CodecError(`CBOR nested deeper than ${maxDepth} levels`)
      remaining = inside
    }
  }
}

/** Encode a value of JSON-like data plus Uint8Array and Float64Array. `undefined` fields are not allowed. */
export function encodeCanonical(value: unknown): Uint8Array {
  return encode(value, ENCODE_OPTIONS)
}

export function decodeCanonical(bytes: Uint8Array): unknown {
  checkCborBudget(bytes)
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
