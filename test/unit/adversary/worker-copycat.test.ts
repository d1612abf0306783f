/**
 * The copycat worker: whom it copies, and what it answers with when the victim's value of the
 * epoch arrives in time, when it does not, and on a commit-reveal topic.
 */
import { describe, expect, it } from 'vitest'
import { adversaryFor } from '../../../src/adversary/index.js'
import { CopycatModel, LiveInferences, staleValueOf, victimOf } from '../../../src/adversary/worker-copycat.js'
import type { ModelContext, WorkerModel } from '../../../src/roles/plugins.js'
import { decodeEnvelope, messageId, topicChannel } from '../../../src/wire/index.js'
import { FakeClock, flush } from '../../utils/fake-clock.js'
import { contextOf } from '../roles/helpers.js'
import { GENESIS_MS, RecordingNode, topicOn, unsignedInference } from './helpers.js'

const EPOCH = 5
const A = 'aa'.repeat(32)
const B = 'bb'.repeat(32)
const ME = 'ee'.repeat(32)

const honestModel: WorkerModel = { name: 'own', infer: () => -1, forecast: () => ({ [A]: -2 }) }

/** `best` (B unless told) has the lower recent loss; A answered last epoch too. */
function context(best = B): ModelContext {
  return contextOf([1, 2, 3, 4, 5], {
    epoch: EPOCH,
    self: ME,
    inferers: [A, best],
    inferenceLosses: [
      { epoch: 2, losses: { network: -9, [A]: -1, [best]: -2, [ME]: -5 } },
      { epoch: 3, losses: { network: -9, [A]: -1.5, [best]: -1.8, [ME]: -5 } },
    ],
    inferences: [
      { epoch: 3, values: { [A]: 30, [best]: 31 } },
      { epoch: 4, values: { [A]: 40, [best]: 41 } },
    ],
  })
}

describe('a copycat worker', () => {
  it('picks the other inferer with the lowest recent consensus loss, never itself or the network', () => {
    expect(victimOf(context())).toBe(B)
    expect(victimOf(contextOf([1], { self: ME, inferers: [B, A, ME] }))).toBe(A)
    expect(victimOf(contextOf([1], { self: ME, inferers: [ME] }))).toBeUndefined()
    expect(staleValueOf(context(), B)).toBe(41)
  })

  it("answers with the victim's value of the epoch when it arrives in time", async () => {
    const clock = new FakeClock(GENESIS_MS + EPOCH * 1000 + 5)
    const topic = topicOn(clock.now)
    const node = await RecordingNode.create()
    const live = LiveInferences.listen(node, 't1', clock.scheduler())
    const model = new CopycatModel(honestModel, topic, live)
    const victim = await RecordingNode.create()
    const bystander = await RecordingNode.create()
    const answer = model.infer(context(victim.participantId))
    await bystander.publish(unsignedInference(EPOCH, 12))
    deliver(node, bystander)
    await victim.publish(unsignedInference(EPOCH, 55.5))
    deliver(node, victim)
    expect(await answer).toBe(55.5)
    expect(await model.forecast(context())).toEqual({ [A]: -2 })
  })

  it("falls back to the victim's latest committed value when the epoch's does not come in time", async () => {
    const clock = new FakeClock(GENESIS_MS + EPOCH * 1000 + 5)
    const topic = topicOn(clock.now)
    const node = await RecordingNode.create()
    const model = new CopycatModel(honestModel, topic, LiveInferences.listen(node, 't1', clock.scheduler()))
    let answer: number | undefined
    void model.infer(context()).then((v) => (answer = v))
    // The copier waits half the submission window (300 ms of 600), not longer.
    clock.advance(294)
    await flush()
    expect(answer).toBeUndefined()
    clock.advance(1)
    await flush()
    expect(answer).toBe(41)
    // Nobody to copy: its own model.
    expect(await model.infer(contextOf([1], { self: ME, inferers: [ME] }))).toBe(-1)
  })

  it('listens to inferences only on a plain topic (reveals come too late to copy on a commit-reveal one)', async () => {
    const adversary = adversaryFor('worker', 'copycat')
    const clock = new FakeClock(GENESIS_MS)
    for (const commitReveal of [false, true]) {
      const node = await RecordingNode.create()
      const parts = adversary.worker({ publisher: node, model: honestModel }, node, topicOn(clock.now, commitReveal))
      expect(parts.publisher).toBe(node)
      expect(parts.model.name).toBe('copycat(own)')
      expect(node.handlers.has(topicChannel('t1', 'inferences'))).toBe(!commitReveal)
      await parts.model.close?.()
    }
  })
})

/** Hand `from`'s last message to `to` as its gossip would. */
function deliver(to: RecordingNode, from: RecordingNode): void {
  const bytes = from.sent.at(-1)!.bytes
  const channel = topicChannel('t1', 'inferences')
  to.handlers.get(channel)!({ envelope: decodeEnvelope(bytes), id: messageId(bytes), channel, bytes })
}
