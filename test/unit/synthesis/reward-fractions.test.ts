import { describe, expect, it } from 'vitest'
import {
  entropy,
  numberRatio,
  reputerRewardFractions,
  SINGLE_PARTICIPANT_ENTROPY,
  scoreSpreadSample,
  smoothAndEntropy,
  workerRewardFractions,
} from '../../../src/synthesis/reward-fractions.js'
import { readJson } from './settle-fixtures.js'

const literals = readJson('test_literals_worked_examples.json')
const sum = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0)

describe('worked examples from the chain tests', () => {
  it('entropy (TestEntropySimple)', () => {
    const c = literals.entropy
    const got = entropy(
      c.inputs.fractions.map(Number),
      Number(c.inputs.number_ratio_N_eff),
      Number(c.inputs.N),
      Number(c.inputs.beta),
    )
    expect(Math.abs(got - Number(c.expected))).toBeLessThan(1e-12)
  })

  it('number ratio (TestNumberRatio)', () => {
    const c = literals.number_ratio
    expect(Math.abs(numberRatio(c.inputs.fractions.map(Number)) - Number(c.expected))).toBeLessThan(1e-12)
  })

  it('reputer reward fractions (TestCalculateReputerRewardFractions)', () => {
    const c = literals.reputer_reward_fractions
    const got = reputerRewardFractions(
      c.inputs.stakes.map(Number),
      c.inputs.scores.map(Number),
      Number(c.inputs.p_reward),
    )
    c.expected.map(Number).forEach((e: number, i: number) => expect(Math.abs(got[i] - e)).toBeLessThan(1e-5))
  })
})

describe('worker reward fractions (§12.1)', () => {
  it('maps scores through φ_p(T/(σ+ε)) = ln(1 + e^{p(x−c)}) and normalises', () => {
    const scores = [0.2, -0.1, 0.5]
    const sample = [0.2, -0.1, 0.5, 0.3, 0.0]
    const m = sample.reduce((a, b) => a + b, 0) / sample.length
    const sigma = Math.sqrt(sample.reduce((a, b) => a + (b - m) ** 2, 0) / (sample.length - 1))
    const mapped = scores.map((t) => Math.log1p(Math.exp(3 * (t / (sigma + 0.01) - 0.75))))
    const got = workerRewardFractions(scores, sample, 3, 0.75, 0.01)
    mapped.forEach((v, i) => expect(got[i]).toBeCloseTo(v / sum(mapped), 14))
  })

  it('equal fractions when the spread is below ε or the sample has one entry', () => {
    expect(Array.from(workerRewardFractions([5, -3], [5, 5.001, 5.002], 3, 0.75, 0.01))).toEqual([0.5, 0.5])
    expect(Array.from(workerRewardFractions([5], [5], 3, 0.75, 0.01))).toEqual([1])
    expect(workerRewardFractions([], [1, 2], 3, 0.75, 0.01).length).toBe(0)
  })

  it('§6.19: no overflow for huge scores, no 0/0 when every φ underflows', () => {
    const big = workerRewardFractions([1e6, 2e6], [0, 1], 3, 0.75, 0.01)
    const zBig = [1e6, 2e6].map((t) => 3 * (t / (Math.SQRT1_2 + 0.01) - 0.75))
    expect(big[0]).toBeCloseTo(zBig[0] / (zBig[0] + zBig[1]), 12)
    expect(big[1]).toBeCloseTo(zBig[1] / (zBig[0] + zBig[1]), 12)
    // Both far below the spread: the limit of the fractions is a softmax of p·x.
    const tiny = workerRewardFractions([-1000, -1001], [0, 1], 3, 0.75, 0.01)
    const z = [-1000, -1001].map((t) => 3 * (t / (Math.SQRT1_2 + 0.01) - 0.75))
    expect(tiny[0]).toBeCloseTo(1 / (1 + Math.exp(z[1] - z[0])), 12)
    expect(tiny[0] + tiny[1]).toBeCloseTo(1, 15)
  })

  it('the spread sample is this epoch first, then the history, cut to max', () => {
    expect(scoreSpreadSample([1, 2], [3, 4, 5], 4)).toEqual([1, 2, 3, 4])
    expect(scoreSpreadSample([1, 2, 3], [4], 2)).toEqual([1, 2])
    expect(scoreSpreadSample([], [4], 10)).toEqual([4])
  })
})

describe('reputer fractions (§11.4)', () => {
  it('(S·T)^p normalised, without overflow for stakes in the smallest unit', () => {
    const got = reputerRewardFractions([1e30, 2e30], [50, 50], 3)
    expect(got[0]).toBeCloseTo(1 / 9, 14)
    expect(got[1]).toBeCloseTo(8 / 9, 14)
  })
})

describe('entropy and smoothing (§12.2)', () => {
  it('one participant: the constant; none: 0; 0·ln 0 = 0', () => {
    expect(entropy([1], 1, 1, 0.25)).toBe(SINGLE_PARTICIPANT_ENTROPY)
    expect(entropy([], 0, 0, 0.25)).toBe(0)
    const withZero = entropy([0.5, 0.5, 0], 2, 3, 0.25)
    expect(withZero).toBeCloseTo(Math.log(2) * (2 / 3) ** 0.25, 14)
  })

  it('first time: f̃ = f; N_eff from the un-normalised EMAs; renormalised f̂', () => {
    const first = smoothAndEntropy(0.1, 0.25, ['a', 'b'], [0.25, 0.75], {})
    expect(Array.from(first.smoothed)).toEqual([0.25, 0.75])
    const next = smoothAndEntropy(0.1, 0.25, ['a', 'b', 'c'], [0.5, 0.3, 0.2], { a: 0.25, b: 0.75, z: 1 })
    const tilde = [0.1 * 0.5 + 0.9 * 0.25, 0.1 * 0.3 + 0.9 * 0.75, 0.2]
    const total = sum(tilde)
    const f = tilde.map((t) => t / total)
    const nEff = 1 / tilde.reduce((a, t) => a + t * t, 0)
    Array.from(next.smoothed).forEach((v, i) => expect(v).toBeCloseTo(f[i], 15))
    expect(next.entropy).toBeCloseTo(-f.reduce((a, v) => a + v * Math.log(v), 0) * (nEff / 3) ** 0.25, 14)
  })

  it('a stored fraction equal to the new one is kept exactly (§4.1 EMA rule)', () => {
    const s = smoothAndEntropy(0.1, 0.25, ['a', 'b'], [0.3, 0.7], { a: 0.3, b: 0.7 })
    expect(Array.from(s.smoothed)).toEqual([0.3 / (0.3 + 0.7), 0.7 / (0.3 + 0.7)])
  })
})
