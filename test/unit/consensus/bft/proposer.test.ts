import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Committee, proposer, proposerSchedule } from '../../../../src/consensus/bft/index.js'
import { committeeOf } from './helpers.js'

/** The slot order spelled out: every (member, j) slot at time (2j+1)/(2w), sorted by (time, id). */
function bruteForce(c: Committee): string[] {
  const slots: { id: string; num: number; den: number }[] = []
  for (const id of c.ids) for (let j = 0; j < c.power(id); j++) slots.push({ id, num: 2 * j + 1, den: 2 * c.power(id) })
  slots.sort((x, y) => x.num * y.den - y.num * x.den || (x.id < y.id ? -1 : 1))
  return slots.map((s) => s.id)
}

const smallCommittee = fc
  .array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 7 })
  .map((p) => committeeOf(...p))

describe('proposer rotation', () => {
  it('equal stakes rotate in id order, one member per round', () => {
    const c = committeeOf(1, 1, 1, 1)
    expect(proposerSchedule(c, 0, 8)).toEqual(['0a', '0b', '0c', '0d', '0a', '0b', '0c', '0d'])
    expect(proposer(c, 1, 0)).toBe('0b')
  })

  it('equals the spelled-out slot order on random committees', () => {
    fc.assert(
      fc.property(smallCommittee, (c) => {
        const expected = bruteForce(c)
        const actual = Array.from({ length: c.total }, (_, k) => proposer(c, k, 0))
        expect(actual).toEqual(expected)
      }),
    )
  })

  it('every period of T positions gives each member exactly its power in turns', () => {
    fc.assert(
      fc.property(smallCommittee, fc.nat({ max: 1000 }), (c, start) => {
        const counts = new Map<string, number>()
        for (let k = 0; k < c.total; k++) {
          const id = proposer(c, start + k, 0)
          counts.set(id, (counts.get(id) ?? 0) + 1)
        }
        for (const id of c.ids) expect(counts.get(id)).toBe(c.power(id))
      }),
    )
  })

  it('is fair in proportion to stake over many heights, and smooth within any window', () => {
    const c = committeeOf(7, 5, 3, 2, 1, 1)
    const heights = 20_000
    const counts = new Map<string, number>()
    const seq: string[] = []
    for (let h = 1; h <= heights; h++) {
      const id = proposer(c, h, 0)
      seq.push(id)
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    for (const id of c.ids) {
      const expected = (heights * c.power(id)) / c.total
      expect(Math.abs(counts.get(id)! - expected)).toBeLessThanOrEqual(c.power(id))
    }
    // No bunching: in every window of L consecutive heights a member's share is within 2 of L·w/T.
    for (const L of [5, 19, 50]) {
      for (let s = 0; s + L <= 2 * c.total; s++) {
        for (const id of c.ids) {
          const n = seq.slice(s, s + L).filter((x) => x === id).length
          expect(Math.abs(n - (L * c.power(id)) / c.total)).toBeLessThan(2)
        }
      }
    }
  })

  it('walks through the committee as rounds advance at one height', () => {
    const c = committeeOf(4, 3, 2, 1)
    const seen = new Set(proposerSchedule(c, 42, c.total))
    expect(seen.size).toBe(4)
  })

  it('handles realistic stake sizes exactly and quickly', () => {
    const c = committeeOf(...Array.from({ length: 50 }, (_, i) => 1_000_000_007 * (i + 1)))
    const started = performance.now()
    const ids = Array.from({ length: 200 }, (_, r) => proposer(c, 123_456_789, r))
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(ids.every((id) => c.has(id))).toBe(true)
    expect(proposer(c, 123_456_789, 7)).toBe(ids[7])
  })

  it('a single member always proposes; bad arguments throw', () => {
    expect(proposer(committeeOf(9), 5, 3)).toBe('0a')
    expect(() => proposer(committeeOf(1, 1), -1, 0)).toThrow(RangeError)
    expect(() => proposer(committeeOf(1, 1), 0, 0.5)).toThrow(RangeError)
  })
})
