import { describe, expect, it } from 'vitest'
import {
  EnvelopeValidator,
  type MessageRef,
  SLOT_SWEEP_EVERY,
  ValidationError,
  generateIdentity,
} from '../../../src/p2p/index.js'
import {
  encodeEnvelope,
  globalChannel,
  parseChannel,
  signEnvelope,
  topicChannel,
  type Envelope,
  type UnsignedEnvelope,
} from '../../../src/wire/index.js'
import { INFERENCE_LIMIT, LOG10_LOSS_RANGE, MAX_ELEMENTS_PER_FORECAST } from '../../../src/wire/messages.js'
import {
  INFERENCE_LIMIT as ENGINE_INFERENCE_LIMIT,
  LOG10_LOSS_MAX,
  LOG10_LOSS_MIN,
} from '../../../src/synthesis/input-ranges.js'

const me = await generateIdentity()
const CHAIN = 'unit-chain'
const inferences = { kind: 'inferences' as const, topicId: 't1' }
const bytesOf = (u: Partial<UnsignedEnvelope> = {}): Uint8Array =>
  encodeEnvelope(
    signEnvelope(
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
    ),
  )

describe('channels', () => {
  it('builds versioned names and parses them back', () => {
    expect(topicChannel('eth-5m', 'losses')).toBe('/chorus/1/topic/eth-5m/losses')
    expect(globalChannel('consensus')).toBe('/chorus/1/consensus')
    expect(parseChannel('/chorus/1/topic/eth-5m/losses')).toEqual({ kind: 'losses', topicId: 'eth-5m' })
    expect(parseChannel('/chorus/1/tx')).toEqual({ kind: 'tx', topicId: '' })
    expect(parseChannel('/chorus/2/tx')).toBeUndefined()
    expect(parseChannel('/chorus/1/topic/eth-5m/other')).toBeUndefined()
    expect(() => topicChannel('bad/id', 'inferences')).toThrow(/invalid topic id/)
  })
})

describe('EnvelopeValidator policy hooks', () => {
  it('ignores (not rejects) messages outside the epoch window', () => {
    const v = new EnvelopeValidator({
      chainId: CHAIN,
      checkEpoch: (e: Envelope) => (e.epoch < 5 ? 'too-old' : e.epoch > 20 ? 'too-far' : 'ok'),
    })
    expect(v.validate(inferences, bytesOf({ epoch: 1 }))).toMatchObject({ action: 'ignore', code: 'epoch-too-old' })
    expect(v.validate(inferences, bytesOf({ epoch: 99 }))).toMatchObject({ action: 'ignore', code: 'epoch-too-far' })
    expect(v.validate(inferences, bytesOf({ epoch: 7 }))).toMatchObject({ action: 'accept', code: 'ok' })
    expect(v.counters.snapshot()).toEqual({ 'accept:ok': 1, 'ignore:epoch-too-far': 1, 'ignore:epoch-too-old': 1 })
  })

  it('rejects unregistered signers before spending a signature check', () => {
    const v = new EnvelopeValidator({ chainId: CHAIN, authorize: () => 'unknown-signer' })
    expect(v.validate(inferences, bytesOf())).toMatchObject({ action: 'reject', code: 'unregistered' })
  })

  it('turns a content hook verdict into the result and a local bug into ignore', () => {
    const refusing = new EnvelopeValidator({
      chainId: CHAIN,
      checkContent: () => {
        throw new ValidationError('reject', 'invalid-content', 'reveal does not match commitment')
      },
    })
    expect(refusing.validate(inferences, bytesOf())).toMatchObject({
      action: 'reject',
      code: 'invalid-content',
      reason: 'reveal does not match commitment',
    })
    const buggy = new EnvelopeValidator({
      chainId: CHAIN,
      checkEpoch: () => {
        throw new TypeError('oops')
      },
    })
    expect(buggy.validate(inferences, bytesOf())).toMatchObject({ action: 'ignore', code: 'internal-error' })
  })

  it('does not let a forged message fill a signer slot', () => {
    const v = new EnvelopeValidator({ chainId: CHAIN })
    const good = bytesOf({ epoch: 3 })
    const forged = new Uint8Array(good)
    forged[forged.length - 1] ^= 1 // last byte of the signature
    expect(v.validate(inferences, forged)).toMatchObject({ action: 'reject', code: 'bad-signature' })
    expect(v.validate(inferences, good)).toMatchObject({ action: 'accept' })
  })

  it('delivers a conflicting vote as equivocation evidence instead of rejecting it', () => {
    const v = new EnvelopeValidator({ chainId: CHAIN })
    const consensus = { kind: 'consensus' as const, topicId: '' }
    const vote = (hash: number): Uint8Array =>
      bytesOf({
        type: 'vote',
        topicId: '',
        epoch: 4,
        payload: { height: 4, round: 0, step: 'prevote', blockHash: new Uint8Array(32).fill(hash) },
      } as Partial<UnsignedEnvelope>)
    expect(v.validate(consensus, vote(1))).toMatchObject({ action: 'accept', code: 'ok' })
    expect(v.validate(consensus, vote(2))).toMatchObject({ action: 'accept', code: 'equivocation' })
    expect(v.validate(consensus, vote(2))).toMatchObject({ action: 'reject', code: 'duplicate' })
  })
})

