import { describe, expect, it } from 'vitest'
import { updateRegrets } from '../../../src/synthesis/regrets.js'
import type { LossBundle, Regrets } from '../../../src/synthesis/types.js'
import { matrixOf } from '../../../src/synthesis/id-matrix.js'
import { EMPTY_FAMILY } from '../../../src/synthesis/state.js'
import { plainOf } from '../../utils/plain.js'

const L: LossBundle = {
  network: -2,
  naive: -1,
  inferers: { b: -1.5, a: -2.5 },
  forecasters: { f: -2.2 },
  oneOutInferers: { a: -1.8, b: -2.1 },
  oneOutForecasters: {},
  oneInForecasters: { f: -1.1 },
  oneOutInfererForecasters: matrixOf({ f: { b: -2.4 } }),
}
const empty: Regrets = {
  network: { inferers: {}, forecasters: {} },
  naive: { inferers: {}, forecasters: {} },
  oneOutInferer: EMPTY_FAMILY,
  oneOutForecaster: EMPTY_FAMILY,
  oneInForecaster: EMPTY_FAMILY,
}

describe('regret updates (§4.2)', () => {
  it('every family from the initial regret when nothing is stored', () => {
    const r = updateRegrets(0.5, -1, empty, L)
    const e = (ref: number, loss: number) => 0.5 * (ref - loss) + 0.5 * -1
    const { network: N, naive: V, inferers: I, forecasters: F, oneOutInferers: O, oneInForecasters: P } = L
    expect(r.network).toEqual({ inferers: { a: e(N, I.a), b: e(N, I.b) }, forecasters: { f: e(N, F.f) } })
    expect(r.naive).toEqual({ inferers: { a: e(V, I.a), b: e(V, I.b) }, forecasters: {} })
    expect(plainOf(r.oneOutInferer)).toEqual({
      a: { inferers: { a: e(O.a, I.a), b: e(O.a, I.b) }, forecasters: {} },
      b: { inferers: { a: e(O.b, I.a), b: e(O.b, I.b) }, forecasters: { f: e(O.b, -2.4) } },
    })
    expect(plainOf(r.oneOutForecaster)).toEqual({})
    expect(plainOf(r.oneInForecaster)).toEqual({
      f: { inferers: { a: e(P.f, I.a), b: e(P.f, I.b) }, forecasters: { f: e(P.f, F.f) } },
    })
  })

  it('keeps absent entries, returns current when equal to previous, and writes keys in ascending order', () => {
    const prev: Regrets = { ...empty, network: { inferers: { z: 3, a: 0.5, b: 7 }, forecasters: {} } }
    const r = updateRegrets(0.1, -1, prev, L)
    expect(r.network.inferers.a).toBe(0.5)
    expect(r.network.inferers.b).toBe(0.1 * -0.5 + 0.9 * 7)
    expect(r.network.inferers.z).toBe(3)
    expect(Object.keys(r.network.inferers)).toEqual(['a', 'b', 'z'])
  })

  it('stores no column for a forecaster with no recomputed value', () => {
    const table = {
      rows: ['f', 'g'],
      cols: ['a', 'b'],
      values: Float64Array.of(Number.NaN, -2.4, Number.NaN, Number.NaN),
    }
    const r = updateRegrets(0.5, -1, empty, { ...L, oneOutInfererForecasters: table })
    expect(r.oneOutInferer.forecasters.cols).toEqual(['f'])
  })

  it('workers that come and go: the tables hold the rows and ids just updated, what left is kept apart', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `w${String(i).padStart(2, '0')}`)
    let r = empty
    for (let e = 0; e < 36; e++) {
      const active = ids.slice(e, e + 5)
      const losses = Object.fromEntries(active.map((id, i) => [id, -2 - i / 10]))
      r = updateRegrets(0.3, -1, r, {
        ...L,
        inferers: losses,
        forecasters: {},
        oneOutInferers: losses,
        oneInForecasters: {},
        oneOutInfererForecasters: matrixOf({}),
      })
    }
    const family = r.oneOutInferer
    // Five rows and the five ids they were updated with: not every id a row ever held.
    expect(family.inferers.rows).toEqual(ids.slice(35, 40))
    expect(family.inferers.cols).toEqual(ids.slice(35, 40))
    // Nothing is lost: every row ever updated is still there, with what it held.
    const nested = plainOf(family)
    expect(Object.keys(nested)).toEqual(ids)
    expect(Object.keys(nested.w00.inferers)).toEqual(ids.slice(0, 5))
  })
})
