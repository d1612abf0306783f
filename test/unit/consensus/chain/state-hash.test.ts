import { describe, expect, it } from 'vitest'
import { stateHash } from '../../../../src/consensus/chain/state-hash.js'
import { familyOf } from '../../../../src/synthesis/regret-family.js'
import { NOTHING_DEPARTED, withChunks } from '../../../../src/synthesis/departed-regrets.js'
import { emptyTopicState } from '../../../../src/synthesis/state.js'
import type { IdMatrix, RegretFamily, RegretSet, TopicState } from '../../../../src/synthesis/types.js'

const held: RegretSet = { inferers: { a: 0.25, b: -1 }, forecasters: { k: 2 } }

/** What a row `m` left behind: the chunks of its two sides. */
function departedOf(record: RegretSet): RegretFamily['departed'] {
  const nested = familyOf({ m: record })
  const side = (t: IdMatrix) => withChunks(NOTHING_DEPARTED, [t.values.some((v) => v === v) ? t : undefined])
  return { inferers: side(nested.inferers), forecasters: side(nested.forecasters) }
}

function stateWith(family: RegretFamily): TopicState {
  const s = emptyTopicState()
  return { ...s, initialRegret: 0.5, regrets: { ...s.regrets, oneOutInferer: family } }
}

/** A table row `l` and a row `m` that left the tables holding `record`. */
function family(record: RegretSet): RegretFamily {
  return { ...familyOf({ l: { inferers: { a: 1, b: 2 }, forecasters: {} } }), departed: departedOf(record) }
}

describe('topic state hash', () => {
  it('equal states hash equal, whichever objects hold them', () => {
    const a = stateWith(family(held))
    const copy = stateWith(family({ inferers: { ...held.inferers }, forecasters: { ...held.forecasters } }))
    expect(stateHash(copy)).toBe(stateHash(a))
    // Hashing again (the record's digest is kept) gives the same hash.
    expect(stateHash(a)).toBe(stateHash(a))
  })

  it('every departed value is covered, and so is its row', () => {
    const base = stateHash(stateWith(family(held)))
    expect(stateHash(stateWith(family({ ...held, inferers: { a: 0.25, b: -1.5 } })))).not.toBe(base)
    expect(stateHash(stateWith(family({ ...held, forecasters: {} })))).not.toBe(base)
    expect(stateHash(stateWith(family({ ...held, inferers: { a: 0.25, c: -1 } })))).not.toBe(base)
    const renamed = familyOf({ l: { inferers: { a: 1, b: 2 }, forecasters: {} } })
    const n = familyOf({ n: held })
    const moved = {
      ...renamed,
      departed: {
        inferers: withChunks(NOTHING_DEPARTED, [n.inferers]),
        forecasters: withChunks(NOTHING_DEPARTED, [n.forecasters]),
      },
    }
    expect(stateHash(stateWith(moved))).not.toBe(base)
  })

  it('covers the tables, the form the family is held in, and the rest of the state', () => {
    const f = family(held)
    const base = stateHash(stateWith(f))
    const values = f.inferers.values.slice()
    values[0] = 1.5
    expect(stateHash(stateWith({ ...f, inferers: { ...f.inferers, values } }))).not.toBe(base)
    // The same regrets with m as a table row instead of departed.
    const asTable = familyOf({ l: { inferers: { a: 1, b: 2 }, forecasters: {} }, m: held })
    expect(asTable.inferers.rows).toEqual(['l', 'm'])
    expect(stateHash(stateWith(asTable))).not.toBe(base)
    expect(stateHash({ ...stateWith(f), initialRegret: 0.75 })).not.toBe(base)
    expect(stateHash({ ...stateWith(f), listeningCoefficients: { r: 1 } })).not.toBe(base)
    const naive = { inferers: { a: 1 }, forecasters: {} }
    const s = stateWith(f)
    expect(stateHash({ ...s, regrets: { ...s.regrets, naive } })).not.toBe(base)
  })

  it('what departed hashes by its set of chunks, however the side was built', () => {
    const a = familyOf({ x: { inferers: { p: 1 }, forecasters: {} } }).inferers
    const b = familyOf({ y: { inferers: { q: 2 }, forecasters: {} } }).inferers
    const tables = familyOf({ l: { inferers: { p: 0 }, forecasters: {} } })
    const withSide = (inferers: RegretFamily['departed']['inferers']): TopicState =>
      stateWith({ ...tables, departed: { inferers, forecasters: NOTHING_DEPARTED } })
    const stepwise = withChunks(withChunks(NOTHING_DEPARTED, [a]), [b])
    const atOnce = withChunks(NOTHING_DEPARTED, [a, b])
    const byHand = { chunks: [a, b], rows: ['x', 'y'], cols: ['p', 'q'] }
    // The stepwise side first, so its parent's digest is kept and continued from.
    const h = stateHash(withSide(stepwise))
    expect(stateHash(withSide(atOnce))).toBe(h)
    expect(stateHash(withSide(byHand))).toBe(h)
    // Every pair is in one chunk only, so the order of the chunks says nothing.
    expect(stateHash(withSide(withChunks(NOTHING_DEPARTED, [b, a])))).toBe(h)
    expect(stateHash(withSide(withChunks(NOTHING_DEPARTED, [a])))).not.toBe(h)
  })
})
