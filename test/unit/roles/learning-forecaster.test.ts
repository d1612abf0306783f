import { describe, expect, it } from 'vitest'
import { LearningForecaster } from '../../../src/roles/models/learning-forecaster.js'
import { createModel } from '../../../src/roles/models/registry.js'
import { ModelSpecError } from '../../../src/roles/models/errors.js'
import { Prng } from '../../../src/roles/prng.js'
import { contextOf } from './helpers.js'

/**
 * A series of random ±1 steps and the losses of two inferers that depend on the step the
 * series took into the epoch *before*: after a rise `up` does well and `down` badly, after a
 * fall the other way round. Only a forecaster that reads the series can tell them apart; on
 * average they are equal.
 */
function switchingHistory(
  n: number,
  seed = 3,
): { values: number[]; losses: { epoch: number; losses: Record<string, number> }[] } {
  const prng = new Prng(seed)
  const values = [100]
  for (let i = 1; i < n; i++) values.push(values[i - 1] + (prng.next() < 0.5 ? 1 : -1))
  const losses = []
  for (let e = 2; e < n; e++) {
    const rose = values[e - 1] > values[e - 2]
    const noise = () => 0.3 * (prng.next() - 0.5)
    losses.push({ epoch: e, losses: { up: (rose ? -1 : 0) + noise(), down: (rose ? 0 : -1) + noise() } })
  }
  return { values, losses }
}

describe('learning forecaster', () => {
  it('learns from the series which inferer will do better, where averages see a tie', () => {
    const { values, losses } = switchingHistory(200)
    const f = new LearningForecaster({ cover: 1000 })
    for (const rose of [true, false]) {
      // Extend the series by one step in the wanted direction; the epoch answered comes after it.
      const series = [...values, values.at(-1)! + (rose ? 1 : -1)]
      const forecast = f.forecast(contextOf(series, { inferers: ['up', 'down'], inferenceLosses: losses }))
      const better = forecast.up < forecast.down ? 'up' : 'down'
      expect(better).toBe(rose ? 'up' : 'down')
      expect(Math.abs(forecast.up - forecast.down)).toBeGreaterThan(0.3)
    }
  })

  it('covers only the expected best with cover 1, never itself', () => {
    const losses = Array.from({ length: 40 }, (_, e) => ({ epoch: e, losses: { a: -2, b: -1, me: -3 } }))
    const ctx = contextOf(
      Array.from({ length: 41 }, (_, i) => i),
      { inferers: ['a', 'b'], inferenceLosses: losses },
    )
    expect(Object.keys(new LearningForecaster().forecast(ctx))).toEqual(['a'])
    const all = new LearningForecaster({ cover: 1000, target: 'share' }).forecast(ctx)
    expect(all.a).toBeLessThan(all.b)
  })

  it.each(['zscore', 'regret', 'share', 'loss'] as const)(
    'target %s: the same context gives the same forecast, and no history none',
    (target) => {
      const { values, losses } = switchingHistory(80, 9)
      const ctx = contextOf(values, { inferers: ['up', 'down'], inferenceLosses: losses })
      const f = new LearningForecaster({ target, cover: 1000 })
      const first = f.forecast(ctx)
      expect(Object.keys(first).sort()).toEqual(['down', 'up'])
      expect(Object.values(first).every(Number.isFinite)).toBe(true)
      expect(new LearningForecaster({ target, cover: 1000 }).forecast(ctx)).toEqual(first)
      expect(f.forecast(contextOf(values, { inferers: ['up'] }))).toEqual({})
    },
  )

  it('is chosen with @learn, and a bad parameter names the field', () => {
    expect(createModel('last@learn:share,scope=global,halflife=50').name).toBe(
      'last@learn:target=share,scope=global,halflife=50,ridge=10,cover=1',
    )
    expect(() => createModel('last@learn:target=rank')).toThrow(ModelSpecError)
    expect(() => createModel('last@learn:target=rank')).toThrow(/target must be one of zscore, regret, loss, share/)
    expect(() => createModel('last@learn:ridge=0')).toThrow(/ridge must be > 0/)
  })
})
