import { describe, expect, it } from 'vitest'
import { applyBlock, initialState, parseGenesis, type LedgerState } from '../../../../src/consensus/ledger/index.js'
import { ALICE, BOB, genesisFile, hashOf, R1, testState, txOf } from './fixtures.js'

function reversed<K, V>(map: ReadonlyMap<K, V>): Map<K, V> {
  return new Map([...map.entries()].reverse())
}

/** The same state with every map and set filled in the opposite order. */
function reordered(s: LedgerState): LedgerState {
  return {
    ...s,
    accounts: reversed(s.accounts),
    delegations: new Map([...s.delegations.entries()].reverse().map(([k, v]) => [k, reversed(v)])),
    topics: new Map(
      [...s.topics.entries()]
        .reverse()
        .map(([k, t]) => [
          k,
          { ...t, workers: new Set([...t.workers].reverse()), reputers: new Set([...t.reputers].reverse()) },
        ]),
    ),
    slashedEvidence: new Set([...s.slashedEvidence].reverse()),
  }
}

describe('ledger state hash', () => {
  it('is 32 bytes and independent of insertion order', () => {
    let s = testState()
    const txs = [
      txOf(s, ALICE, 'delegate', { reputer: R1, amount: '10' }),
      txOf(s, BOB, 'delegate', { reputer: R1, amount: '20' }),
    ]
    s = applyBlock(s, {
      height: 1,
      epoch: 0,
      txs,
      evidence: [
        { offender: BOB, id: 'a' },
        { offender: ALICE, id: 'b' },
      ],
    }).state
    expect(hashOf(s)).toHaveLength(64)
    expect(hashOf(reordered(s))).toBe(hashOf(s))
    const file = genesisFile() as { accounts: unknown[] }
    const flipped = initialState(parseGenesis({ ...file, accounts: [...file.accounts].reverse() }, 'flipped'))
    expect(hashOf(flipped)).toBe(hashOf(testState()))
  })

  it('changes with any amount, nonce, weight or parameter', () => {
    const s = testState()
    const base = hashOf(s)
    const bob = s.accounts.get(BOB)!
    const variants: LedgerState[] = [
      { ...s, accounts: new Map(s.accounts).set(BOB, { ...bob, balance: bob.balance + 1n }) },
      { ...s, accounts: new Map(s.accounts).set(BOB, { ...bob, nonce: 1 }) },
      { ...s, topics: new Map(s.topics).set('t1', { ...s.topics.get('t1')!, weight: 1 }) },
      { ...s, treasury: 1n },
      { ...s, params: { ...s.params, slashFractionPpm: 1 } },
      { ...s, height: 1 },
    ]
    for (const v of variants) expect(hashOf(v)).not.toBe(base)
  })
})
