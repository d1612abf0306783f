/**
 * The late worker: its honest messages held until the peers' window has closed, so a peer
 * ignores every one of them as too old.
 */
import { describe, expect, it } from 'vitest'
import { lateAt, lateWorker } from '../../../src/adversary/worker-late.js'
import { graceMs } from '../../../src/topic/windows.js'
import type { UnsignedEnvelope } from '../../../src/wire/index.js'
import { FakeClock, flush } from '../../utils/fake-clock.js'
import { GENESIS_MS, peerValidator, RecordingNode, topicOn, unsignedInference, verdicts } from './helpers.js'

const EPOCH = 5

describe('a late worker', () => {
  it('sends its inference only past the window and its grace, where a peer ignores it as too old', async () => {
    const clock = new FakeClock(GENESIS_MS + EPOCH * 1000 + 20)
    const topic = topicOn(clock.now)
    const node = await RecordingNode.create()
    const publisher = lateWorker(node, topic, clock.scheduler())
    let done = false
    void publisher.publish(unsignedInference(EPOCH, 42)).then(() => (done = true))
    const at = lateAt(topic, { type: 'inference', epoch: EPOCH })
    // The last moment a peer still takes it: the end of the window plus the grace.
    const lastOnTime = topic.clock.startOf(EPOCH) + topic.config.submissionWindowMs + graceMs(topic.config)
    expect(at).toBeGreaterThan(lastOnTime)
    clock.advance(lastOnTime - clock.now())
    await flush()
    expect(node.sent).toHaveLength(0)
    expect(verdicts(peerValidator(topic), [await onTimeCopy(EPOCH)])).toEqual(['accept:ok'])
    clock.advance(at - clock.now())
    await flush()
    expect(done).toBe(true)
    expect(node.sent).toHaveLength(1)
    expect(verdicts(peerValidator(topic), node.sent)).toEqual(['ignore:epoch-too-old'])
  })

  it('holds a reveal past the epoch end, and drops what is held when its scheduler is cleared', async () => {
    const clock = new FakeClock(GENESIS_MS + EPOCH * 1000 + 20)
    const topic = topicOn(clock.now, true)
    expect(lateAt(topic, { type: 'inference', epoch: EPOCH })).toBeGreaterThan(topic.clock.endOf(EPOCH))
    expect(lateAt(topic, { type: 'inference-commit', epoch: EPOCH })).toBeLessThan(topic.clock.endOf(EPOCH))
    const node = await RecordingNode.create()
    const scheduler = clock.scheduler()
    void lateWorker(node, topic, scheduler).publish(unsignedInference(EPOCH, 1))
    scheduler.clear()
    clock.advance(2000)
    await flush()
    expect(node.sent).toHaveLength(0)
  })

  it('sends what is not a worker message at once', async () => {
    const clock = new FakeClock(GENESIS_MS)
    const node = await RecordingNode.create()
    const tx: UnsignedEnvelope<'tx'> = {
      type: 'tx',
      chainId: node.chainId,
      topicId: '',
      epoch: 0,
      nonce: new Uint8Array(0),
      payload: { kind: 'stake', accountNonce: 0, body: { amount: '1' } },
    }
    await lateWorker(node, topicOn(clock.now), clock.scheduler()).publish(tx)
    expect(node.sent).toHaveLength(1)
  })
})

/** The same inference sent by another signer at this moment: still on time. */
async function onTimeCopy(epoch: number) {
  const other = await RecordingNode.create()
  await other.publish(unsignedInference(epoch, 42))
  return other.sent[0]
}
