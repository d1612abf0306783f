import { describe, expect, it } from 'vitest'
import { rescheduled, uniformSchedule } from '../../../src/topic/epoch-schedule.js'
import { parseTopicConfig } from '../../../src/topic/config.js'
import { epochClosesAt } from '../../../src/topic/windows.js'

const GENESIS = 1_700_000_000_000

describe('when a block may take an epoch', () => {
  it('at the end of the submission window plus the grace, so its block can commit before the next epoch opens', () => {
    const config = parseTopicConfig({ id: 't', name: 't', epochMs: 400, groundTruth: 'synthetic:1' }, 'test')
    const s = uniformSchedule(GENESIS, 400)
    // Window 60% of 400 ms, grace 40 ms.
    expect(epochClosesAt(s, config, 0)).toBe(GENESIS + 240 + 40)
    expect(epochClosesAt(s, config, 5)).toBe(GENESIS + 5 * 400 + 240 + 40)
    expect(epochClosesAt(s, config, 5)).toBeLessThan(GENESIS + 6 * 400)
  })

  it('on a commit-reveal topic at the end of the epoch plus the grace (the reveals come after the window)', () => {
    const config = parseTopicConfig(
      { id: 't', name: 't', epochMs: 400, groundTruth: 'synthetic:1', commitReveal: true },
      'test',
    )
    expect(epochClosesAt(uniformSchedule(GENESIS, 400), config, 2)).toBe(GENESIS + 3 * 400 + 40)
  })

  it('with the window scaled to the epoch length of its segment of the schedule', () => {
    const config = parseTopicConfig(
      { id: 't', name: 't', epochMs: 1000, submissionWindowMs: 500, groundTruth: 'synthetic:1' },
      'test',
    )
    const s = rescheduled(uniformSchedule(GENESIS, 1000), 10, 2000)
    expect(epochClosesAt(s, config, 9)).toBe(GENESIS + 9000 + 500 + 100)
    expect(epochClosesAt(s, config, 10)).toBe(GENESIS + 10_000 + 1000 + 100)
  })
})
