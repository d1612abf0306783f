import { describe, expect, it } from 'vitest'
import { SynthesisError } from '../../../src/synthesis/errors.js'
import { exp } from '../../../src/synthesis/detmath.js'
import {
  weightedMean,
  weightFromNormalizedRegret,
  weightKernel,
  weightOf,
  weightsOfRegrets,
} from '../../../src/synthesis/weights.js'
import { sampleStdDev } from '../../../src/synthesis/stats.js'
import { readJson, VECTORS_DIR } from './fixtures.js'
import { onePassStdDev } from '../../utils/std-dev.js'

const literals = readJson(`${VECTORS_DIR}/test_literals_worked_examples.json`)
const weightCases = literals.weight_from_normalized_regret

/** The §5 formula written out once more, independently of the kernel's inlined loop. */
function reference(regrets: number[], p: number, c: number, eps: number): number[] {
  const den = Math.abs(onePassStdDev(regrets)) + eps
  const hats = regrets.map((r) => r * (1 / den))
  const m = Math.max(...hats)
  return hats.map((h) => {
    let r = Math.min(h, c + 6.75 / p)
    if (m < c - 8.25 / p) r = r - m + (c - 8.25 / p)
    return r < c - 17.25 / p ? 0 : p / (exp(p * (c - r)) + 1)
  })
}

function kernelWeights(regrets: number[], p = 3, c = 0.75, eps = 0.01): number[] {
  const out = new Float64Array(regrets.length)
  weightsOfRegrets(weightKernel(p, c, eps), Float64Array.from(regrets), regrets.length, out, undefined)
  return Array.from(out)
}

