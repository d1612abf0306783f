import { describe, expect, it } from 'vitest'
import { consensusLosses, lossMatrix } from '../../../src/synthesis/consensus-losses.js'
import type { IdMap, LossBundle } from '../../../src/synthesis/types.js'
import { lossBundleOf, type LossBundleParts } from '../../utils/loss-bundle.js'
import { plainOf } from '../../utils/plain.js'

const B = (parts: LossBundleParts): LossBundle => lossBundleOf({ naive: -1, ...parts })

describe('stake-weighted consensus (§3.1)', () => {
  it('weights raw stakes over the reporters of each value, in every field', () => {
    const reports = {
      r2: {
        stake: 3,
        losses: B({
          network: -4,
          inferers: { a: -1 },
          oneOutInfererForecasters: { f: { a: -2, b: -3 } },
          oneInForecasters: { f: -1 },
        }),
      },
      r1: {
        stake: 1,
        losses: B({ network: -2, inferers: { a: -3, b: -5 }, oneOutInfererForecasters: { f: { a: -6 }, g: {} } }),
      },
    }
    const L = consensusLosses(['r1', 'r2'], reports)
    expect(L.network).toBe((-2 * 1 + -4 * 3) / 4)
    expect(L.naive).toBe(-1)
    expect(L.inferers).toEqual({ a: (-3 + -3) / 4, b: -5 })
    expect(plainOf(L.oneOutInfererForecasters)).toEqual({ f: { a: (-6 + -6) / 4, b: -3 } })
    expect(L.oneInForecasters).toEqual({ f: -1 })
    expect(L.forecasters).toEqual({})
  })

  it('flattens in the §3.3 order with NaN for missing reports', () => {
    const reports = {
      a: {
        stake: 1,
        losses: B({
          inferers: { x: 1 },
          forecasters: { f: 2 },
          oneOutInfererForecasters: { f: { x: 3 } },
          oneOutInferers: { x: 4 },
          oneOutForecasters: { f: 5 },
          oneInForecasters: { f: 6 },
        }),
      },
      b: { stake: 1, losses: B({ inferers: { y: 7 } }) },
    }
    const m = lossMatrix(['a', 'b'], reports)
    expect(m.layout.size).toBe(9)
    expect(Array.from(m.values.subarray(0, 9))).toEqual([-2, -1, 1, NaN, 2, 3, 4, 5, 6])
    expect(Array.from(m.values.subarray(9))).toEqual([-2, -1, NaN, 7, NaN, NaN, NaN, NaN, NaN])
  })

  it('takes the union of ids when a later reputer reports more than the first', () => {
    const first = B({ inferers: { a: -1 }, oneOutInfererForecasters: { f: { a: -2 }, e: {} } })
    const cases: LossBundleParts[] = [
      { inferers: { a: -1, b: -2 } },
      { oneInForecasters: { k: -1 } },
      { oneOutInfererForecasters: { f: { a: -2, z: -3 } } },
      { oneOutInfererForecasters: { g: { a: -4 } } },
      { oneOutInfererForecasters: { f: { a: -2 }, e: {}, h: {} } },
    ]
    for (const extra of cases) {
      const m = lossMatrix(['r1', 'r2'], {
        r1: { stake: 1, losses: first },
        r2: { stake: 1, losses: B({ inferers: { a: -1 }, ...extra }) },
      })
      const L = consensusLosses(['r1', 'r2'], {
        r1: { stake: 1, losses: first },
        r2: { stake: 1, losses: B({ inferers: { a: -1 }, ...extra }) },
      })
      const nan = Array.from(m.values).filter((v) => Number.isNaN(v)).length
      expect(m.missing).toBe(nan)
      if (extra.inferers) expect(L.inferers).toEqual({ a: -1, b: -2 })
      if (extra.oneInForecasters) expect(L.oneInForecasters).toEqual({ k: -1 })
      const nested = extra.oneOutInfererForecasters as IdMap<IdMap> | undefined
      const table = plainOf(L.oneOutInfererForecasters)
      if (nested?.f?.z) expect(table.f).toEqual({ a: -2, z: -3 })
      if (nested?.g) expect(table).toEqual({ f: { a: -2 }, g: { a: -4 } })
      if (nested?.h) expect(table).toEqual({ f: { a: -2 } })
    }
  })

  it('rejects non-numbers and non-finite values with their path', () => {
    const bad = { r: { stake: 1, losses: B({ forecasters: { f: '1' as unknown as number } }) } }
    expect(() => consensusLosses(['r'], bad)).toThrow(/reputers\.r\.losses\.forecasters\.f must be a number/)
    const inf = { r: { stake: 1, losses: B({ oneOutInfererForecasters: { f: { a: -Infinity } } }) } }
    expect(() => consensusLosses(['r'], inf)).toThrow(expect.objectContaining({ code: 'NON_FINITE' }))
  })

  it("checks the ids of every reputer's table, not only the first one's", () => {
    const good = B({ oneOutInfererForecasters: { f: { a: -2, b: -3 } } })
    for (const cols of [
      ['b', 'a'],
      ['a', 'a'],
      ['a', ''],
    ]) {
      const bad: LossBundle = {
        ...good,
        oneOutInfererForecasters: { rows: ['f'], cols, values: Float64Array.of(-1, -1) },
      }
      expect(() =>
        consensusLosses(['r1', 'r2'], { r1: { stake: 1, losses: good }, r2: { stake: 1, losses: bad } }),
      ).toThrow(/reputers\.r2\.losses\.one_out_inferer_forecasters\.cols/)
    }
    // Equal ids in another array object are accepted as the first table's.
    const copy: LossBundle = {
      ...good,
      oneOutInfererForecasters: { ...good.oneOutInfererForecasters, cols: [...good.oneOutInfererForecasters.cols] },
    }
    expect(
      plainOf(
        consensusLosses(['r1', 'r2'], { r1: { stake: 1, losses: good }, r2: { stake: 1, losses: copy } })
          .oneOutInfererForecasters,
      ),
    ).toEqual({ f: { a: -2, b: -3 } })
  })

  it('names the first table value that is not a log10 loss, whichever reputer and row it is in', () => {
    const good = (): LossBundle =>
      B({ inferers: { a: -1, b: -2 }, oneOutInfererForecasters: { f: { a: -2, b: -3 }, g: { a: -1, b: -1 } } })
    const withBad = B({
      inferers: { a: -1, b: -2 },
      oneOutInfererForecasters: { f: { a: -2, b: -3 }, g: { a: -1, b: 1e6 } },
    })
    const reports = {
      r1: { stake: 1, losses: good() },
      r2: { stake: 2, losses: withBad },
      r3: { stake: 1, losses: good() },
    }
    expect(() => consensusLosses(['r1', 'r2', 'r3'], reports)).toThrow(
      /reputers\.r2\.losses\.one_out_inferer_forecasters\["g"\]\["b"\]/,
    )
    expect(() => consensusLosses(['r1', 'r2', 'r3'], reports)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    )
    // Also when the bad reputer's table holds an id the first one lacks (the union layout).
    const wider = B({
      inferers: { a: -1, b: -2 },
      oneOutInfererForecasters: { f: { a: -2, b: -3, c: NaN }, g: { a: -1, b: -1, c: -400 } },
    })
    expect(() =>
      consensusLosses(['r1', 'r2'], { r1: { stake: 1, losses: good() }, r2: { stake: 1, losses: wider } }),
    ).toThrow(/r2\.losses\.one_out_inferer_forecasters\["g"\]\["c"\]/)
  })
})
