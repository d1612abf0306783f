/**
 * The lying reputer: its bundle is the honest one mirrored within its own range, so the order
 * of every loss is turned around, and it still passes the loss-bundle schema peers check.
 */
import { describe, expect, it } from 'vitest'
import { liedBundle, lyingReputer } from '../../../src/adversary/reputer-liar.js'
import type { EpochDecision } from '../../../src/roles/decisions.js'
import type { LossBundle } from '../../../src/synthesis/types.js'
import { lossBundlePayloadSchema } from '../../../src/wire/index.js'

const A = 'aa'.repeat(32)
const B = 'bb'.repeat(32)
const C = 'cc'.repeat(32)

const honest: LossBundle = {
  network: -2,
  naive: -1.5,
  inferers: { [A]: -3, [B]: -1, [C]: 0.5 },
  forecasters: { [A]: -2.5 },
  oneOutInferers: { [A]: -1.9, [B]: -2.1 },
  oneOutForecasters: { [A]: -2 },
  oneInForecasters: { [A]: -2.2 },
  oneOutInfererForecasters: { rows: [A], cols: [B, C], values: Float64Array.from([-2.4, Number.NaN]) },
}

describe('a lying reputer', () => {
  it('mirrors every loss within the bundle range: the best inferer is reported worst', () => {
    const lie = liedBundle(honest)
    // Range [-3, 0.5]: v -> -2.5 - v.
    expect(lie.inferers).toEqual({ [A]: 0.5, [B]: -1.5, [C]: -3 })
    expect(lie.network).toBe(-0.5)
    expect(lie.naive).toBe(-1)
    expect(lie.forecasters).toEqual({ [A]: 0 })
    const [reported, absent] = lie.oneOutInfererForecasters.values
    expect(reported).toBeCloseTo(-0.1, 12)
    expect(absent).toBeNaN()
    expect(lie.oneOutInfererForecasters.rows).toEqual([A])
    const ranked = (b: LossBundle) =>
      Object.entries(b.inferers)
        .sort(([, x], [, y]) => x - y)
        .map(([id]) => id)
    expect(ranked(lie)).toEqual([...ranked(honest)].reverse())
  })

  it('stays inside the schema peers validate bundles against', () => {
    const lie = liedBundle(honest)
    const payload = { ...lie, oneOutInfererForecasters: { ...lie.oneOutInfererForecasters, rows: [A], cols: [B, C] } }
    expect(lossBundlePayloadSchema.safeParse(payload).success).toBe(true)
  })

  it('wraps the honest builder: same inputs in, the lie out', () => {
    const seen: unknown[] = []
    const build = lyingReputer((decision, truth, previous) => {
      seen.push([decision.epoch, truth, previous])
      return honest
    })
    const lie = build({ epoch: 9 } as EpochDecision, 10, 9)
    expect(seen).toEqual([[9, 10, 9]])
    expect(lie).toEqual(liedBundle(honest))
  })
})
