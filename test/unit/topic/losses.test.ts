import { describe, expect, it } from 'vitest'
import { epochLossFloor, log10Loss, log10OfLoss, loss, LOSS_FLOOR, LossError } from '../../../src/topic/losses.js'
import { ln, log10 } from '../../../src/synthesis/detmath.js'

describe('loss functions', () => {
  it('computes each loss', () => {
    expect(loss('squared-error', 3, 1)).toBe(4)
    expect(loss('absolute-error', -3, 1)).toBe(4)
    expect(loss('squared-log-error', Math.E, 1)).toBe(ln(Math.E) ** 2)
    expect(loss('squared-return-error', 105, 110, 100)).toBeCloseTo(0.0025, 15)
  })

  it('charges a non-positive prediction on a log topic a huge finite loss', () => {
    const l = loss('squared-log-error', -1, 10)
    expect(Number.isFinite(l)).toBe(true)
    expect(l).toBeGreaterThan(5e5)
  })

  it.each([
    [() => loss('squared-log-error', 1, 0), /needs a positive truth/],
    [() => loss('squared-return-error', 1, 2), /needs the previous truth/],
    [() => loss('squared-return-error', 1, 2, 0), /non-zero previous truth/],
    [() => loss('squared-error', Number.NaN, 2), /prediction must be a finite number/],
    [() => loss('squared-error', 1, Number.POSITIVE_INFINITY), /truth must be a finite number/],
  ])('fails clearly on bad input (%#)', (f, message) => {
    expect(f).toThrow(LossError)
    expect(f).toThrow(message)
  })

  it('takes the deterministic log10, floored so an exact hit stays finite', () => {
    expect(log10Loss('squared-error', 3, 1)).toBe(log10(4))
    expect(log10Loss('squared-error', 1, 1)).toBe(log10(LOSS_FLOOR))
    expect(log10Loss('squared-error', 1, 1, undefined, 1e-3)).toBe(-3)
    expect(log10OfLoss(Number.POSITIVE_INFINITY)).toBe(log10(Number.MAX_VALUE))
  })

  it('floors an epoch four decades below its median inferer loss', () => {
    expect(epochLossFloor([1, 100, 4])).toBeCloseTo(4e-4, 18)
    expect(epochLossFloor([0, 0, 0])).toBe(LOSS_FLOOR)
    expect(epochLossFloor([])).toBe(LOSS_FLOOR)
  })
})
