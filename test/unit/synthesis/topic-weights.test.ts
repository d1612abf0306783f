import { describe, expect, it } from 'vitest'
import {
  DEFAULT_TOPIC_WEIGHT_PARAMS as P,
  dripFeeRevenue,
  isTopicActive,
  rankTopics,
  smoothedTopicWeight,
  splitEmission,
  topicWeight,
} from '../../../src/synthesis/topic-weights.js'

describe('topic weight (§14.1)', () => {
  it('Ŵ = S^μ (P/C)^ν; 0 without revenue', () => {
    expect(topicWeight(P, { stake: 1e6, feeRevenue: 4e4, epochLength: 100 })).toBe(Math.sqrt(1e6) * Math.sqrt(400))
    expect(topicWeight(P, { stake: 1e6, feeRevenue: 0, epochLength: 100 })).toBe(0)
    expect(
      topicWeight({ ...P, stakeImportance: 1, feeRevenueImportance: 2 }, { stake: 3, feeRevenue: 10, epochLength: 5 }),
    ).toBe(12)
    expect(() => topicWeight(P, { stake: -1, feeRevenue: 1, epochLength: 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    )
    expect(() => topicWeight(P, { stake: 1, feeRevenue: 1, epochLength: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    )
  })

  it('EMA with α = 0.5; the raw weight the first time', () => {
    expect(smoothedTopicWeight(P, 400, undefined)).toBe(400)
    expect(smoothedTopicWeight(P, 400, 200)).toBe(300)
    expect(isTopicActive(P, 100)).toBe(true)
    expect(isTopicActive(P, 99.99)).toBe(false)
  })

  it('revenue drips by a week of epochs and never goes negative', () => {
    const epochsPerWeek = 864_000 / 4.345 / 600
    expect(dripFeeRevenue(P, 1_000_000, 600)).toBe(Math.trunc(1_000_000 - 1_000_000 / epochsPerWeek))
    expect(dripFeeRevenue(P, 5, 1e9)).toBe(0)
    expect(dripFeeRevenue(P, 0, 600)).toBe(0)
  })

  it('ranks by weight, ties by id', () => {
    expect(rankTopics({ b: 5, a: 5, c: 9, d: 1 })).toEqual(['c', 'a', 'b', 'd'])
  })
})

describe('emission split (§14.2)', () => {
  it('E_t = w_t/Σw · e · L_t', () => {
    const out = splitEmission({ t2: { weight: 3, epochLength: 10 }, t1: { weight: 1, epochLength: 20 } }, 2, 1e9)
    expect(out).toEqual({ t1: (1 / 4) * 2 * 20, t2: (3 / 4) * 2 * 10 })
    expect(Object.keys(out)).toEqual(['t1', 't2'])
  })

  it('a treasury too small is split by w·L instead', () => {
    const out = splitEmission({ a: { weight: 3, epochLength: 10 }, b: { weight: 1, epochLength: 20 } }, 2, 10)
    expect(out.a).toBeCloseTo(10 * (30 / 50), 15)
    expect(out.b).toBeCloseTo(10 * (20 / 50), 15)
    expect(splitEmission({ only: { weight: 7, epochLength: 3 } }, 100, 42)).toEqual({ only: 42 })
  })

  it('no weight, nobody paid', () => {
    expect(splitEmission({ a: { weight: 0, epochLength: 1 } }, 5, 100)).toEqual({ a: 0 })
    expect(splitEmission({}, 5, 100)).toEqual({})
  })
})
