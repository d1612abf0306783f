/**
 * Gossiped txs at a coordinator: only from accounts the ledger holds and within their nonce
 * window, turned down before any signature check (a flood from fresh keys costs nothing).
 */
import { describe, expect, it } from 'vitest'
import { checkTxSender, TX_NONCE_WINDOW } from '../../../../src/consensus/pool/tx-admission.js'
import { EnvelopeValidator, generateIdentity, ValidationError } from '../../../../src/p2p/index.js'
import { encodeEnvelope, globalChannel, parseChannel, signEnvelope, type Envelope } from '../../../../src/wire/index.js'
import type { LedgerState } from '../../../../src/consensus/ledger/index.js'
import { ALICE, NOBODY, testState } from '../ledger/fixtures.js'

const CHAIN = 'chorus-test'

function txFrom(signerHex: string, accountNonce: number): Envelope {
  return {
    type: 'tx',
    chainId: CHAIN,
    topicId: '',
    epoch: 0,
    nonce: new Uint8Array(0),
    payload: { kind: 'transfer', accountNonce, body: { to: NOBODY, amount: '1' } },
    signer: Buffer.from(signerHex, 'hex'),
    signature: new Uint8Array(64),
  } as Envelope
}

/** The fixture ledger with ALICE's account at `nonce`. */
function ledgerWithNonce(nonce: number): LedgerState {
  const state = testState()
  const accounts = new Map(state.accounts)
  accounts.set(ALICE, { ...accounts.get(ALICE)!, nonce })
  return { ...state, accounts }
}

const verdictOf = (ledger: LedgerState, envelope: Envelope): string => {
  try {
    checkTxSender(ledger, envelope)
    return 'ok'
  } catch (err) {
    return err instanceof ValidationError ? `${err.action}:${err.code}` : `error: ${(err as Error).message}`
  }
}

describe('tx admission (tx-admission.ts)', () => {
  it('holds txs from ledger accounts within the nonce window, ignores the rest', () => {
    const ledger = ledgerWithNonce(3)
    expect(verdictOf(ledger, txFrom(NOBODY, 0))).toBe('ignore:unknown-account')
    expect(verdictOf(ledger, txFrom(ALICE, 2))).toBe('ignore:nonce-window') // used
    expect(verdictOf(ledger, txFrom(ALICE, 3))).toBe('ok') // the next one
    expect(verdictOf(ledger, txFrom(ALICE, 3 + TX_NONCE_WINDOW - 1))).toBe('ok')
    expect(verdictOf(ledger, txFrom(ALICE, 3 + TX_NONCE_WINDOW))).toBe('ignore:nonce-window')
    // Other message types are not its business.
    expect(verdictOf(ledger, { ...txFrom(NOBODY, 0), type: 'vote' } as Envelope)).toBe('ok')
  })

  it('turns a tx down before the validator checks its signature', async () => {
    const stranger = await generateIdentity()
    const validator = new EnvelopeValidator({ chainId: CHAIN, checkSender: (e) => checkTxSender(testState(), e) })
    const signed = signEnvelope(
      {
        type: 'tx',
        chainId: CHAIN,
        topicId: '',
        epoch: 0,
        nonce: new Uint8Array(0),
        payload: { kind: 'transfer', accountNonce: 0, body: { to: NOBODY, amount: '1' } },
      },
      stranger.secretKey,
      stranger.publicKey,
    )
    const forged = new Uint8Array(signed.signature)
    forged[0] ^= 1
    const channel = parseChannel(globalChannel('tx'))!
    // A forged signature would be `reject:bad-signature`; the account check comes first.
    expect(validator.validate(channel, encodeEnvelope({ ...signed, signature: forged }))).toMatchObject({
      action: 'ignore',
      code: 'unknown-account',
    })
    expect(validator.counters.snapshot()).toEqual({ 'ignore:unknown-account': 1 })
  })
})
