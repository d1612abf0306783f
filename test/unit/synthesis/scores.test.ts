import { describe, expect, it } from 'vitest'
import {
  forecasterScores,
  forecastingTaskScore,
  infererScores,
  uniqueAggregateFactor,
} from '../../../src/synthesis/scores.js'
import { lossBundleOf } from '../../utils/loss-bundle.js'

const L = lossBundleOf

describe('scores (§10)', () => {
  it('inferers: one-out minus network; a single inferer scores 0', () => {
    expect(infererScores(L({ inferers: { a: 1, b: 2 }, oneOutInferers: { b: -1.5, a: -2.25 } }))).toEqual({
      a: -0.25,
      b: 0.5,
    })
    expect(infererScores(L({ inferers: { a: 1 } }))).toEqual({ a: 0 })
  })

  it('forecasters: f⁺ blend of one-in and one-out; single forecaster 0', () => {
    const out = forecasterScores(
      L({
        forecasters: { f: 0, g: 0, h: 0 },
        oneOutForecasters: { f: -1.75, g: -2, h: -2.5 },
        oneInForecasters: { f: -1.5, g: -1.25, h: -2 },
      }),
    )
    expect(out).toEqual({ f: 0.25 * 0 + 0.75 * 0.25, g: 0.25 * -0.25 + 0.75 * 0, h: 0.25 * 0.5 + 0.75 * -0.5 })
    expect(forecasterScores(L({ forecasters: { f: 0 }, oneInForecasters: { f: -1 } }))).toEqual({ f: 0 })
    expect(forecasterScores(L({}))).toEqual({})
  })

  it('f⁺ = 1/2^(N−1) exactly', () => {
    expect([1, 2, 3, 10].map(uniqueAggregateFactor)).toEqual([1, 0.5, 0.25, 1 / 512])
  })

  it('task score: naive minus network', () => {
    expect(forecastingTaskScore(L({}))).toBe(0.5)
  })
})
