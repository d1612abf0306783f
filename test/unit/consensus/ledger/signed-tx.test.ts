import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeEnvelope, signEnvelope, toHex, type UnsignedEnvelope } from '../../../../src/wire/envelope.js'
import { publicKeyOf } from '../../../../src/wire/signing.js'
import { applyTx, balanceOf, readSignedTx, type TxRejectCode } from '../../../../src/consensus/ledger/index.js'
import { ALICE, CTX, hashOf, testState, txOf } from './fixtures.js'

const secretKey = new Uint8Array(randomBytes(32))
const publicKey = publicKeyOf(secretKey)
const signer = toHex(publicKey)

function unsignedTx(payload: Record<string, unknown>, chainId = 'chorus-test'): UnsignedEnvelope<'tx'> {
  // The payload is deliberately untyped: some tests send malformed ones.
  return {
    type: 'tx',
    chainId,
    topicId: '',
    epoch: 0,
    nonce: new Uint8Array(0),
    payload: payload as UnsignedEnvelope<'tx'>['payload'],
  }
}

const payload = { kind: 'transfer', accountNonce: 0, body: { to: ALICE, amount: '40' } }

function expectRejected(bytes: Uint8Array, code: TxRejectCode): void {
  const result = readSignedTx(bytes, 'chorus-test')
  expect(result.ok ? 'ok' : result.code).toBe(code)
}

describe('signed transactions', () => {
  it('a correctly signed tx becomes a ledger tx of its signer', () => {
    const bytes = encodeEnvelope(signEnvelope(unsignedTx(payload), secretKey, publicKey))
    const result = readSignedTx(bytes, 'chorus-test')
    if (!result.ok) throw new Error(result.reason)
    expect(result.tx).toEqual({ signer, ...payload })
    // The signer has no funds yet: the ledger rejects the overdraft and changes nothing.
    const s = testState()
    const applied = applyTx(s, result.tx, CTX)
    expect(applied.ok ? 'ok' : applied.code).toBe('INSUFFICIENT_BALANCE')
  })

  it('rejects a bad signature, a tampered body, another chain, another type and garbage', () => {
    const signed = signEnvelope(unsignedTx(payload), secretKey, publicKey)
    const badSignature = new Uint8Array(signed.signature)
    badSignature[0] ^= 1
    expectRejected(encodeEnvelope({ ...signed, signature: badSignature }), 'BAD_SIGNATURE')
    const tampered = { ...signed, payload: { ...payload, body: { to: ALICE, amount: '4000' } } } as typeof signed
    expectRejected(encodeEnvelope(tampered), 'BAD_SIGNATURE')
    expectRejected(
      encodeEnvelope(signEnvelope(unsignedTx(payload, 'other-chain'), secretKey, publicKey)),
      'WRONG_CHAIN',
    )
    const vote = { ...signEnvelope(unsignedTx(payload), secretKey, publicKey), type: 'vote' as const }
    expectRejected(encodeEnvelope(vote as never), 'NOT_A_TX')
    expectRejected(
      encodeEnvelope(signEnvelope(unsignedTx({ ...payload, accountNonce: -1 }), secretKey, publicKey)),
      'BAD_PAYLOAD',
    )
    expectRejected(new Uint8Array([1, 2, 3]), 'BAD_ENVELOPE')
  })

  it('a funded signer: the signed tx applies, the same tx with a bad signature never reaches the state', () => {
    const funded = applyTx(testState(), txOf(testState(), ALICE, 'transfer', { to: signer, amount: '100' }), CTX)
    if (!funded.ok) throw new Error(funded.reason)
    const s = funded.state
    const before = hashOf(s)
    const signed = signEnvelope(unsignedTx(payload), secretKey, publicKey)
    const forged = readSignedTx(encodeEnvelope({ ...signed, signature: new Uint8Array(64) }), 'chorus-test')
    expect(forged.ok ? 'ok' : forged.code).toBe('BAD_SIGNATURE')
    expect(hashOf(s)).toBe(before)
    const good = readSignedTx(encodeEnvelope(signed), 'chorus-test')
    if (!good.ok) throw new Error(good.reason)
    const applied = applyTx(s, good.tx, CTX)
    expect(applied.ok && balanceOf(applied.state, signer)).toBe(60n)
  })
})
