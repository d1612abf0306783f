import { describe, expect, it } from 'vitest'
import { AdaptiveForecaster } from '../../../src/roles/models/adaptive-forecaster.js'
import { Ema } from '../../../src/roles/models/ema.js'
import { ModelError } from '../../../src/roles/models/errors.js'
import { LastValue } from '../../../src/roles/models/last-value.js'
import { AutoRegression, Drift, LinearTrend } from '../../../src/roles/models/linear-regression.js'
import { LossEmaForecaster } from '../../../src/roles/models/loss-ema-forecaster.js'
import { coverPlausible } from '../../../src/roles/models/loss-history.js'
import { MovingAverage } from '../../../src/roles/models/moving-average.js'
import { NoisyOracle } from '../../../src/roles/models/noisy-oracle.js'
import { classify, seriesFeatures } from '../../../src/roles/models/regime-features.js'
import { RegimeForecaster } from '../../../src/roles/models/regime-forecaster.js'
import type { GroundTruthSource, ModelContext } from '../../../src/roles/plugins.js'
import { contextOf } from './helpers.js'

describe('inferers on a known series', () => {
  it('last value', () => {
    expect(new LastValue().infer(contextOf([1, 2, 3]))).toBe(3)
  })

  it('every built-in needs one known value, and says so', () => {
    for (const m of [
      new LastValue(),
      new MovingAverage(3),
      new Ema(0.5),
      new LinearTrend(4),
      new Drift(3),
      new AutoRegression(2, 20),
    ]) {
      expect(() => m.infer(contextOf([]))).toThrow(ModelError)
      expect(() => m.infer(contextOf([]))).toThrow(/needs 1 known truth value/)
    }
  })

  it('moving average of the last window (all of a shorter history)', () => {
    expect(new MovingAverage(3).infer(contextOf([1, 2, 3, 4, 5]))).toBe(4)
    expect(new MovingAverage(10).infer(contextOf([1, 2, 3]))).toBe(2)
  })

  it('ema starts at the oldest value', () => {
    expect(new Ema(0.5).infer(contextOf([0, 4]))).toBe(2)
    expect(new Ema(0.5).infer(contextOf([0, 4, 8]))).toBe(5)
    expect(new Ema(1).infer(contextOf([3, 9]))).toBe(9)
  })

  it('linear trend extrapolates to the epoch answered, across gaps', () => {
    expect(new LinearTrend(3).infer(contextOf([0, 1, 3, 5]))).toBeCloseTo(7, 12)
    expect(new LinearTrend(3).infer(contextOf([1, 3, 5], { epoch: 5 }))).toBeCloseTo(11, 12)
    expect(new LinearTrend(5).infer(contextOf([4]))).toBe(4)
  })

  it('drift adds the mean change of the window', () => {
    expect(new Drift(2).infer(contextOf([1, 2, 4]))).toBe(5.5)
    expect(new Drift(10).infer(contextOf([1, 2, 4]))).toBe(5.5)
    expect(new Drift(2).infer(contextOf([1, 2, 4], { epoch: 4 }))).toBe(7)
  })

  it('autoregression recovers an exact AR(2) cycle', () => {
    // x_t = 10 + sin(πt/6) obeys x_t − 10 = √3 (x_{t−1} − 10) − (x_{t−2} − 10) exactly (the
    // fit is off only by its tiny ridge).
    const values = Array.from({ length: 40 }, (_, t) => 10 + Math.sin((Math.PI * t) / 6))
    const ar = new AutoRegression(2, 40)
    expect(ar.infer(contextOf(values))).toBeCloseTo(10 + Math.sin((Math.PI * 40) / 6), 4)
    // Two epochs ahead (lag 2): iterated forward.
    expect(ar.infer(contextOf(values, { epoch: 41 }))).toBeCloseTo(10 + Math.sin((Math.PI * 41) / 6), 4)
  })

  it('autoregression falls back to the last value while the history is short', () => {
    expect(new AutoRegression(3, 60).infer(contextOf([5, 7, 6]))).toBe(6)
  })

  it('rejects invalid parameters', () => {
    expect(() => new MovingAverage(0)).toThrow(/window/)
    expect(() => new Ema(0)).toThrow(/alpha/)
    expect(() => new LinearTrend(1)).toThrow(/window/)
    expect(() => new AutoRegression(3, 4)).toThrow(/window must be an integer >= order \+ 2/)
  })
})

describe('noisy oracle (test device)', () => {
  const truth: GroundTruthSource = { name: 'fixed', length: 100, valueAt: (e) => (e < 100 ? e * 10 : undefined) }

  it('is truth + bias without noise', async () => {
    expect(await new NoisyOracle(truth, { bias: 2, noise: 0 }).infer(contextOf([0], { epoch: 7 }))).toBe(72)
  })

  it('draws deterministic noise from (seed, epoch, self)', async () => {
    const a = new NoisyOracle(truth, { noise: 1, seed: 3 })
    const ctx = contextOf([0], { epoch: 7, self: 'w1' })
    const first = await a.infer(ctx)
    expect(await new NoisyOracle(truth, { noise: 1, seed: 3 }).infer(ctx)).toBe(first)
    expect(await a.infer({ ...ctx, self: 'w2' })).not.toBe(first)
    expect(await a.infer({ ...ctx, epoch: 8 })).not.toBe(first + 10)
    expect(await new NoisyOracle(truth, { noise: 1, seed: 4 }).infer(ctx)).not.toBe(first)
  })

  it('fails clearly when the truth is unknown', async () => {
    await expect(new NoisyOracle(truth).infer(contextOf([0], { epoch: 100 }))).rejects.toThrow(/no value for epoch 100/)
  })
})

