import { describe, expect, it } from 'vitest'
import { stateHash } from '../../../src/consensus/state-hash.js'
import { familyOf } from '../../../src/synthesis/id-matrix.js'
import { emptyTopicState } from '../../../src/synthesis/state.js'
import type { RegretFamily, RegretSet, TopicState } from '../../../src/synthesis/types.js'

const held: RegretSet = { inferers: { a: 0.25, b: -1 }, forecasters: { k: 2 } }

function stateWith(family: RegretFamily): TopicState {
  const s = emptyTopicState()
  return { ...s, initialRegret: 0.5, regrets: { ...s.regrets, oneOutInferer: family } }
}

/** A table row `l` and a dormant row `m` holding `record`. */
function family(record: RegretSet): RegretFamily {
  return { ...familyOf({ l: { inferers: { a: 1, b: 2 }, forecasters: {} } }), dormant: { m: record } }
}

describe('topic state hash', () => {
  it('equal states hash equal, whichever objects hold them', () => {
    const a = stateWith(family(held))
    const copy = stateWith(family({ inferers: { ...held.inferers }, forecasters: { ...held.forecasters } }))
    expect(stateHash(copy)).toBe(stateHash(a))
    // Hashing again (the record's digest is kept) gives the same hash.
    expect(stateHash(a)).toBe(stateHash(a))
  })

  it('every value of a dormant record is covered, and so is its id', () => {
    const base = stateHash(stateWith(family(held)))
    expect(stateHash(stateWith(family({ ...held, inferers: { a: 0.25, b: -1.5 } })))).not.toBe(base)
    expect(stateHash(stateWith(family({ ...held, forecasters: {} })))).not.toBe(base)
    expect(stateHash(stateWith(family({ ...held, inferers: { a: 0.25, c: -1 } })))).not.toBe(base)
    const renamed = { ...family(held), dormant: { n: held } }
    expect(stateHash(stateWith(renamed))).not.toBe(base)
  })

  it('covers the tables, the form the family is held in, and the rest of the state', () => {
    const f = family(held)
    const base = stateHash(stateWith(f))
    const values = f.inferers.values.slice()
    values[0] = 1.5
    expect(stateHash(stateWith({ ...f, inferers: { ...f.inferers, values } }))).not.toBe(base)
    // The same regrets with m as a table row instead of a dormant record.
    const asTable = { ...familyOf({ l: { inferers: { a: 1, b: 2 }, forecasters: {} }, m: held }), dormant: {} }
    expect(asTable.inferers.rows).toEqual(['l', 'm'])
    expect(stateHash(stateWith(asTable))).not.toBe(base)
    expect(stateHash({ ...stateWith(f), initialRegret: 0.75 })).not.toBe(base)
    expect(stateHash({ ...stateWith(f), listeningCoefficients: { r: 1 } })).not.toBe(base)
    const naive = { inferers: { a: 1 }, forecasters: {} }
    const s = stateWith(f)
    expect(stateHash({ ...s, regrets: { ...s.regrets, naive } })).not.toBe(base)
  })
})
