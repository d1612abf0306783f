import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Committee, CommitteeError } from '../../../../src/consensus/bft/index.js'
import { committeeOf } from './helpers.js'

describe('Committee thresholds', () => {
  it('quorum is the smallest power above 2/3, oneThird the smallest above 1/3 (any powers)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 12 }), (powers) => {
        const c = committeeOf(...powers)
        const t = powers.reduce((a, b) => a + b, 0)
        expect(c.total).toBe(t)
        expect(3 * c.quorum).toBeGreaterThan(2 * t)
        expect(3 * (c.quorum - 1)).toBeLessThanOrEqual(2 * t)
        expect(3 * c.oneThird).toBeGreaterThan(t)
        expect(3 * (c.oneThird - 1)).toBeLessThanOrEqual(t)
      }),
    )
  })

  it('matches 2f+1 and f+1 on n = 3f+1 equal members', () => {
    for (const f of [1, 2, 3, 10]) {
      const c = committeeOf(...Array<number>(3 * f + 1).fill(1))
      expect([c.quorum, c.oneThird]).toEqual([2 * f + 1, f + 1])
    }
  })

  it('unequal stakes: [5, 3, 2, 2, 1] needs 9 for a quorum and 5 to prove an honest member', () => {
    const c = committeeOf(5, 3, 2, 2, 1)
    expect([c.total, c.quorum, c.oneThird]).toEqual([13, 9, 5])
    // The heaviest member alone is more than a third: its vote in a higher round is enough to follow.
    expect(c.power('0a')).toBeGreaterThanOrEqual(c.oneThird)
  })

  it('stays exact near 2^53', () => {
    const big = 2 ** 51
    const c = committeeOf(big, big, big)
    expect(c.quorum).toBe(2 * big + 1)
    expect(c.oneThird).toBe(big + 1)
  })

  it('sorts ids and reports non-members as power 0', () => {
    const c = new Committee({ ff: 1, '0a': 2, b1: 3 })
    expect(c.ids).toEqual(['0a', 'b1', 'ff'])
    expect(c.power('cc')).toBe(0)
    expect(c.has('cc')).toBe(false)
  })

  it('rejects empty committees, bad ids and bad powers', () => {
    expect(() => new Committee({})).toThrow(CommitteeError)
    expect(() => new Committee({ XY: 1 })).toThrow(/lowercase hex/)
    expect(() => new Committee({ aa: 0 })).toThrow(/positive integer/)
    expect(() => new Committee({ aa: 1.5 })).toThrow(/positive integer/)
    expect(() => new Committee({ aa: 2 ** 53, bb: 2 ** 53 })).toThrow(CommitteeError)
  })
})
