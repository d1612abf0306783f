import { describe, expect, it } from 'vitest'
import { EnsembleForecaster } from '../../../src/roles/models/ensemble-forecaster.js'
import { createForecaster, createModel } from '../../../src/roles/models/registry.js'
import { contextOf } from './helpers.js'

/**
 * `n` epochs of truth 0..n−1 (a line) and inferences of three inferers: `hi` always 1 above
 * the truth, `lo` 1 below, `far` 5 above. Alone each misses by 1 or 5; the average of hi and
 * lo is exact.
 */
function history(n: number, values: (t: number) => Record<string, number>) {
  const truth = Array.from({ length: n }, (_, t) => t)
  const inferences = truth.map((_x, epoch) => ({ epoch, values: values(epoch) }))
  return { truth, inferences }
}

const biased = (t: number): Record<string, number> => ({ hi: t + 1, lo: t - 1, far: t + 5 })

describe('ensemble forecaster', () => {
  it('picks the group whose average cancels, and forecasts one value for all its members', () => {
    const { truth, inferences } = history(30, biased)
    const f = new EnsembleForecaster()
    const context = contextOf(truth, { inferers: ['far', 'hi', 'lo'], inferences })
    expect(f.pick(context)?.members).toEqual(['hi', 'lo'])
    const forecast = f.forecast(context)
    expect(Object.keys(forecast).sort()).toEqual(['hi', 'lo'])
    expect(forecast.hi).toBe(forecast.lo)
    // The average of hi and lo is exact: the expected loss is the floor of a log.
    expect(forecast.hi).toBeLessThan(-100)
  })

  it('follows the group that has done best lately when the best group changes', () => {
    // hi and lo cancel for 60 epochs; then both miss by +1 and `far` becomes exact.
    const { truth, inferences } = history(90, (t) => (t < 60 ? biased(t) : { hi: t + 1, lo: t + 1, far: t }))
    const pick = new EnsembleForecaster().pick(contextOf(truth, { inferers: ['far', 'hi', 'lo'], inferences }))
    expect(pick?.members).toEqual(['far'])
  })

  it('never covers itself, nor an inferer not expected this epoch', () => {
    const { truth, inferences } = history(30, biased)
    const f = new EnsembleForecaster()
    expect(Object.keys(f.forecast(contextOf(truth, { self: 'lo', inferers: ['far', 'hi'], inferences })))).toEqual([
      'hi',
    ])
    expect(Object.keys(f.forecast(contextOf(truth, { inferers: ['far', 'hi'], inferences })))).toEqual(['hi'])
  })

  it('forecasts nothing without committed inferences', () => {
    expect(new EnsembleForecaster().forecast(contextOf([1, 2, 3], { inferers: ['a', 'b'] }))).toEqual({})
  })

  it('ranks in the topic loss function', () => {
    // Under absolute error a group's mean |error| decides; hi+lo is still exact.
    const { truth, inferences } = history(30, biased)
    const pick = new EnsembleForecaster().pick(
      contextOf(truth, { inferers: ['far', 'hi', 'lo'], inferences, lossFunction: 'absolute-error' }),
    )
    expect(pick?.members).toEqual(['hi', 'lo'])
  })

  it('is built from specs and rejects bad ones', () => {
    expect(createForecaster('ensemble:halflives=2/8,meta=0.1').name).toBe(
      'ensemble:halflives=2/8,meta=0.1,statistic=mean',
    )
    expect(createModel('last@ensemble').name).toMatch(/^last@ensemble:/)
    expect(() => createForecaster('ensemble:halflives=2/x')).toThrow(/halflives must be a list of numbers/)
    expect(() => createForecaster('ensemble:maxInferers=11')).toThrow(/maxInferers/)
  })
})
