import { describe, expect, it } from 'vitest'
import {
  checkCborBudget,
  CodecError,
  decodeCanonical,
  encodeCanonical,
  MAX_CBOR_DEPTH,
} from '../../../src/wire/codec.js'
import { EnvelopeValidator } from '../../../src/p2p/validation.js'
import { encodeEnvelope, readEnvelope, signEnvelope } from '../../../src/wire/envelope.js'
import { generateIdentity } from '../../../src/p2p/index.js'

describe('canonical CBOR of Float64Array tables', () => {
  it('round-trips a Float64Array bit for bit, NaN, -0 and extremes included', () => {
    const values = Float64Array.from([1, Number.NaN, -0, 2.5e-308, -Number.MAX_VALUE, 1 / 3])
    const back = decodeCanonical(encodeCanonical({ values })) as { values: Float64Array }
    expect(back.values).toBeInstanceOf(Float64Array)
    expect(Array.from(back.values).map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v))).toEqual([
      1,
      'NaN',
      '-0',
      2.5e-308,
      -Number.MAX_VALUE,
      1 / 3,
    ])
  })

  it('writes every NaN as one canonical quiet NaN and rejects another payload as non-canonical', () => {
    const odd = new Float64Array(1)
    new DataView(odd.buffer).setUint32(4, 0x7ff80001, true) // a NaN with a payload bit set
    expect(Number.isNaN(odd[0])).toBe(true)
    const bytes = encodeCanonical(odd)
    expect(bytes).toEqual(encodeCanonical(Float64Array.of(Number.NaN)))
    // Hand-build the same tag with the odd NaN bytes: decodable, but not canonical.
    const tampered = bytes.slice()
    tampered.set(new Uint8Array(odd.buffer), tampered.length - 8)
    expect(() => decodeCanonical(tampered)).toThrow(CodecError)
  })

  it('rejects a tag-86 byte string that is not whole float64s', () => {
    const bytes = encodeCanonical(Float64Array.of(1))
    // Header d8 56 (tag 86), then 48 (bytes, length 8): shorten the string to 7 bytes.
    const cut = Uint8Array.from([...bytes.subarray(0, 2), 0x47, ...bytes.subarray(3, 10)])
    expect(() => decodeCanonical(cut)).toThrow(CodecError)
  })
})

describe('an envelope carrying a table', () => {
  it('decodes the table back to a Float64Array', async () => {
    const identity = await generateIdentity()
    const table = { rows: ['k'], cols: ['a', 'b'], values: Float64Array.of(-1.5, Number.NaN) }
    const payload = {
      network: -1,
      naive: -1,
      inferers: {},
      forecasters: {},
      oneOutInferers: {},
      oneOutForecasters: {},
      oneInForecasters: {},
      oneOutInfererForecasters: table,
    }
    const env = signEnvelope(
      { type: 'loss-bundle', chainId: 'c', topicId: 't', epoch: 1, nonce: new Uint8Array(0), payload },
      identity.secretKey,
      identity.publicKey,
    )
    const read = readEnvelope(encodeEnvelope(env))
    const got = (read.envelope.payload as typeof payload).oneOutInfererForecasters
    expect(got.values).toBeInstanceOf(Float64Array)
    expect(got.values[0]).toBe(-1.5)
    expect(Number.isNaN(got.values[1])).toBe(true)
  })

  it('refuses an envelope whose table holds a NaN with another payload (it is read without re-encoding)', async () => {
    const identity = await generateIdentity()
    const table = { rows: ['k'], cols: ['a'], values: Float64Array.of(Number.NaN) }
    const payload = {
      network: -1,
      naive: -1,
      inferers: {},
      forecasters: {},
      oneOutInferers: {},
      oneOutForecasters: {},
      oneInForecasters: {},
      oneOutInfererForecasters: table,
    }
    const bytes = encodeEnvelope(
      signEnvelope(
        { type: 'loss-bundle', chainId: 'c', topicId: 't', epoch: 1, nonce: new Uint8Array(0), payload },
        identity.secretKey,
        identity.publicKey,
      ),
    )
    // The canonical NaN's 8 little-endian bytes, with one payload bit set.
    const canonical = Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf8, 0x7f)
    const at = bytes.findIndex((_, i) => canonical.every((b, k) => bytes[i + k] === b))
    const odd = bytes.slice()
    odd[at] = 1
    expect(() => readEnvelope(odd)).toThrow(CodecError)
    expect(readEnvelope(bytes).envelope.type).toBe('loss-bundle')
  })
})

