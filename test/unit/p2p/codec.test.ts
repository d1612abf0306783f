import { describe, expect, it } from 'vitest'
import { CodecError, decodeCanonical, encodeCanonical } from '../../../src/p2p/codec.js'
import { encodeEnvelope, readEnvelope, signEnvelope } from '../../../src/p2p/envelope.js'
import { generateIdentity } from '../../../src/p2p/index.js'

describe('canonical CBOR of Float64Array tables', () => {
  it('round-trips a Float64Array bit for bit, NaN, -0 and extremes included', () => {
    const values = Float64Array.from([1, Number.NaN, -0, 2.5e-308, -Number.MAX_VALUE, 1 / 3])
    const back = decodeCanonical(encodeCanonical({ values })) as { values: Float64Array }
    expect(back.values).toBeInstanceOf(Float64Array)
    expect(Array.from(back.values).map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v))).toEqual([1, 'NaN', '-0', 2.5e-308, -Number.MAX_VALUE, 1 / 3])
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
    const payload = { network: -1, naive: -1, inferers: {}, forecasters: {}, oneOutInferers: {}, oneOutForecasters: {}, oneInForecasters: {}, oneOutInfererForecasters: table }
    const env = signEnvelope({ type: 'loss-bundle', chainId: 'c', topicId: 't', epoch: 1, nonce: new Uint8Array(0), payload }, identity.secretKey, identity.publicKey)
    const read = readEnvelope(encodeEnvelope(env))
    const got = (read.envelope.payload as typeof payload).oneOutInfererForecasters
    expect(got.values).toBeInstanceOf(Float64Array)
    expect(got.values[0]).toBe(-1.5)
    expect(Number.isNaN(got.values[1])).toBe(true)
  })

  it('refuses an envelope whose table holds a NaN with another payload (it is read without re-encoding)', async () => {
    const identity = await generateIdentity()
    const table = { rows: ['k'], cols: ['a'], values: Float64Array.of(Number.NaN) }
    const payload = { network: -1, naive: -1, inferers: {}, forecasters: {}, oneOutInferers: {}, oneOutForecasters: {}, oneInForecasters: {}, oneOutInfererForecasters: table }
    const bytes = encodeEnvelope(signEnvelope({ type: 'loss-bundle', chainId: 'c', topicId: 't', epoch: 1, nonce: new Uint8Array(0), payload }, identity.secretKey, identity.publicKey))
    // The canonical NaN's 8 little-endian bytes, with one payload bit set.
    const canonical = Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf8, 0x7f)
    const at = bytes.findIndex((_, i) => canonical.every((b, k) => bytes[i + k] === b))
    expect(at).toBeGreaterThan(0)
    const odd = bytes.slice()
    odd[at] = 1
    expect(() => readEnvelope(odd)).toThrow(CodecError)
    expect(readEnvelope(bytes).envelope.type).toBe('loss-bundle')
  })
})
