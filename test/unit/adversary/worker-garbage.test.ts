/**
 * The garbage worker: what it sends in place of each honest message, and what a peer's
 * validator makes of every piece of it.
 */
import { describe, expect, it } from 'vitest'
import { GARBAGE_VERDICTS, garbageFor, garbageWorker } from '../../../src/adversary/worker-garbage.js'
import { commitmentOf, newSalt } from '../../../src/topic/commit-reveal.js'
import { encodeEnvelope, type UnsignedEnvelope } from '../../../src/wire/index.js'
import {
  CHAIN,
  GENESIS_MS,
  peerValidator,
  RecordingNode,
  topicOn,
  unsignedForecast,
  unsignedInference,
  verdicts,
} from './helpers.js'

const EPOCH = 5
/** Inside epoch 5's submission window. */
const now = () => GENESIS_MS + EPOCH * 1000 + 50

describe('a garbage worker', () => {
  it('sends only garbage for an inference, every piece turned down by a peer with the verdict it was made for', async () => {
    const node = await RecordingNode.create()
    const publisher = garbageWorker(node)
    const honest = unsignedInference(EPOCH, 101.5)
    await publisher.publish(honest)
    expect(node.sent.every((s) => s.via === 'raw')).toBe(true)
    const kinds = garbageFor(honest, node.participantId).map((g) => g.kind)
    expect(kinds).toEqual([
      'nan',
      'infinite',
      'huge',
      'not-a-number',
      'extra-field',
      'wrong-chain',
      'bad-signature',
      'far-epoch',
      'old-epoch',
    ])
    const validator = peerValidator(topicOn(now))
    expect(verdicts(validator, node.sent)).toEqual(kinds.map((k) => GARBAGE_VERDICTS[k]))
    // None of it filled the worker's slot: a valid inference of the epoch is still taken.
    expect(verdicts(validator, [{ ...node.sent[0], bytes: encodeEnvelope(node.sign(honest)) }])).toEqual(['accept:ok'])
  })

  it('is turned down even when it runs late, well into the next epoch', async () => {
    const node = await RecordingNode.create()
    await garbageWorker(node).publish(unsignedInference(EPOCH, 101.5))
    await garbageWorker(node).publish(unsignedForecast(EPOCH, { ['ab'.repeat(32)]: -1 }))
    const late = () => GENESIS_MS + (EPOCH + 1) * 1000 + 900
    const got = verdicts(peerValidator(topicOn(late)), node.sent)
    expect(got.filter((v) => v.startsWith('accept'))).toEqual([])
  })

  it('sends garbage forecasts and commitments the same way', async () => {
    const node = await RecordingNode.create()
    const publisher = garbageWorker(node)
    const other = 'ab'.repeat(32)
    await publisher.publish(unsignedForecast(EPOCH, { [other]: -1.25 }))
    const commitment = commitmentOf('t1', EPOCH, node.participantId, 3, newSalt())
    const commit: UnsignedEnvelope<'inference-commit'> = {
      type: 'inference-commit',
      chainId: CHAIN,
      topicId: 't1',
      epoch: EPOCH,
      nonce: new Uint8Array(0),
      payload: { commitment },
    }
    await publisher.publish(commit)
    const got = verdicts(peerValidator(topicOn(now, true)), node.sent)
    expect(got.filter((v) => v === 'reject:bad-payload')).toHaveLength(5)
    expect(got.every((v) => v.startsWith('reject:') || v.startsWith('ignore:'))).toBe(true)
    expect(new Set(got)).toEqual(
      new Set([
        'reject:bad-payload',
        'reject:wrong-chain',
        'reject:bad-signature',
        'ignore:epoch-too-far',
        'ignore:epoch-too-old',
      ]),
    )
  })

  it('draws the same garbage from the same signer and epoch, other garbage for another epoch', async () => {
    const node = await RecordingNode.create()
    const a = garbageFor(unsignedInference(EPOCH, 7), node.participantId)
    const b = garbageFor(unsignedInference(EPOCH, 7), node.participantId)
    const c = garbageFor(unsignedInference(EPOCH + 1, 7), node.participantId)
    expect(b).toEqual(a)
    expect(c.map((g) => g.unsigned.payload)).not.toEqual(a.map((g) => g.unsigned.payload))
  })

  it('has no old-epoch garbage at epoch 0, and leaves transactions alone', async () => {
    const node = await RecordingNode.create()
    expect(garbageFor(unsignedInference(0, 1), node.participantId).map((g) => g.kind)).not.toContain('old-epoch')
    const tx: UnsignedEnvelope<'tx'> = {
      type: 'tx',
      chainId: CHAIN,
      topicId: '',
      epoch: 0,
      nonce: new Uint8Array(0),
      payload: { kind: 'stake', accountNonce: 0, body: { amount: '1' } },
    }
    await garbageWorker(node).publish(tx)
    expect(node.sent.map((s) => s.via)).toEqual(['publish'])
  })
})