describe('EnvelopeValidator slots over time', () => {
  it('forgets the slots of the epochs the policy calls past, and only those', () => {
    let pastBefore = 0
    const asked: MessageRef[] = []
    const v = new EnvelopeValidator({
      chainId: CHAIN,
      isPast: (m) => {
        asked.push(m)
        return m.epoch < pastBefore
      },
    })
    const old = bytesOf({ epoch: 0 })
    expect(v.validate(inferences, old)).toMatchObject({ action: 'accept', code: 'ok' })
    for (let e = 1; e < SLOT_SWEEP_EVERY; e++) v.validate(inferences, bytesOf({ epoch: e }))
    expect(v.slotsHeld).toBe(SLOT_SWEEP_EVERY) // the sweep found nothing past
    expect(asked[0]).toEqual({ type: 'inference', topicId: 't1', epoch: 0 })
    pastBefore = 200
    for (let e = SLOT_SWEEP_EVERY; e < 2 * SLOT_SWEEP_EVERY; e++) v.validate(inferences, bytesOf({ epoch: e }))
    expect(v.slotsHeld).toBe(2 * SLOT_SWEEP_EVERY - 200)
    // A slot still current keeps turning replays down; a forgotten one no longer can.
    expect(v.validate(inferences, bytesOf({ epoch: 300 }))).toMatchObject({ action: 'reject', code: 'duplicate' })
    expect(v.validate(inferences, old)).toMatchObject({ action: 'accept', code: 'ok' })
  })

  it('keeps every slot without the hook, up to its capacity, oldest out first', () => {
    const v = new EnvelopeValidator({ chainId: CHAIN }, { slotCapacity: 300 })
    for (let e = 0; e < 2 * SLOT_SWEEP_EVERY; e++) v.validate(inferences, bytesOf({ epoch: e }))
    expect(v.slotsHeld).toBe(300)
    expect(v.validate(inferences, bytesOf({ epoch: 2 * SLOT_SWEEP_EVERY - 300 }))).toMatchObject({ code: 'duplicate' })
    expect(v.validate(inferences, bytesOf({ epoch: 0 }))).toMatchObject({ action: 'accept', code: 'ok' })
  })

  it('keeps a slot filled by an equivocation in the group of its first message', () => {
    let pastBefore = 0
    const v = new EnvelopeValidator({ chainId: CHAIN, isPast: (m) => m.epoch < pastBefore })
    const consensus = { kind: 'consensus' as const, topicId: '' }
    const vote = (epoch: number, hash: number): Uint8Array =>
      bytesOf({
        type: 'vote',
        topicId: '',
        epoch,
        payload: { height: 4, round: 0, step: 'prevote', blockHash: new Uint8Array(32).fill(hash) },
      } as Partial<UnsignedEnvelope>)
    expect(v.validate(consensus, vote(4, 1))).toMatchObject({ code: 'ok' })
    // The same slot (height 4, round 0, prevote) under another envelope epoch is still that slot.
    expect(v.validate(consensus, vote(9, 2))).toMatchObject({ code: 'equivocation' })
    expect(v.validate(consensus, vote(9, 3))).toMatchObject({ action: 'reject', code: 'duplicate' })
    pastBefore = 5
    for (let e = 0; e < SLOT_SWEEP_EVERY; e++) v.validate(inferences, bytesOf({ epoch: 100 + e }))
    expect(v.validate(consensus, vote(9, 3))).toMatchObject({ action: 'accept', code: 'ok' })
  })

  it('leaves the slots to the capacity when the hook throws', () => {
    const v = new EnvelopeValidator({
      chainId: CHAIN,
      isPast: () => {
        throw new Error('oops')
      },
    })
    for (let e = 0; e < SLOT_SWEEP_EVERY + 1; e++)
      expect(v.validate(inferences, bytesOf({ epoch: e }))).toMatchObject({ action: 'accept' })
    expect(v.slotsHeld).toBe(SLOT_SWEEP_EVERY + 1)
  })
})

