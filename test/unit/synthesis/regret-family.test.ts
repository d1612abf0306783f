import { describe, expect, it } from 'vitest'
import { stateHash } from '../../../src/consensus/chain/state-hash.js'
import { lossBundle } from '../../../src/topic/loss-bundle.js'
import { isSound, NOTHING_DEPARTED, withChunks } from '../../../src/synthesis/departed-regrets.js'
import { matrixOf } from '../../../src/synthesis/id-matrix.js'
import { DEFAULT_PARAMS } from '../../../src/synthesis/params.js'
import { checkFamily, familyOf, nestedFamily } from '../../../src/synthesis/regret-family.js'
import { settleEpoch } from '../../../src/synthesis/settle.js'
import { emptyTopicState } from '../../../src/synthesis/state.js'
import { synthesizeEpoch } from '../../../src/synthesis/synthesize.js'
import type { RegretFamily, Regrets, TopicState } from '../../../src/synthesis/types.js'
import { jsonOf } from '../../utils/plain.js'
import { mulberry32 } from '../../utils/prng.js'

/** The same regrets with every row of every family in the tables and nothing departed. */
function flattened(state: TopicState): TopicState {
  const flat = (f: RegretFamily): RegretFamily => familyOf(nestedFamily(f))
  const r = state.regrets
  const regrets: Regrets = {
    ...r,
    oneOutInferer: flat(r.oneOutInferer),
    oneOutForecaster: flat(r.oneOutForecaster),
    oneInForecaster: flat(r.oneInForecaster),
  }
  return { ...state, regrets }
}

