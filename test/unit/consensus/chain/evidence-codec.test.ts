/**
 * Equivocation evidence of any role: a committee member's two votes for one step, and a
 * worker's or reputer's two different signed messages for one slot of a topic.
 */
import { describe, expect, it } from 'vitest'
import { Committee } from '../../../../src/consensus/bft/index.js'
import { encodeEvidence, readEvidence } from '../../../../src/consensus/chain/evidence-codec.js'
import { generateIdentity } from '../../../../src/p2p/index.js'
import {
  Ed25519Verifier,
  encodeEnvelope,
  signEnvelope,
  toHex,
  type UnsignedEnvelope,
} from '../../../../src/wire/index.js'

const [worker, other] = await Promise.all([generateIdentity(), generateIdentity()])
const committee = new Committee({ ['aa'.repeat(32)]: 1 })
const inference = (value: number, over: Partial<UnsignedEnvelope> = {}, who = worker): Uint8Array =>
  encodeEnvelope(
    signEnvelope(
      {
        type: 'inference',
        chainId: 'c',
        topicId: 't',
        epoch: 3,
        nonce: new Uint8Array(0),
        payload: { value },
        ...over,
      } as UnsignedEnvelope,
      who.secretKey,
      who.publicKey,
    ),
  )
const read = (a: Uint8Array, b: Uint8Array) =>
  readEvidence(encodeEvidence(a, b), 'c', () => committee, new Ed25519Verifier())

describe('equivocation evidence', () => {
  it("proves a worker's two different inferences for one epoch of a topic, whatever their order", () => {
    const expected = { offender: toHex(worker.publicKey), id: 'inference/t/3' }
    expect(read(inference(1), inference(2))).toEqual(expected)
    expect(read(inference(2), inference(1))).toEqual(expected)
    expect(encodeEvidence(inference(1), inference(2))).toEqual(encodeEvidence(inference(2), inference(1)))
  })

  it('proves nothing of the same message twice, of two slots, two signers or two kinds', () => {
    expect(read(inference(1), inference(1))).toMatch(/the same/)
    expect(read(inference(1), inference(2, { epoch: 4 }))).toMatch(/not for one slot of one signer/)
    expect(read(inference(1), inference(2, { topicId: 'u' }))).toMatch(/not for one slot of one signer/)
    expect(read(inference(1), inference(2, {}, other))).toMatch(/not for one slot of one signer/)
    const forecast = inference(1, { type: 'forecast', payload: { losses: {} } } as Partial<UnsignedEnvelope>)
    expect(read(inference(1), forecast)).toMatch(/two topic messages of one type/)
    expect(read(inference(1), inference(2, { chainId: 'other' }))).toMatch(/evidence envelope/)
  })
})
