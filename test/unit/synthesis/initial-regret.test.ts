import { describe, expect, it } from 'vitest'
import { initialRegretOf, nextInitialRegret } from '../../../src/synthesis/initial-regret.js'
import { DEFAULT_PARAMS } from '../../../src/synthesis/params.js'
import { quantileDescending, sampleStdDev } from '../../../src/synthesis/stats.js'
import { readJson } from './settle-fixtures.js'

describe('initial regret (§4.3)', () => {
  it('TestCalcTopicInitialRegret', () => {
    const c = readJson('test_literals_worked_examples.json').topic_initial_regret
    const i = c.inputs
    const got = initialRegretOf(i.regrets.map(Number), {
      cNorm: Number(i.c),
      pNorm: Number(i.p),
      pNormSafeDiv: Number(i.pnorm_safe_div),
      epsilon: Number(i.epsilon),
      initialRegretQuantile: Number(i.quantile),
    })
    expect(Math.abs(got - Number(c.expected)) / Math.abs(Number(c.expected))).toBeLessThan(1e-12)
  })

  it('the stats helpers follow the chain: sample σ (N−1), descending quantile with interpolation', () => {
    expect(sampleStdDev([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 15)
    expect(sampleStdDev([7])).toBe(0)
    expect(quantileDescending([4, 1, 3, 2], 0.25)).toBe(1.75)
    expect(quantileDescending([5], 0.25)).toBe(5)
    expect(quantileDescending([], 0.25)).toBe(0)
  })

  it('uses only experienced workers of this epoch, inferers then forecasters', () => {
    const input = {
      inferers: ['a', 'b', 'c'],
      forecasters: ['f'],
      before: { inferers: { a: 0, b: 0, gone: 0 }, forecasters: { f: 0 } },
      after: { inferers: { a: -1, b: -2, c: -3, gone: 9 }, forecasters: { f: -4 } },
      infererInclusionCounts: { a: 10, b: 3, c: 99, gone: 99 },
      forecasterInclusionCounts: { f: 11 },
      current: -7,
    }
    expect(nextInitialRegret(DEFAULT_PARAMS, input)).toBe(initialRegretOf([-1, -4], DEFAULT_PARAMS))
    expect(
      nextInitialRegret(DEFAULT_PARAMS, { ...input, forecasterInclusionCounts: {}, infererInclusionCounts: {} }),
    ).toBe(-7)
  })
})