describe('numbers in inferences, forecasts and loss bundles', () => {
  const id = (n: number): string => n.toString(16).padStart(64, '0')
  const bundle = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    network: -1,
    naive: -1.5,
    inferers: { [id(1)]: -2 },
    forecasters: {},
    oneOutInferers: {},
    oneOutForecasters: {},
    oneInForecasters: {},
    oneOutInfererForecasters: { rows: [id(2)], cols: [id(1)], values: Float64Array.of(Number.NaN) },
    ...over,
  })
  const losses = { kind: 'losses' as const, topicId: 't1' }
  const forecasts = { kind: 'forecasts' as const, topicId: 't1' }
  const validate = (type: 'forecast' | 'loss-bundle', payload: Record<string, unknown>) =>
    new EnvelopeValidator({ chainId: CHAIN }).validate(
      type === 'forecast' ? forecasts : losses,
      bytesOf({ type, payload } as Partial<UnsignedEnvelope>),
    )

  it('accepts values in the range of log10 losses, NaN for an absent table entry', () => {
    expect(validate('loss-bundle', bundle())).toMatchObject({ action: 'accept' })
    expect(
      validate('loss-bundle', bundle({ network: LOG10_LOSS_RANGE.max, naive: LOG10_LOSS_RANGE.min })),
    ).toMatchObject({ action: 'accept' })
    expect(validate('forecast', { losses: { [id(1)]: -3 } })).toMatchObject({ action: 'accept' })
  })

  it('rejects a number no loss has as its log10 (it would fail the epoch for everyone)', () => {
    expect(validate('forecast', { losses: { [id(1)]: 1e155 } })).toMatchObject({
      action: 'reject',
      code: 'bad-payload',
    })
    // At most MAX_ELEMENTS_PER_FORECAST elements: each costs every coordinator a one-out recomputation.
    const elements = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [id(i + 1), -1]))
    expect(validate('forecast', { losses: elements(MAX_ELEMENTS_PER_FORECAST) })).toMatchObject({ action: 'accept' })
    expect(validate('forecast', { losses: elements(MAX_ELEMENTS_PER_FORECAST + 1) })).toMatchObject({
      action: 'reject',
      code: 'bad-payload',
    })
    expect(validate('loss-bundle', bundle({ network: 1e300 }))).toMatchObject({ action: 'reject', code: 'bad-payload' })
    expect(validate('loss-bundle', bundle({ inferers: { [id(1)]: -400 } }))).toMatchObject({
      action: 'reject',
      code: 'bad-payload',
    })
    const table = { rows: [id(2)], cols: [id(1)], values: Float64Array.of(1e300) }
    expect(validate('loss-bundle', bundle({ oneOutInfererForecasters: table }))).toMatchObject({
      action: 'reject',
      code: 'bad-payload',
    })
  })

  it('rejects an inference near the largest double (a weighted sum of it would overflow)', () => {
    expect(
      new EnvelopeValidator({ chainId: CHAIN }).validate(inferences, bytesOf({ payload: { value: -1e300 } })),
    ).toMatchObject({ action: 'accept' })
    expect(
      new EnvelopeValidator({ chainId: CHAIN }).validate(inferences, bytesOf({ payload: { value: 1.7e308 } })),
    ).toMatchObject({ action: 'reject', code: 'bad-payload' })
    expect(
      new EnvelopeValidator({ chainId: CHAIN }).validate(inferences, bytesOf({ payload: { value: [1, -1e301] } })),
    ).toMatchObject({ action: 'reject', code: 'bad-payload' })
  })

  it("uses the synthesis engine's ranges", () => {
    expect(LOG10_LOSS_RANGE).toEqual({ min: LOG10_LOSS_MIN, max: LOG10_LOSS_MAX })
    expect(INFERENCE_LIMIT).toBe(ENGINE_INFERENCE_LIMIT)
    // Every positive finite double has its log10 inside.
    expect(Math.log10(Number.MIN_VALUE)).toBeGreaterThan(LOG10_LOSS_MIN)
    expect(Math.log10(Number.MAX_VALUE)).toBeLessThan(LOG10_LOSS_MAX)
  })
})
