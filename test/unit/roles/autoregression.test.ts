import { describe, expect, it } from 'vitest'
import { AutoRegression } from '../../../src/roles/models/linear-regression.js'
import { createModel } from '../../../src/roles/models/registry.js'
import { contextOf } from './helpers.js'

describe('autoregression: discounted fit (halflife)', () => {
  it('follows a change of dynamics that an unweighted fit of the same window averages away', () => {
    // 80 epochs of a slow wave, then 12 of a fast one: each is an exact AR(2), with other
    // coefficients.
    const values = Array.from({ length: 80 }, (_, t) => 5 * Math.sin(t / 6))
    for (let i = 0; i < 12; i++) values.push(5 * Math.sin((Math.PI * i) / 3))
    const next = 5 * Math.sin((Math.PI * 12) / 3)
    const plain = new AutoRegression(2, { window: 92 }).infer(contextOf(values))
    const discounted = new AutoRegression(2, { window: 92, halflife: 2 }).infer(contextOf(values))
    expect(Math.abs(plain - next)).toBeGreaterThan(1)
    expect(Math.abs(discounted - next)).toBeLessThan(0.05)
  })

  it('with an infinite half-life it is the unweighted fit', () => {
    const values = Array.from({ length: 30 }, (_, t) => Math.sin(t) + 0.1 * t)
    expect(new AutoRegression(2, { window: 30, halflife: Number.POSITIVE_INFINITY }).infer(contextOf(values))).toBe(
      new AutoRegression(2, 30).infer(contextOf(values)),
    )
  })

  it('rejects a half-life that is not > 0', () => {
    expect(() => new AutoRegression(2, { halflife: 0 })).toThrow(/halflife must be > 0/)
  })
})

describe('autoregression on changes (diff)', () => {
  it('continues a straight line from the last value, where the level fit bends back to the window mean', () => {
    // A line with a tiny alternating wiggle: the changes have a mean (the slope) and no memory.
    const values = Array.from({ length: 40 }, (_, t) => 100 + 2 * t + (t % 2 === 0 ? 0.01 : -0.01))
    const last = values[values.length - 1]
    const diff = new AutoRegression(2, { window: 40, diff: true }).infer(contextOf(values))
    expect(diff).toBeCloseTo(last + 2, 1)
    // Two epochs ahead: two changes added.
    expect(new AutoRegression(2, { window: 40, diff: true }).infer(contextOf(values, { epoch: 41 }))).toBeCloseTo(
      last + 4,
      1,
    )
  })

  it('is the last value while there are too few changes to fit', () => {
    expect(new AutoRegression(3, { window: 60, diff: true }).infer(contextOf([5, 7, 6]))).toBe(6)
  })
})

describe('autoregression specs', () => {
  it('reads halflife and the diff switch from the string form', () => {
    expect(createModel('ar:3,window=48,halflife=12').name).toMatch(/^ar:3:48,halflife=12@/)
    expect(createModel('ar:2,window=64,diff').name).toMatch(/^ar:2:64,diff@/)
    expect(createModel('ar:2,diff=false').name).toMatch(/^ar:2:60@/)
    expect(createModel({ kind: 'ar', order: 2, diff: true, halflife: 8 }).name).toMatch(/^ar:2:60,halflife=8,diff@/)
  })

  it('names the field of a bad value', () => {
    expect(() => createModel('ar:3,halflife=-1')).toThrow(/halflife must be > 0/)
    expect(() => createModel('ar:3,diff=maybe')).toThrow(/diff must be true or false/)
    expect(() => createModel('ar:3,bogus')).toThrow(/bogus is not a parameter/)
  })
})