/** Loss history where `a` has consensus log10 loss `la(t)` and `b` has `lb(t)`. */
function lossHistory(n: number, la: (t: number) => number, lb: (t: number) => number): ModelContext['inferenceLosses'] {
  return Array.from({ length: n }, (_, t) => ({ epoch: t, losses: { a: la(t), b: lb(t), c: 0, network: -1 } }))
}

describe('forecasters', () => {
  it('loss-ema forecasts lower losses for the inferer that has done better', () => {
    const ctx = contextOf(
      Array.from({ length: 30 }, (_, t) => t),
      {
        inferers: ['a', 'b', 'c', 'new'],
        inferenceLosses: lossHistory(
          30,
          () => -2,
          () => -1,
        ),
      },
    )
    const f = new LossEmaForecaster(0.2).forecast(ctx)
    expect(Object.keys(f).sort()).toEqual(['a', 'b', 'c', 'new'])
    expect(f.a).toBeLessThan(f.b)
    expect(f.b).toBeLessThan(f.c)
    // An inferer never seen gets the median estimate.
    expect(f.new).toBeCloseTo(f.b, 12)
    // cover = 1: only the expected best.
    expect(Object.keys(new LossEmaForecaster(0.2, 'log', 1).forecast(ctx))).toEqual(['a'])
  })

  it('forecasts nothing without a loss history', () => {
    expect(new LossEmaForecaster(0.2).forecast(contextOf([1, 2], { inferers: ['a'] }))).toEqual({})
    expect(new RegimeForecaster().forecast(contextOf([1, 2], { inferers: ['a'] }))).toEqual({})
    expect(new AdaptiveForecaster().forecast(contextOf([1, 2], { inferers: ['a'] }))).toEqual({})
  })

  it('prefers the fresher losses computed from past inferences and the truth', () => {
    // Consensus losses say a is better; the inferences of the same epochs say b is.
    const values = Array.from({ length: 20 }, () => 10)
    const inferences = values.map((_, epoch) => ({ epoch, values: { a: 13, b: 10.5, c: 11 } }))
    const ctx = contextOf(values, {
      inferers: ['a', 'b', 'c'],
      inferenceLosses: lossHistory(
        20,
        () => -3,
        () => 0,
      ),
      inferences,
      lossFunction: 'squared-error',
    })
    const f = new LossEmaForecaster(0.3).forecast(ctx)
    expect(f.b).toBeLessThan(f.c)
    expect(f.c).toBeLessThan(f.a)
    expect(f.b).toBeCloseTo(Math.log10(0.25), 10)
  })

  it('the regime forecaster learns who wins in which regime', () => {
    // Epochs 0–39 trend (x = 2t), 40–79 noise around a level (alternating changes), then trend
    // again. a wins in trends, b around a level.
    const values: number[] = []
    for (let t = 0; t < 100; t++) values.push(t < 40 ? 2 * t : t < 80 ? 80 + (t % 2) : 81 + 2 * (t - 79))
    const trending = (t: number): boolean => t < 40 || t >= 80
    const losses = lossHistory(
      99,
      (t) => (trending(t - 1) ? -3 : 0),
      (t) => (trending(t - 1) ? 0 : -3),
    )
    const f = new RegimeForecaster({ window: 8 })
    expect(classify(seriesFeatures(values, 100, 8))).toBe('trend')
    expect(classify(seriesFeatures(values, 70, 8))).toBe('revert')
    const inTrend = f.forecast(contextOf(values, { inferers: ['a', 'b'], inferenceLosses: losses }))
    expect(inTrend.a).toBeLessThan(inTrend.b)
    const inNoise = f.forecast(
      contextOf(values.slice(0, 75), { inferers: ['a', 'b'], inferenceLosses: losses.slice(0, 74) }),
    )
    expect(inNoise.b).toBeLessThan(inNoise.a)
  })

  it('the adaptive forecaster covers the expected best only, never itself', () => {
    const values = Array.from({ length: 60 }, (_, t) => t)
    const ctx = contextOf(values, {
      self: 'a',
      inferers: ['b', 'c'],
      inferenceLosses: lossHistory(
        60,
        () => -5,
        () => -2,
      ),
    })
    const f = new AdaptiveForecaster()
    expect(Object.keys(f.forecast(ctx))).toEqual(['b'])
    expect(f.chosenExpert(ctx)).toMatch(/^(ema|regime):/)
    expect(Object.keys(new AdaptiveForecaster({ cover: 1000 }).forecast(ctx)).sort()).toEqual(['b', 'c'])
  })

  it('coverPlausible keeps the forecasts within a factor of the best', () => {
    expect(coverPlausible({ a: -2, b: -1.9, c: -1 }, 1.5)).toEqual({ a: -2, b: -1.9 })
    expect(coverPlausible({ a: -2, b: -1.9 }, Number.POSITIVE_INFINITY)).toEqual({ a: -2, b: -1.9 })
  })
})
