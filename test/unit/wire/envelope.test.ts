import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CodecError,
  Ed25519Verifier,
  decodeCanonical,
  decodeEnvelope,
  encodeCanonical,
  encodeEnvelope,
  signEnvelope,
  signingBytes,
  verifyPortable,
  sign,
  signPortable,
  toHex,
  type Envelope,
  type UnsignedEnvelope,
} from '../../../src/wire/index.js'
import { generateIdentity, type NodeIdentity } from '../../../src/p2p/index.js'

const identity: NodeIdentity = await generateIdentity()
const verifier = new Ed25519Verifier()
const verifies = (env: Envelope): boolean => verifier.verify(env.signature, signingBytes(env), env.signer)

/** Random but schema-valid-shaped unsigned inference envelopes. */
const unsignedArb: fc.Arbitrary<UnsignedEnvelope<'inference'>> = fc.record({
  type: fc.constant('inference' as const),
  chainId: fc.string({ minLength: 1, maxLength: 20 }),
  topicId: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}$/),
  epoch: fc.nat(),
  nonce: fc.uint8Array({ maxLength: 64 }),
  payload: fc.record({
    value: fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 8 }),
    ),
  }),
})

describe('canonical encoding', () => {
  it('equal values give equal bytes whatever the field order', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.oneof(fc.double({ noNaN: true }), fc.string(), fc.boolean(), fc.uint8Array())),
        (dict) => {
          const reversed = Object.fromEntries(Object.entries(dict).reverse())
          expect(Buffer.from(encodeCanonical(reversed)).equals(Buffer.from(encodeCanonical(dict)))).toBe(true)
        },
      ),
    )
  })

  it('keeps float64 values bit for bit', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const back = decodeCanonical(encodeCanonical({ x })) as { x: number }
        expect(Object.is(back.x, x) || (x === 0 && back.x === 0)).toBe(true)
      }),
    )
  })

  it('rejects bytes that are not in canonical form', () => {
    // {a:1} with a non-minimal integer encoding of 1.
    expect(() => decodeCanonical(new Uint8Array([0xa1, 0x61, 0x61, 0x18, 0x01]))).toThrow(CodecError)
    // Keys out of canonical order: {b:1, a:2}.
    expect(() => decodeCanonical(new Uint8Array([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]))).toThrow(/canonical/)
  })
})

describe('signed envelopes', () => {
  it('encode → decode → encode is the identity', () => {
    fc.assert(
      fc.property(unsignedArb, (u) => {
        const bytes = encodeEnvelope(signEnvelope(u, identity.secretKey, identity.publicKey))
        const again = encodeEnvelope(decodeEnvelope(bytes))
        expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('any single flipped byte fails decoding or verification', () => {
    fc.assert(
      fc.property(unsignedArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (u, at, mask) => {
        const bytes = encodeEnvelope(signEnvelope(u, identity.secretKey, identity.publicKey))
        const flipped = new Uint8Array(bytes)
        flipped[at % flipped.length] ^= mask
        let env: Envelope
        try {
          env = decodeEnvelope(flipped)
        } catch {
          return // not decodable: rejected
        }
        expect(verifies(env)).toBe(false)
      }),
      { numRuns: 500 },
    )
  })

  it('native verification agrees with @noble/ed25519', () => {
    fc.assert(
      fc.property(unsignedArb, fc.boolean(), (u, corrupt) => {
        const env = signEnvelope(u, identity.secretKey, identity.publicKey)
        const sig = new Uint8Array(env.signature)
        if (corrupt) sig[0] ^= 1
        const msg = signingBytes(env)
        expect(verifier.verify(sig, msg, env.signer)).toBe(verifyPortable(sig, msg, env.signer))
      }),
      { numRuns: 100 },
    )
  })

  it('the native signer gives the bytes of the portable one (RFC 8032 is deterministic)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        (secretKey, message) => {
          expect(toHex(sign(message, secretKey))).toBe(toHex(signPortable(message, secretKey)))
        },
      ),
      { numRuns: 100 },
    )
  })

  it('a signature for one message type or chain does not verify as another', () => {
    const env = signEnvelope(
      { type: 'inference', chainId: 'a', topicId: 't', epoch: 1, nonce: new Uint8Array(0), payload: { value: 1 } },
      identity.secretKey,
      identity.publicKey,
    )
    expect(verifies(env)).toBe(true)
    expect(verifies({ ...env, chainId: 'b' })).toBe(false)
    expect(verifies({ ...env, type: 'forecast' } as unknown as Envelope)).toBe(false)
    expect(verifies({ ...env, epoch: 2 })).toBe(false)
  })

  it('rejects malformed keys and signatures without throwing', () => {
    expect(verifier.verify(new Uint8Array(64), new Uint8Array(1), new Uint8Array(32).fill(0xff))).toBe(false)
    expect(verifier.verify(new Uint8Array(10), new Uint8Array(1), identity.publicKey)).toBe(false)
  })
})
