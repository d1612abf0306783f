/**
 * The flooding worker: its honest message first, then many more for the same slot and the
 * epochs ahead; a peer takes one per slot, delivers the first conflicting one (the evidence
 * that slashes the worker) and turns the rest down.
 */
import { describe, expect, it } from 'vitest'
import { floodFor, floodingWorker } from '../../../src/adversary/worker-flood.js'
import { decodeEnvelope } from '../../../src/wire/index.js'
import {
  GENESIS_MS,
  peerValidator,
  RecordingNode,
  topicOn,
  unsignedForecast,
  unsignedInference,
  verdicts,
} from './helpers.js'

const EPOCH = 5
const now = () => GENESIS_MS + EPOCH * 1000 + 50

describe('a flooding worker', () => {
  it('sends its inference first, then perSlot other values, perSlot replays and one per epoch ahead', async () => {
    const node = await RecordingNode.create()
    await floodingWorker(node, { perSlot: 10, epochsAhead: 4 }).publish(unsignedInference(EPOCH, 100))
    expect(node.sent).toHaveLength(1 + 10 + 10 + 4)
    expect(node.sent[0].via).toBe('publish')
    expect(decodeEnvelope(node.sent[0].bytes).payload).toEqual({ value: 100 })
    const got = verdicts(peerValidator(topicOn(now)), node.sent)
    // One message per slot: the honest one for epoch 5, the first ahead for epoch 6.
    expect(got[0]).toBe('accept:ok')
    expect(got.slice(1, 21)).toEqual(['accept:equivocation', ...Array(19).fill('reject:duplicate')])
    expect(got.slice(21)).toEqual(['accept:ok', 'ignore:epoch-too-far', 'ignore:epoch-too-far', 'ignore:epoch-too-far'])
    const accepted = node.sent.filter((_, i) => got[i] === 'accept:ok').map((s) => decodeEnvelope(s.bytes).epoch)
    expect(accepted).toEqual([EPOCH, EPOCH + 1])
  })

  it('floods forecasts the same way, every one of them a valid forecast', async () => {
    const node = await RecordingNode.create()
    const other = 'cd'.repeat(32)
    await floodingWorker(node, { perSlot: 6, epochsAhead: 2 }).publish(unsignedForecast(EPOCH, { [other]: -2 }))
    const got = verdicts(peerValidator(topicOn(now)), node.sent)
    expect(got.filter((v) => v === 'accept:ok')).toHaveLength(2)
    expect(got.filter((v) => v === 'accept:equivocation')).toHaveLength(1)
    expect(got.filter((v) => v === 'reject:duplicate')).toHaveLength(11)
    expect(got.filter((v) => v === 'ignore:epoch-too-far')).toHaveLength(1)
  })

  it('makes every replay a distinct message (fresh nonce), so gossip de-duplication cannot drop it', async () => {
    const node = await RecordingNode.create()
    const flood = floodFor(unsignedInference(EPOCH, 1), node.participantId, { perSlot: 5, epochsAhead: 0 })
    const replays = flood.filter((m) => m.kind === 'replay')
    expect(replays).toHaveLength(5)
    expect(new Set(replays.map((m) => Buffer.from(m.unsigned.nonce).toString('hex'))).size).toBe(5)
    expect(replays.every((m) => (m.unsigned.payload as { value: number }).value === 1)).toBe(true)
    const values = flood
      .filter((m) => m.kind === 'other-value')
      .map((m) => (m.unsigned.payload as { value: number }).value)
    expect(values.every((v) => v !== 1 && Math.abs(v - 1) <= 1.5)).toBe(true)
  })
})
