import { describe, expect, it } from 'vitest'
import { TopicHistory } from '../../../src/roles/history.js'
import type { LossBundle } from '../../../src/synthesis/types.js'

describe('topic history', () => {
  it('gives a worker the truth known at its epoch (the lag)', () => {
    const h = new TopicHistory({ topicId: 't', groundTruthLag: 2 })
    for (let e = 0; e < 10; e++) h.addTruth(e, e * 10)
    const ctx = h.context(10, 'w0')
    expect(ctx.truth.map((p) => p.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    expect(ctx).toMatchObject({ topicId: 't', epoch: 10, self: 'w0' })
    expect(new TopicHistory({ topicId: 't' }).context(0, 'w0').truth).toEqual([])
  })

  it('accepts points in any order, replaces duplicates and keeps only the newest `limit`', () => {
    const h = new TopicHistory({ topicId: 't', limit: 3 })
    for (const e of [4, 1, 3, 2, 0]) h.addTruth(e, e)
    h.addTruth(3, 33)
    h.addTruth(9, Number.NaN)
    expect(h.context(10, 'w').truth).toEqual([
      { epoch: 2, value: 2 },
      { epoch: 3, value: 33 },
      { epoch: 4, value: 4 },
    ])
  })

  it('lists the last decided epoch inferers without self, past inferences and settled losses', () => {
    const h = new TopicHistory({ topicId: 't', lossFunction: 'absolute-error' })
    h.addDecided(5, 1.5, { w1: 1, w0: 2, w2: 3 })
    h.addDecided(6, 2.5, ['w0', 'w3'])
    const bundle = { network: -1, naive: -0.5, inferers: { w0: -2, w1: -0.5 } } as unknown as LossBundle
    h.addSettled(5, bundle)
    const ctx = h.context(7, 'w0')
    expect(ctx.inferers).toEqual(['w3'])
    expect(ctx.networkInferences).toEqual([
      { epoch: 5, value: 1.5 },
      { epoch: 6, value: 2.5 },
    ])
    expect(ctx.inferences).toEqual([{ epoch: 5, values: { w1: 1, w0: 2, w2: 3 } }])
    expect(ctx.inferenceLosses).toEqual([{ epoch: 5, losses: { w0: -2, w1: -0.5, network: -1 } }])
    expect(ctx.lossFunction).toBe('absolute-error')
    // Nothing from the epoch being answered or later.
    expect(h.context(6, 'w0').inferers).toEqual(['w1', 'w2'])
    expect(h.context(6, 'w0').networkInferences).toHaveLength(1)
  })

  it('rejects a bad lag or limit', () => {
    expect(() => new TopicHistory({ topicId: 't', groundTruthLag: 0 })).toThrow(/groundTruthLag/)
    expect(() => new TopicHistory({ topicId: 't', limit: 0 })).toThrow(/limit/)
  })
})