describe('regret families: tables and what departed from them', () => {
  it('round-trip through the nested form; the tables need equal rows', () => {
    const nested = { l: { inferers: { a: 1, b: 2 }, forecasters: {} }, m: { inferers: {}, forecasters: { k: 3 } } }
    const family = familyOf(nested)
    expect(nestedFamily(family)).toEqual(nested)
    expect(checkFamily(family, 'f')).toEqual(family)
    expect(() => checkFamily({ ...family, forecasters: matrixOf({ l: {} }) }, 'f')).toThrow(/same rows/)
  })

  it('the nested form holds the newest value of each pair: the tables, then the newest chunk', () => {
    const older = matrixOf({ l: { a: 1, b: 2 }, m: { a: 3 } })
    const newer = matrixOf({ l: { a: 4 } })
    const family: RegretFamily = {
      ...familyOf({ m: { inferers: { c: 5 }, forecasters: {} } }),
      departed: { inferers: withChunks(NOTHING_DEPARTED, [older, newer]), forecasters: NOTHING_DEPARTED },
    }
    expect(nestedFamily(family)).toEqual({
      l: { inferers: { a: 4, b: 2 }, forecasters: {} },
      m: { inferers: { a: 3, c: 5 }, forecasters: {} },
    })
  })

  it('checks each chunk once, every new one, and that the id unions are exact', () => {
    const tables = familyOf({ l: { inferers: { a: 1 }, forecasters: {} } })
    const chunk = matrixOf({ x: { a: 0.5, z: 2 } })
    const side = withChunks(NOTHING_DEPARTED, [chunk])
    expect(side.rows).toEqual(['x'])
    expect(side.cols).toEqual(['a', 'z'])
    expect(
      checkFamily({ ...tables, departed: { inferers: side, forecasters: NOTHING_DEPARTED } }, 'f').departed.inferers
        .chunks[0],
    ).toBe(chunk)
    const bad = { rows: ['y'], cols: ['b'], values: Float64Array.of(Number.POSITIVE_INFINITY) }
    const withBad = {
      ...tables,
      departed: {
        inferers: { chunks: [chunk, bad], rows: ['x', 'y'], cols: ['a', 'b', 'z'] },
        forecasters: NOTHING_DEPARTED,
      },
    }
    expect(() => checkFamily(withBad, 'f')).toThrow(/f\.departed\.inferers\.chunks\[1\]\["y"\]\["b"\] is not finite/)
    const wrongUnion = { ...tables, departed: { inferers: { ...side, rows: [] }, forecasters: NOTHING_DEPARTED } }
    expect(() => checkFamily(wrongUnion, 'f')).toThrow(/rows must hold every row of its chunks/)
    expect(() => checkFamily({ ...tables, departed: { inferers: NOTHING_DEPARTED } }, 'f')).toThrow(
      /f\.departed\.forecasters must be/,
    )
  })

  // The engine keeps what leaves its tables in chunks and recalls it when a worker comes back;
  // the same regrets held all in tables (flattened) must give the same outputs and the same
  // next regrets, epoch after epoch, with inferers and forecasters leaving and coming back.
  it('workers leaving and coming back: the same results as the same regrets all in tables', () => {
    const u = mulberry32(3)
    const pool = Array.from({ length: 36 }, (_, i) => `i${String(i).padStart(2, '0')}`)
    const forecasters = Array.from({ length: 8 }, (_, i) => `f${i}`)
    let state = emptyTopicState()
    let truth = 0
    let recalled = 0
    const hashes: string[] = []
    for (let epoch = 0; epoch < 40; epoch++) {
      const active = pool.filter((_, i) => i < 10 || u() < 0.4)
      const present = forecasters.filter(() => u() < 0.7)
      truth += u() - 0.5
      const inferences = Object.fromEntries(active.map((id) => [id, truth + u() - 0.5]))
      const forecasts = Object.fromEntries(
        present.map((k) => [
          k,
          Object.fromEntries(Array.from({ length: 4 }, () => [active[Math.floor(u() * active.length)], u() - 2])),
        ]),
      )
      const input = { inferences, forecasts }
      const flat = flattened(state)
      const output = synthesizeEpoch(DEFAULT_PARAMS, input, state)
      expect(jsonOf(output)).toBe(jsonOf(synthesizeEpoch(DEFAULT_PARAMS, input, flat)))
      const reputers = Object.fromEntries(
        ['r1', 'r2'].map((id, m) => [
          id,
          { stake: 100 + m, losses: lossBundle({ inferences, output }, { value: truth + 0.05 * m }, 'squared-error') },
        ]),
      )
      const settled = settleEpoch(DEFAULT_PARAMS, { reputers, topicReward: 1000 }, state)
      const settledFlat = settleEpoch(DEFAULT_PARAMS, { reputers, topicReward: 1000 }, flat)
      expect(jsonOf(settled)).toBe(jsonOf(settledFlat))
      state = settled.state
      // Hashed every epoch, as a node does: the hash of what departed is carried from the last.
      hashes.push(stateHash(state))
      const f = state.regrets.oneOutInferer
      // The tables hold this settlement's rows and ids only (none in the first epochs, with
      // no regrets to weight by yet).
      if (epoch >= 2) {
        expect(f.inferers.rows).toEqual([...active].sort())
        expect(f.inferers.cols).toEqual([...active].sort())
      }
      recalled += f.departed.inferers.chunks.length
      // Every pair is kept in one place only (else a worker that keeps missing epochs would
      // leave a copy of its regrets behind each time, for good).
      for (const side of ['inferers', 'forecasters'] as const) {
        const seen = new Set<string>()
        for (const m of [f[side], ...f.departed[side].chunks]) {
          m.rows.forEach((row, r) =>
            m.cols.forEach((col, c) => {
              if (Number.isNaN(m.values[r * m.cols.length + c])) return
              expect(seen.has(`${row} ${col}`)).toBe(false)
              seen.add(`${row} ${col}`)
            }),
          )
        }
      }
    }
    expect(recalled).toBeGreaterThan(0)
    // The carried hash is the hash of the state itself: a copy (new objects, nothing carried) hashes the same.
    expect(stateHash(structuredClone(state))).toBe(hashes[hashes.length - 1])
    // What departed was built by the engine from checked tables, so no later check reads it
    // again (it grows every epoch: checking it whole each time would cost more every epoch).
    expect(isSound(state.regrets.oneOutInferer.departed.inferers)).toBe(true)
    expect(isSound(state.regrets.oneOutInferer.departed.forecasters)).toBe(true)
    expect(isSound(withChunks(NOTHING_DEPARTED, [matrixOf({ x: { a: 1 } })]))).toBe(false)
  })
})
