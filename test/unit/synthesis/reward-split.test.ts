import { describe, expect, it } from 'vitest'
import { forecastingUtility, normalizationFactor, taskRewardFractions } from '../../../src/synthesis/reward-split.js'
import { readJson } from './settle-fixtures.js'

describe('γ and the task split (§13)', () => {
  it('γ (TestNormalizationFactorSimple)', () => {
    const c = readJson('test_literals_worked_examples.json').normalization_factor_gamma
    expect(
      normalizationFactor(
        Number(c.inputs.F_inference_entropy),
        Number(c.inputs.G_forecast_entropy),
        Number(c.inputs.chi),
      ),
    ).toBe(Number(c.expected))
  })

  it('U + V = (F+G)/(F+G+H) and W = H/(F+G+H)', () => {
    const t = taskRewardFractions(1.5, 1.1, 1.5, 0.3)
    expect(t.inferers + t.forecasters).toBeCloseTo(2.6 / 4.1, 15)
    expect(t.reputers).toBeCloseTo(1.5 / 4.1, 15)
    expect(t.forecasters / t.inferers).toBeCloseTo((0.3 * 1.1) / (0.7 * 1.5), 14)
  })

  it('§6.21: a zero γ denominator gives 0 to inferers and forecasters', () => {
    expect(normalizationFactor(0, 0, 0.5)).toBe(0)
    expect(taskRewardFractions(0, 0, 0.7, 0.5)).toEqual({ inferers: 0, forecasters: 0, reputers: 1 })
    expect(taskRewardFractions(0, 0, 0, 0.5)).toEqual({ inferers: 0, forecasters: 0, reputers: 0 })
  })
})

describe('χ (§13.1, epoch-json §6.20)', () => {
  it('ratio T_i / s_max smoothed with α, mapped onto [0.1, 0.5]', () => {
    const u = forecastingUtility(
      0.1,
      0.8024369033698839,
      [-0.09, 0.0005, -0.2, -0.0025, 0.4728752050425533],
      5.29370262084246,
    )
    expect(u.ratio).toBeCloseTo(0.1 * (0.8024369033698839 / 0.4728752050425533) + 0.9 * 5.29370262084246, 14)
    expect(u.chi).toBe(0.5)
    expect(forecastingUtility(0.1, 0.3, [1], 0.5).chi).toBeCloseTo(0.1 + 0.4 * (0.1 * 0.3 + 0.9 * 0.5), 15)
    expect(forecastingUtility(0.1, -5, [1], 0).chi).toBe(0.1)
  })

  it('s_max counts from 0 (QUIRK): negative inferer scores give s_max = 0', () => {
    expect(forecastingUtility(0.1, 0, [-1, -2], 0.9)).toEqual({ chi: 0.5, ratio: 0 })
    expect(forecastingUtility(0.1, 0, [], 0.9)).toEqual({ chi: 0.5, ratio: 0 })
    expect(forecastingUtility(0.1, -0.2, [-1], 0).ratio).toBeCloseTo(-0.1, 15)
    expect(forecastingUtility(0.1, 0.2, [-1], 0).ratio).toBeCloseTo(0.1, 15)
  })
})
