/**
 * The validator's order: what costs least and turns most down comes first. A forged message
 * that the epoch window, the signer's authorisation, the sender check or a filled slot turns
 * down costs a decode and no payload parse, let alone a signature check.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { EnvelopeValidator, generateIdentity, ValidationError } from '../../../src/p2p/index.js'
import {
  encodeEnvelope,
  globalChannel,
  MESSAGE_SPECS,
  MESSAGE_TYPES,
  parseChannel,
  signEnvelope,
  type Envelope,
  type UnsignedEnvelope,
} from '../../../src/wire/index.js'

const CHAIN = 'unit-chain'
const me = await generateIdentity()
const inferences = { kind: 'inferences' as const, topicId: 't1' }
const txChannel = parseChannel(globalChannel('tx'))!

function signed(u: Partial<UnsignedEnvelope> = {}): Envelope {
  return signEnvelope(
    {
      type: 'inference',
      chainId: CHAIN,
      topicId: 't1',
      epoch: 10,
      nonce: new Uint8Array(0),
      payload: { value: 1 },
      ...u,
    } as UnsignedEnvelope,
    me.secretKey,
    me.publicKey,
  )
}
/** Bytes of an envelope whose payload fails its schema and whose signature is garbage. */
function forged(u: Partial<UnsignedEnvelope> = {}): Uint8Array {
  const env = signed(u)
  return encodeEnvelope({
    ...env,
    payload: { value: 'not a number' } as never,
    signature: new Uint8Array(64).fill(7),
  })
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('validation order', () => {
  it('turns a stale epoch down before parsing the payload or checking the signature', () => {
    const parse = vi.spyOn(MESSAGE_SPECS.inference.schema, 'safeParse')
    const v = new EnvelopeValidator({ chainId: CHAIN, checkEpoch: (e) => (e.epoch < 5 ? 'too-old' : 'ok') })
    expect(v.validate(inferences, forged({ epoch: 1 }))).toMatchObject({ action: 'ignore', code: 'epoch-too-old' })
    expect(parse).not.toHaveBeenCalled()
    // The same message inside the window gets to the parse, which rejects it.
    expect(v.validate(inferences, forged({ epoch: 7 }))).toMatchObject({ action: 'reject', code: 'bad-payload' })
    expect(parse).toHaveBeenCalledTimes(1)
  })

  it('checks the signer and its account before the payload', () => {
    const parse = vi.spyOn(MESSAGE_SPECS.inference.schema, 'safeParse')
    const unknown = new EnvelopeValidator({ chainId: CHAIN, authorize: () => 'unknown-signer' })
    expect(unknown.validate(inferences, forged())).toMatchObject({ action: 'reject', code: 'unregistered' })
    const pending = new EnvelopeValidator({ chainId: CHAIN, authorize: () => 'not-registered' })
    expect(pending.validate(inferences, forged())).toMatchObject({ action: 'ignore', code: 'not-registered' })
    const noAccount = new EnvelopeValidator({
      chainId: CHAIN,
      checkSender: () => {
        throw new ValidationError('ignore', 'unknown-account', 'no account')
      },
    })
    expect(noAccount.validate(inferences, forged())).toMatchObject({ action: 'ignore', code: 'unknown-account' })
    expect(parse).not.toHaveBeenCalled()
  })

  it('hands the sender check a payload that is not parsed yet', () => {
    const seen: unknown[] = []
    const v = new EnvelopeValidator({ chainId: CHAIN, checkSender: (e) => void seen.push(e.payload) })
    const tx = signed({
      type: 'tx',
      topicId: '',
      epoch: 0,
      payload: { kind: 'transfer', accountNonce: 'seven', body: {} },
    } as unknown as Partial<UnsignedEnvelope>)
    expect(v.validate(txChannel, encodeEnvelope(tx))).toMatchObject({ action: 'reject', code: 'bad-payload' })
    expect(seen).toEqual([{ kind: 'transfer', accountNonce: 'seven', body: {} }])
  })

  it('refuses a message into a full slot named by its epoch before parsing the payload', () => {
    const v = new EnvelopeValidator({ chainId: CHAIN })
    expect(v.validate(inferences, encodeEnvelope(signed({ epoch: 3 })))).toMatchObject({ action: 'accept' })
    // The slot takes one conflicting message (equivocation evidence); then it is full.
    expect(v.validate(inferences, encodeEnvelope(signed({ epoch: 3, payload: { value: 2 } })))).toMatchObject({
      action: 'accept',
      code: 'equivocation',
    })
    const parse = vi.spyOn(MESSAGE_SPECS.inference.schema, 'safeParse')
    expect(v.validate(inferences, forged({ epoch: 3 }))).toMatchObject({ action: 'reject', code: 'duplicate' })
    expect(parse).not.toHaveBeenCalled()
  })

  it('names a slot from payload fields only once they are parsed', () => {
    const v = new EnvelopeValidator({ chainId: CHAIN })
    const consensus = { kind: 'consensus' as const, topicId: '' }
    const vote = (payload: unknown): Uint8Array =>
      encodeEnvelope(signed({ type: 'vote', topicId: '', epoch: 4, payload } as unknown as Partial<UnsignedEnvelope>))
    expect(v.validate(consensus, vote({ height: 4, round: 0, step: 'prevote', blockHash: null }))).toMatchObject({
      action: 'accept',
    })
    expect(v.validate(consensus, vote({ height: 4, round: 'zero', step: 'prevote', blockHash: null }))).toMatchObject({
      action: 'reject',
      code: 'bad-payload',
    })
  })

  it('marks as reading the payload every slot that does', () => {
    for (const type of MESSAGE_TYPES) {
      const spec = MESSAGE_SPECS[type]
      if (spec.slotReadsPayload) continue
      // A slot that does not read the payload is named without one.
      expect(spec.slot(7, undefined as never), type).toBe('7')
    }
    expect(MESSAGE_TYPES.filter((t) => MESSAGE_SPECS[t].slotReadsPayload)).toEqual(['proposal', 'vote', 'commit', 'tx'])
  })
})