describe('weight function (docs/spec/math.md §5)', () => {
  it('has the tolerance the vector file states', () => {
    expect(weightCases.tolerance).toBe('relative 1e-5')
  })

  it.each(weightCases.cases as { normalized_regret: string; max_normalized_regret: string; expected_weight: string }[])(
    'R̂=$normalized_regret, max=$max_normalized_regret → $expected_weight',
    (c) => {
      const got = weightFromNormalizedRegret(
        Number(c.normalized_regret),
        Number(c.max_normalized_regret),
        Number(weightCases.params.p),
        Number(weightCases.params.c),
      )
      const want = Number(c.expected_weight)
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * Math.abs(want))
    },
  )

  it('caps before shifting: a capped regret is shifted from the cap, with the pre-cap max', () => {
    const p = 3
    const c = 0.75
    const cap = c + 6.75 / p
    // The shift applies only when the max is below the floor, so a capped value and a
    // shift meet only when R̂ > max, which the weight function allows as a free function.
    const got = weightFromNormalizedRegret(10, -5, p, c)
    const shifted = cap - -5 + (c - 8.25 / p)
    expect(got).toBe(p / (exp(p * (c - shifted)) + 1))
    // Without a shift the cap alone holds: every R̂ above the cap gives the same weight.
    expect(weightFromNormalizedRegret(100, 100, p, c)).toBe(weightFromNormalizedRegret(cap, 100, p, c))
    expect(weightFromNormalizedRegret(100, 100, p, c)).toBe(p / (exp(p * (c - cap)) + 1))
  })

  it('clips to exactly 0 below c − 17.25/p (after the shift)', () => {
    const p = 3
    const c = 0.75
    const clip = c - 17.25 / p
    expect(weightFromNormalizedRegret(clip - 1e-9, 0, p, c)).toBe(0)
    expect(weightFromNormalizedRegret(clip, 0, p, c)).toBeGreaterThan(0)
    // Shifted: max −10 moves to the floor −2, so R̂ = −13.1 lands at −5.1 < −5.
    expect(weightFromNormalizedRegret(-13.1, -10, p, c)).toBe(0)
    expect(weightFromNormalizedRegret(-12.9, -10, p, c)).toBeGreaterThan(0)
  })

  it('a set with σ = 0 normalises by ε alone: R̂ = R/ε', () => {
    const w = kernelWeights([0.004, 0.004, 0.004])
    const single = weightFromNormalizedRegret(0.004 / 0.01, 0.004 / 0.01, 3, 0.75)
    expect(w).toEqual([single, single, single])
  })

  it('a single regret has σ = 0 and its own max', () => {
    expect(kernelWeights([-0.7])).toEqual([weightFromNormalizedRegret(-0.7 / 0.01, -0.7 / 0.01, 3, 0.75)])
    // Shifted to the floor, whatever the value: the best regret of a set always has weight.
    expect(kernelWeights([-0.7])[0]).toBe(3 / (exp(3 * 2.75) + 1))
  })

  it('the one-pass σ of the reference below agrees with the two-pass sample standard deviation to 1e-9 relative', () => {
    let seed = 11
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    for (let t = 0; t < 200; t++) {
      const offset = (rnd() - 0.5) * 1000
      const spread = 10 ** (rnd() * 6 - 4)
      const set = Array.from({ length: 2 + Math.floor(rnd() * 300) }, () => offset + (rnd() - 0.5) * spread)
      const want = sampleStdDev(set)
      expect(Math.abs(onePassStdDev(set) - want)).toBeLessThanOrEqual(want * 1e-9)
    }
    // Equal regrets: exactly 0, never a rounding remainder.
    expect(onePassStdDev([0.3, 0.3, 0.3])).toBe(0)
  })

  it('matches the formula written out with the one-pass σ, bit for bit', () => {
    const sets = [
      [0.1, -0.2, -1.2, 0.05, -1.2],
      [-3, -2.9, -2.5, -4, -10],
      [5, 4, -3, 0, 0.5, 0.25],
      [1e-3, 2e-3],
    ]
    for (const set of sets)
      for (const [p, c, eps] of [
        [3, 0.75, 0.01],
        [2, 0.75, 1e-4],
        [4.5, 1, 0.1],
      ]) {
        expect(kernelWeights(set, p, c, eps)).toEqual(reference(set, p, c, eps))
      }
  })

  it('weightOf with a kernel equals the free function', () => {
    const k = weightKernel(3, 0.75, 0.01)
    for (const [r, m] of [
      [-1, -0.5],
      [0.5, 0.5],
      [-24.5, -24.5],
    ])
      expect(weightOf(k, r, m)).toBe(weightFromNormalizedRegret(r, m, 3, 0.75))
  })

  it('rejects an empty set and a spread that overflows', () => {
    const k = weightKernel(3, 0.75, 0.01)
    expect(() => weightsOfRegrets(k, new Float64Array(0), 0, new Float64Array(0), undefined)).toThrow(SynthesisError)
    const huge = Float64Array.from([1e300, -1e300])
    expect(() => weightsOfRegrets(k, huge, 2, new Float64Array(2), undefined)).toThrow(
      expect.objectContaining({ code: 'NON_FINITE' }),
    )
  })

  it('takes σ of a set whose one-pass sums overflow by two passes: never σ = 0 silently, an error only when σ overflows', () => {
    const k = weightKernel(3, 0.75, 0.01)
    const twoPass = (r: number[]): number => {
      const mean = r.reduce((a, b) => a + b, 0) / r.length
      return Math.sqrt(r.reduce((a, v) => a + (v - mean) * (v - mean), 0) / (r.length - 1))
    }
    const weights = (r: number[], sigma: number): number[] => {
      const den = sigma + 0.01
      const hats = r.map((v) => v / den)
      return hats.map((h) => weightOf(k, h, Math.max(...hats)))
    }
    // (Σd)² = 4a² overflows although Σd² = 2a² does not: the one-pass remainder was −∞, read as σ = 0.
    const a = 7.5e153
    const spread = [0, a, a]
    const got = kernelWeights(spread)
    const want = weights(spread, twoPass(spread))
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(want[i], 12)
    expect(got[1]).not.toBe(weightOf(k, k.cap, k.cap))
    // A first member far out: Σ(r − r₀)² overflows, Σ(r − mean)² does not.
    const outlier = [-1.3e154, 0, 0, 0]
    const got2 = kernelWeights(outlier)
    const want2 = weights(outlier, twoPass(outlier))
    for (let i = 0; i < 4; i++) expect(got2[i]).toBeCloseTo(want2[i], 12)
    // σ itself overflowing is still refused.
    expect(() => kernelWeights([-1e308, 1e308, 0])).toThrow(expect.objectContaining({ code: 'NON_FINITE' }))
  })

  it('counts evaluations when asked', () => {
    const counter = { weightEvaluations: 0 }
    weightsOfRegrets(weightKernel(3, 0.75, 0.01), Float64Array.from([1, 2, 3]), 3, new Float64Array(3), counter)
    expect(counter.weightEvaluations).toBe(3)
  })
})

describe('weighted mean (docs/spec/math.md §8 denominator)', () => {
  it('floors the denominator at ε_div and skips zero weights and absent values', () => {
    expect(weightedMean(Float64Array.from([0, 0]), Float64Array.from([5, 6]), 2, 1e-7)).toBe(0)
    expect(weightedMean(Float64Array.from([1e-9, 0]), Float64Array.from([5, 6]), 2, 1e-7)).toBe((1e-9 * 5) / 1e-7)
    expect(weightedMean(Float64Array.from([1, 2]), Float64Array.from([Number.NaN, 6]), 2, 1e-7)).toBe(6)
    expect(weightedMean(Float64Array.from([1, 3]), Float64Array.from([2, 6]), 2, 1e-7)).toBe((1 * 2 + 3 * 6) / 4)
  })
})