describe('decoding budget (hostile bytes)', () => {
  /** An array header of n items (5-byte form), then n one-byte empty maps. */
  function emptyMaps(n: number): Uint8Array {
    const bytes = new Uint8Array(5 + n)
    bytes.set([0x9a, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])
    bytes.fill(0xa0, 5)
    return bytes
  }

  it('refuses a frame of a million one-byte items before building any of them', () => {
    const bytes = emptyMaps(1_000_000)
    const started = performance.now()
    expect(() => checkCborBudget(bytes)).toThrow(/data items/)
    expect(() => decodeCanonical(bytes)).toThrow(CodecError)
    expect(performance.now() - started).toBeLessThan(200)
  })

  it('refuses deep nesting', () => {
    const deep = new Uint8Array(MAX_CBOR_DEPTH + 2).fill(0x81)
    deep[deep.length - 1] = 0x00
    expect(() => decodeCanonical(deep)).toThrow(/nested deeper/)
    const tags = new Uint8Array(2 * (MAX_CBOR_DEPTH + 1) + 1)
    for (let i = 0; i + 1 < tags.length; i += 2) tags.set([0xd8, 0x56], i)
    expect(() => decodeCanonical(tags)).toThrow(/nested deeper/)
  })

  it('counts huge declared lengths against the bytes, not the declaration', () => {
    // An array that claims 2^32 - 1 items, a byte string that claims 2^64 - 1 bytes: both truncated.
    expect(() => checkCborBudget(Uint8Array.of(0x9a, 0xff, 0xff, 0xff, 0xff, 0x00))).not.toThrow()
    expect(() => decodeCanonical(Uint8Array.of(0x9a, 0xff, 0xff, 0xff, 0xff, 0x00))).toThrow(CodecError)
    expect(() => decodeCanonical(Uint8Array.of(0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00))).toThrow(
      CodecError,
    )
  })

  it('leaves ordinary values alone', () => {
    const value = {
      ids: Array.from({ length: 5000 }, (_, i) => i.toString(16).padStart(64, '0')),
      table: new Float64Array(100_000),
      nested: [[[{ a: [1, 2, { b: null }] }]]],
    }
    expect(() => checkCborBudget(encodeCanonical(value))).not.toThrow()
    expect((decodeCanonical(encodeCanonical(value)) as typeof value).ids.length).toBe(5000)
  })

  it('makes the validator reject an envelope of a million empty maps as malformed, quickly', async () => {
    const identity = await generateIdentity()
    const env = signEnvelope(
      { type: 'proposal', chainId: 'c', topicId: '', epoch: 1, nonce: new Uint8Array(0), payload: { a: 0 } as never },
      identity.secretKey,
      identity.publicKey,
    )
    const honest = encodeEnvelope(env)
    // Swap the payload's value 0 (one byte) for an array of a million empty maps.
    const key = honest.findIndex(
      (b, i) => b === 0xa1 && honest[i + 1] === 0x61 && honest[i + 2] === 0x61 && honest[i + 3] === 0x00,
    )
    expect(key).toBeGreaterThan(0)
    const maps = emptyMaps(1_000_000)
    const bytes = new Uint8Array(honest.length - 1 + maps.length)
    bytes.set(honest.subarray(0, key + 3))
    bytes.set(maps, key + 3)
    bytes.set(honest.subarray(key + 4), key + 3 + maps.length)
    const validator = new EnvelopeValidator({ chainId: 'c' })
    const started = performance.now()
    const result = validator.validate({ kind: 'consensus', topicId: '' }, bytes)
    expect(result).toMatchObject({ action: 'reject', code: 'malformed' })
    expect(performance.now() - started).toBeLessThan(200)
  })
})
