import { describe, expect, it } from 'vitest'
import { TruthFeed, type TruthPoint } from '../../../src/api/truth-feed.js'

describe('TruthFeed', () => {
  it('announces each truth once, when the source knows it, and asks again after later blocks', async () => {
    const known = new Map<number, number>([[0, 1.5]])
    const asked: number[] = []
    const heard: TruthPoint[] = []
    const feed = new TruthFeed(
      (_t, e) => {
        asked.push(e)
        return known.get(e)
      },
      (p) => heard.push(p),
    )
    await feed.want([
      { topic: 't', epoch: 0 },
      { topic: 't', epoch: 1 },
      { topic: 't', epoch: 2 },
    ])
    // Epoch 1 is not known: epoch 2 is not asked either (a truth comes in epoch order).
    expect(asked).toEqual([0, 1])
    expect(heard).toEqual([{ topic: 't', epoch: 0, value: 1.5 }])
    known.set(1, 2.5).set(2, 3.5)
    await feed.want([{ topic: 't', epoch: 0 }])
    expect(heard.map((p) => p.epoch)).toEqual([0, 1, 2])
    expect(feed.points().map((p) => p.value)).toEqual([1.5, 2.5, 3.5])
  })

  it('keeps what a failing or slow source costs bounded, and gives up the oldest epochs', async () => {
    let fail = true
    const errors: unknown[] = []
    const feed = new TruthFeed(
      async (_t, e) => {
        if (fail) throw new Error('source down')
        return e * 10
      },
      () => {},
      3,
      (err) => errors.push(err),
    )
    await feed.want([0, 1, 2, 3, 4].map((epoch) => ({ topic: 't', epoch })))
    // One failed read per pass, not one per epoch.
    expect(errors).toHaveLength(1)
    fail = false
    await feed.want([])
    // Only the last three epochs were still waiting, and only three are kept.
    expect(feed.points().map((p) => p.epoch)).toEqual([2, 3, 4])
    await feed.want([{ topic: 't', epoch: 5 }])
    expect(feed.points().map((p) => p.epoch)).toEqual([3, 4, 5])
  })

  it('answers a call made while a pass runs once that pass and the next are done', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => (release = r))
    const feed = new TruthFeed(
      async (_t, e) => {
        if (e === 0) await gate
        return e
      },
      () => {},
    )
    const first = feed.want([{ topic: 't', epoch: 0 }])
    const second = feed.want([{ topic: 't', epoch: 1 }])
    release()
    await Promise.all([first, second])
    expect(feed.points().map((p) => p.epoch)).toEqual([0, 1])
  })
})
