import { describe, expect, it } from 'vitest'
import {
  epochAtTime,
  epochEnd,
  epochStart,
  rescheduled,
  sameSchedule,
  uniformSchedule,
} from '../../../src/topic/epoch-schedule.js'
import { EpochClock } from '../../../src/topic/epoch-clock.js'

const G = 1_000_000

describe('epoch schedules', () => {
  it('times epochs by one length from genesis', () => {
    const s = uniformSchedule(G, 250)
    expect(epochStart(s, 0)).toBe(G)
    expect(epochEnd(s, 3)).toBe(G + 1000)
    expect(epochAtTime(s, G + 999)).toBe(3)
    expect(epochAtTime(s, G + 1000)).toBe(4)
    expect(epochAtTime(s, G - 1)).toBe(-1)
  })

  it('changes the length from an epoch on, keeping every earlier epoch and that epoch’s start', () => {
    const before = uniformSchedule(G, 250)
    const after = rescheduled(before, 10, 600)
    for (let e = 0; e <= 10; e++) expect(epochStart(after, e)).toBe(epochStart(before, e))
    expect(epochEnd(after, 9) - epochStart(after, 9)).toBe(250)
    expect(epochEnd(after, 10) - epochStart(after, 10)).toBe(600)
    expect(epochEnd(after, 10)).toBe(G + 2500 + 600)
    expect(epochStart(after, 13)).toBe(G + 2500 + 1800)
    // Time → epoch is the inverse on both sides of the change.
    for (let e = 0; e < 20; e++) {
      expect(epochAtTime(after, epochStart(after, e))).toBe(e)
      expect(epochAtTime(after, epochEnd(after, e) - 1)).toBe(e)
    }
    // A second change drops nothing before it and replaces one from the same epoch on.
    const again = rescheduled(after, 15, 100)
    expect(again).toHaveLength(3)
    expect(epochStart(again, 15)).toBe(epochStart(after, 15))
    expect(rescheduled(again, 15, 300)).toHaveLength(3)
    expect(sameSchedule(rescheduled(again, 12, 300), again)).toBe(false)
    expect(() => rescheduled(after, 20, 0)).toThrow(/positive/)
  })

  it('moves a clock onto a new schedule', () => {
    let now = G + 2600
    const clock = new EpochClock(G, 250, () => now)
    expect(clock.current()).toBe(10)
    expect(clock.follow(rescheduled(clock.schedule, 12, 1000))).toBe(true)
    expect(clock.follow(clock.schedule)).toBe(false)
    now = epochStart(clock.schedule, 12) + 999
    expect(clock.current()).toBe(12)
    expect(clock.endOf(12)).toBe(G + 3000 + 1000)
    expect(clock.epochMs).toBe(250)
  })
})
