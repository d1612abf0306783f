import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  exactProportions,
  fractionToPpm,
  mulFloor,
  splitProportional,
} from '../../../../src/consensus/ledger/amounts.js'

describe('exact amount arithmetic', () => {
  it('mulFloor reads the float exactly and never rounds up', () => {
    expect(mulFloor(10n ** 30n, 0.5)).toBe(5n * 10n ** 29n)
    // 0.1 is slightly above 1/10 as a float64, so 10^30 · 0.1 exceeds 10^29 by a few units.
    expect(mulFloor(10n ** 30n, 0.1)).toBe((10n ** 30n * 3602879701896397n) / 2n ** 55n)
    expect(mulFloor(3n, 2 ** 70)).toBe(3n * 2n ** 70n)
    expect(mulFloor(10n ** 40n, 5e-324)).toBe(0n)
    expect(mulFloor(7n, 0)).toBe(0n)
    expect(mulFloor(7n, Number.NaN)).toBe(0n)
    expect(mulFloor(7n, -1)).toBe(0n)
  })

  it('proportional splits of exact float weights never exceed the total', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.array(fc.double({ min: -1, max: 1e300, noNaN: true }), { maxLength: 12 }),
        (total, xs) => {
          const parts = splitProportional(total, exactProportions(xs))
          let sum = 0n
          parts.forEach((p, i) => {
            expect(p >= 0n).toBe(true)
            if (!(xs[i] > 0)) expect(p).toBe(0n)
            sum += p
          })
          expect(sum <= total).toBe(true)
          // The remainder is below one unit per paid participant.
          if (xs.some((x) => x > 0)) expect(total - sum < BigInt(xs.length) + 1n).toBe(true)
        },
      ),
    )
    expect(exactProportions([0.75, 0.25, 5e-324])).toEqual([3n * 2n ** 1072n, 2n ** 1072n, 1n])
  })

  it('fractions become whole ppm or are refused', () => {
    expect(fractionToPpm(0.05)).toBe(50_000)
    expect(fractionToPpm(1)).toBe(1_000_000)
    expect(fractionToPpm(0.1234567)).toBeUndefined()
    expect(fractionToPpm(-0.1)).toBeUndefined()
  })
})
