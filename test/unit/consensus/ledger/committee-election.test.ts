/**
 * The committee elected by stake: the genesis schedule, the election rule, the hand-off
 * COMMITTEE_LAG heights after the block that elects it, candidacy, the committee's pay by the
 * committee of each height, governance of the committee size, the hash, the bounds and pruning.
 */
import { describe, expect, it } from 'vitest'
import {
  applyBlock,
  applyTx,
  balanceOf,
  COMMITTEE_LAG,
  COMMITTEE_MEMORY,
  committeeAt,
  committeeBoundsProblem,
  electCommittee,
  genesisToJson,
  initialState,
  latestCommittee,
  LedgerError,
  parseGenesis,
  payCommittee,
  PROPOSER_SHARE_PPM,
  type BlockOutcome,
  type LedgerBlock,
  type LedgerState,
  type LedgerTx,
} from '../../../../src/consensus/ledger/index.js'
import { TOP_POWER, type CommitteeMember } from '../../../../src/consensus/ledger/committee-terms.js'
import { ALICE, BOB, C1, C2, CTX, genesisFile, hashOf, idOf, NOBODY, R1, R2, testState, txOf, W1 } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: the tests poke arbitrary fields of the raw, untyped file object
type Raw = Record<string, any>

/** The fixture genesis with `edit` applied. */
function stateOf(edit: (g: Raw) => void = () => {}): LedgerState {
  const g: Raw = genesisFile()
  edit(g)
  return initialState(parseGenesis(g, 'test genesis'))
}

/**
 * The fixture genesis, but its committee already has the powers its stakes elect (C1 and C2
 * stake 1000 each), so an empty block hands nothing off.
 */
function stable(): LedgerState {
  return stateOf((g) => {
    g.committee = [
      { id: C1, power: TOP_POWER },
      { id: C2, power: TOP_POWER },
    ]
  })
}

const GENESIS_COMMITTEE: CommitteeMember[] = [
  { id: C1, power: 1 },
  { id: C2, power: 3 },
]
const EQUAL: CommitteeMember[] = [
  { id: C1, power: TOP_POWER },
  { id: C2, power: TOP_POWER },
]

/** The next block after `state`. */
function next(state: LedgerState, txs: readonly LedgerTx[] = [], parts: Partial<LedgerBlock> = {}): BlockOutcome {
  const out = applyBlock(state, { height: state.height + 1, epoch: state.epoch, txs, ...parts })
  out.txResults.forEach((r, i) => {
    if (!r.ok) throw new Error(`tx ${i}: ${r.code}: ${r.reason}`)
  })
  return out
}

/** Empty blocks until `height`. */
function emptyTo(state: LedgerState, height: number): LedgerState {
  let s = state
  while (s.height < height) s = applyBlock(s, { height: s.height + 1, epoch: s.epoch, txs: [] }).state
  return s
}

/** `signer`'s transactions in one block, nonces in order. */
function txsOf(state: LedgerState, signer: string, list: [string, LedgerTx['body']][]): LedgerTx[] {
  const nonce = state.accounts.get(signer)?.nonce ?? 0
  return list.map(([kind, body], i) => ({ signer, kind, accountNonce: nonce + i, body }))
}

const stand = (s: LedgerState, id: string, yes = true) => txOf(s, id, 'candidacy', { stand: yes })

/** The state with some accounts' self-stake replaced (a test shortcut: supply is not rebalanced). */
function withStakes(state: LedgerState, stakes: Record<string, bigint>): LedgerState {
  const accounts = new Map(state.accounts)
  for (const [id, stake] of Object.entries(stakes)) {
    const a = accounts.get(id) ?? { balance: 0n, stake: 0n, nonce: 0 }
    accounts.set(id, { ...a, stake })
  }
  return { ...state, accounts }
}

function refusal(state: LedgerState, tx: LedgerTx): string {
  const r = applyTx(state, tx, { height: state.height + 1, epoch: state.epoch })
  return r.ok ? 'accepted' : `${r.code}: ${r.reason}`
}

describe('the genesis committee', () => {
  it('stands as the candidates and decides heights 1 .. COMMITTEE_LAG, from no hand-off', () => {
    const s = testState()
    expect([...s.candidates].sort()).toEqual([C1, C2])
    expect(s.committees).toEqual([{ from: 1, members: GENESIS_COMMITTEE }])
    expect(s.lastHandoff).toBe(0)
    expect(COMMITTEE_LAG).toBe(2)
    for (let h = 1; h <= COMMITTEE_LAG; h++) expect(committeeAt(s, h)).toEqual(GENESIS_COMMITTEE)
    expect(committeeAt(s, s.height + COMMITTEE_LAG + 1)).toBeUndefined()
    expect(committeeAt(s, 0)).toBeUndefined()
    expect(latestCommittee(s)).toEqual(GENESIS_COMMITTEE)
    expect(committeeBoundsProblem(s)).toBeUndefined()
  })

  it('is scheduled in id order whatever order the genesis lists it in', () => {
    const s = stateOf((g) => {
      g.committee = [
        { id: C2, power: 3 },
        { id: C1, power: 1 },
      ]
    })
    expect(s.committees).toEqual([{ from: 1, members: GENESIS_COMMITTEE }])
  })

  it('reads committeeElection, with defaults of the committee length and minimumStake.reputer', () => {
    const d = testState().params
    expect(d.committeeSize).toBe(2)
    expect(d.committeeMinStake).toBe(1000n)
    const g = parseGenesis({ ...genesisFile(), committeeElection: { size: 7, minStake: '1500' } }, 'test genesis')
    expect(g.committeeSize).toBe(7)
    expect(g.committeeMinStake).toBe(1500n)
    // Written back only when not the defaults, and read back the same.
    expect(genesisToJson(parseGenesis(genesisFile(), 'test genesis'))).not.toHaveProperty('committeeElection')
    expect(parseGenesis(genesisToJson(g), 'round trip')).toMatchObject({ committeeSize: 7, committeeMinStake: 1500n })
    expect(() => parseGenesis({ ...genesisFile(), committeeElection: { size: 0 } }, 'test genesis')).toThrow(
      /committeeElection\.size/,
    )
    expect(() => parseGenesis({ ...genesisFile(), committeeElection: { size: 101 } }, 'test genesis')).toThrow(
      /committeeElection\.size/,
    )
    // A genesis committee larger than any committee may be would halt the chain at its first block.
    const many = Array.from({ length: 101 }, (_, i) => ({ id: idOf(`m${String(i).padStart(3, '0')}`), power: 1 }))
    expect(() => parseGenesis({ ...genesisFile(), committee: many }, 'test genesis')).toThrow(/committee/)
  })

  it('keeps heights 1 .. COMMITTEE_LAG with the genesis powers when the first election re-weighs them by stake', () => {
    // The fixture's genesis powers (1, 3) are not its stakes' (1000, 1000): block 1 hands off to
    // the elected powers, from height 1 + COMMITTEE_LAG.
    const s = next(testState()).state
    expect(s.lastHandoff).toBe(1)
    expect(s.committees).toEqual([
      { from: 1, members: GENESIS_COMMITTEE },
      { from: 3, members: EQUAL },
    ])
    expect(committeeAt(s, 2)).toEqual(GENESIS_COMMITTEE)
    expect(committeeAt(s, 3)).toEqual(EQUAL)
    // A genesis with the powers its stakes elect hands nothing off.
    const quiet = next(stable()).state
    expect(quiet.lastHandoff).toBe(0)
    expect(quiet.committees).toEqual([{ from: 1, members: EQUAL }])
  })
})

describe('the election', () => {
  it('takes the top committeeSize candidates by self-stake, ties to the smaller id, in id order', () => {
    const base = withStakes(testState(), { [R1]: 2000n, [R2]: 3000n })
    // Inserted with C2 before C1: the result does not depend on the set's order.
    const s: LedgerState = {
      ...base,
      candidates: new Set([R2, C2, BOB, R1, C1]),
      params: { ...base.params, committeeSize: 3 },
    }
    expect(electCommittee(s)).toEqual([
      // 1000 / 3000 and 2000 / 3000 of TOP_POWER, rounded down.
      { id: C1, power: 333_333 },
      { id: R1, power: 666_666 },
      { id: R2, power: TOP_POWER },
    ])
    // With room for all: BOB (500) is still below committeeMinStake (1000).
    const all = electCommittee({ ...s, params: { ...s.params, committeeSize: 10 } })
    expect(all?.map((m) => m.id)).toEqual([C1, C2, R1, R2])
    // ... and is elected once the minimum allows it.
    const low = electCommittee({ ...s, params: { ...s.params, committeeSize: 10, committeeMinStake: 500n } })
    expect(low?.map((m) => m.id)).toEqual([BOB, C1, C2, R1, R2])
    expect(low?.find((m) => m.id === BOB)?.power).toBe(166_666)
  })

  it('breaks a tie at the last seat to the smaller id', () => {
    const s = { ...testState(), params: { ...testState().params, committeeSize: 1 } }
    expect(C1 < C2).toBe(true)
    expect(electCommittee(s)).toEqual([{ id: C1, power: TOP_POWER }])
    const flipped = withStakes(s, { [C2]: 1001n })
    expect(electCommittee(flipped)).toEqual([{ id: C2, power: TOP_POWER }])
  })

  it('gives every member a power of at least 1', () => {
    const base = withStakes(testState(), { [R2]: 10n ** 18n })
    const s: LedgerState = {
      ...base,
      candidates: new Set([R2, W1]),
      params: { ...base.params, committeeMinStake: 1n },
    }
    // 200 · 10^6 / 10^18 rounds to 0.
    expect(electCommittee(s)).toEqual([
      { id: R2, power: TOP_POWER },
      { id: W1, power: 1 },
    ])
  })

  it('elects nobody without an eligible candidate, and the committee stays as it is', () => {
    const base = testState()
    const noStake: LedgerState = { ...base, candidates: new Set([BOB, ALICE]) }
    expect(electCommittee(noStake)).toBeUndefined()
    expect(electCommittee({ ...base, candidates: new Set() })).toBeUndefined()
    const s = next(noStake).state
    expect(s.committees).toEqual(base.committees)
    expect(s.lastHandoff).toBe(0)
    expect(committeeAt(s, 3)).toEqual(GENESIS_COMMITTEE)
  })

  it('keeps the committee when every member withdraws in the first block', () => {
    // Without the withdrawals block 1 would hand off (see the genesis tests).
    const g = testState()
    const s = next(g, [stand(g, C1, false), stand(g, C2, false)]).state
    expect(s.candidates.size).toBe(0)
    expect(s.committees).toEqual(g.committees)
    expect(s.lastHandoff).toBe(0)
    expect(committeeAt(s, 3)).toEqual(GENESIS_COMMITTEE)
  })
})

describe('the hand-off through applyBlock', () => {
  it('elects a newcomer with more stake than a member for height h + COMMITTEE_LAG', () => {
    const before = emptyTo(stable(), 4)
    const h = 5
    const block = txsOf(before, ALICE, [
      ['stake', { amount: '5000' }],
      ['candidacy', { stand: true }],
    ])
    const s = next(before, block).state
    expect(s.height).toBe(h)
    expect(s.candidates.has(ALICE)).toBe(true)
    // Size 2: ALICE (5000) and C1 (1000, ahead of C2 by id).
    const elected = [
      { id: ALICE, power: TOP_POWER },
      { id: C1, power: 200_000 },
    ]
    expect(committeeAt(s, h + 1)).toEqual(EQUAL)
    expect(committeeAt(s, h + COMMITTEE_LAG)).toEqual(elected)
    expect(committeeAt(s, h + COMMITTEE_LAG + 1)).toBeUndefined()
    expect(s.lastHandoff).toBe(h)
    expect(s.committees).toEqual([
      { from: 1, members: EQUAL },
      { from: h + COMMITTEE_LAG, members: elected },
    ])
    // The next block changes nothing: no term, the hand-off stays at h.
    const after = next(s).state
    expect(after.committees).toEqual(s.committees)
    expect(after.lastHandoff).toBe(h)
    expect(committeeAt(after, h + 1)).toEqual(EQUAL)
    expect(committeeAt(after, h + 3)).toEqual(elected)
  })

  it('adds no term for a block that changes nothing', () => {
    let s = stable()
    for (let i = 0; i < 5; i++) {
      const before = s
      s = next(s, [txOf(s, ALICE, 'transfer', { to: BOB, amount: '1' })]).state
      expect(s.committees).toEqual(before.committees)
      expect(s.lastHandoff).toBe(0)
    }
    expect(s.committees).toHaveLength(1)
    expect(committeeAt(s, s.height + COMMITTEE_LAG)).toEqual(EQUAL)
  })

  it('moves out a member that unstakes below another candidate when the committee is full', () => {
    // C1 3000, C2 2000; R1 (2000) ties C2 and loses it by id, so its candidacy changes nothing.
    const g = stateOf((f) => {
      for (const a of f.accounts) {
        if (a.id === C1) a.stake = '3000'
        if (a.id === C2) a.stake = '2000'
      }
      f.committee = [
        { id: C1, power: TOP_POWER },
        { id: C2, power: 666_666 },
      ]
    })
    const s1 = next(g, [stand(g, R1)]).state
    expect(s1.candidates.has(R1)).toBe(true)
    expect(s1.committees).toHaveLength(1)
    expect(s1.lastHandoff).toBe(0)
    // C2 unstakes 1: 1999 < R1's 2000, and the size is 2.
    const s2 = next(s1, [txOf(s1, C2, 'unstake', { amount: '1' })]).state
    expect(s2.lastHandoff).toBe(2)
    expect(committeeAt(s2, 3)).toEqual([
      { id: C1, power: TOP_POWER },
      { id: C2, power: 666_666 },
    ])
    expect(committeeAt(s2, 4)).toEqual([
      { id: C1, power: TOP_POWER },
      { id: R1, power: 666_666 },
    ])
    // C2 is still a candidate, just not elected.
    expect(s2.candidates.has(C2)).toBe(true)
  })

  it('drops a member that unstakes below committeeMinStake even with a free seat', () => {
    const g = stable()
    const s = next(g, [txOf(g, C2, 'unstake', { amount: '1' })]).state
    expect(s.lastHandoff).toBe(1)
    expect(committeeAt(s, 3)).toEqual([{ id: C1, power: TOP_POWER }])
  })
})

describe('the candidacy transaction', () => {
  it('refuses standing twice, withdrawing when not standing, standing below the minimum, and a bad body', () => {
    const s = testState()
    expect(refusal(s, stand(s, C1))).toMatch(/^ALREADY_REGISTERED/)
    expect(refusal(s, stand(s, ALICE, false))).toMatch(/^NOT_REGISTERED/)
    expect(refusal(s, stand(s, BOB))).toMatch(/^BELOW_MIN_STAKE: a committee candidate must stake 1000, stake is 500/)
    expect(refusal(s, stand(s, ALICE))).toMatch(/^BELOW_MIN_STAKE/)
    expect(refusal(s, txOf(s, R1, 'candidacy', { stand: 'yes' }))).toMatch(/^BAD_BODY/)
    expect(refusal(s, txOf(s, R1, 'candidacy', { stand: 1 }))).toMatch(/^BAD_BODY/)
    expect(refusal(s, txOf(s, R1, 'candidacy', {}))).toMatch(/^BAD_BODY/)
    expect(refusal(s, txOf(s, R1, 'candidacy', { stand: true, extra: 1 }))).toMatch(/^BAD_BODY/)
    // Exactly the minimum, and more, stand.
    expect(refusal(s, stand(s, R1))).toBe('accepted')
    const exact = withStakes(s, { [BOB]: 1000n })
    expect(refusal(exact, stand(exact, BOB))).toBe('accepted')
  })

  it('adds and removes the candidate and moves the nonce; a refusal changes nothing', () => {
    const s = testState()
    const r = applyTx(s, stand(s, R1), CTX)
    if (!r.ok) throw new Error(r.reason)
    expect([...r.state.candidates].sort()).toEqual([C1, C2, R1].sort())
    expect(r.state.accounts.get(R1)?.nonce).toBe(1)
    expect(s.candidates.has(R1)).toBe(false)
    const w = applyTx(r.state, stand(r.state, R1, false), CTX)
    if (!w.ok) throw new Error(w.reason)
    expect(w.state.candidates.has(R1)).toBe(false)
    const refused = applyTx(s, stand(s, BOB), CTX)
    expect(refused.ok).toBe(false)
    expect(s.candidates.has(BOB)).toBe(false)
  })

  it('removes a withdrawn member from the next election', () => {
    const g = stable()
    const s = next(g, [stand(g, C2, false)]).state
    expect(s.candidates.has(C2)).toBe(false)
    expect(s.lastHandoff).toBe(1)
    expect(committeeAt(s, 2)).toEqual(EQUAL)
    expect(committeeAt(s, 3)).toEqual([{ id: C1, power: TOP_POWER }])
    expect(electCommittee(s)).toEqual([{ id: C1, power: TOP_POWER }])
  })
})

describe('the committee pay by the committee of each height', () => {
  /** Height 1 known; the committee from height 3 is C2 and R1. */
  function scheduled(): LedgerState {
    return {
      ...testState(),
      height: 1,
      committees: [
        { from: 1, members: GENESIS_COMMITTEE },
        {
          from: 3,
          members: [
            { id: C2, power: 1 },
            { id: R1, power: 1 },
          ],
        },
      ],
    }
  }
  const bonusOf = (pool: bigint) => (pool * BigInt(PROPOSER_SHARE_PPM)) / 1_000_000n

  it("pays the proposer's share only to a member of the block's height committee", () => {
    const s = scheduled()
    // R1 is a member at height 3, not at 2.
    const at3 = payCommittee(s, 1000n, 3, [], R1)
    expect(balanceOf(at3.state, R1)).toBe(bonusOf(1000n))
    expect(at3.paid).toBe(200n)
    const at2 = payCommittee(s, 1000n, 2, [], R1)
    expect(balanceOf(at2.state, R1)).toBe(0n)
    expect(at2.paid).toBe(0n)
    // C1 is a member at 2, not at 3.
    expect(balanceOf(payCommittee(s, 1000n, 2, [], C1).state, C1)).toBe(200n)
    expect(balanceOf(payCommittee(s, 1000n, 3, [], C1).state, C1)).toBe(0n)
  })

  it("pays the signers by the previous height's committee, and a signer outside it nothing", () => {
    const s = scheduled()
    // Height 3 is decided by C2 and R1, but its signers certified height 2: C1 (1) and C2 (3).
    const out = payCommittee(s, 1000n, 3, [R1, C2, C1, NOBODY], R1)
    const rest = 1000n - bonusOf(1000n)
    expect(balanceOf(out.state, C1)).toBe(rest / 4n)
    expect(balanceOf(out.state, C2)).toBe((rest * 3n) / 4n)
    // R1 has the proposer's share only: as a signer of height 2 it was no member.
    expect(balanceOf(out.state, R1)).toBe(bonusOf(1000n))
    expect(balanceOf(out.state, NOBODY)).toBe(0n)
    expect(out.paid).toBe(1000n)
    // Only outsiders signed: nothing for them, and nothing minted but the proposer's share.
    const outsiders = payCommittee(s, 1000n, 3, [R1, NOBODY], C1)
    expect(outsiders.paid).toBe(0n)
    expect(balanceOf(outsiders.state, R1)).toBe(0n)
  })

  it('through applyBlock, around a re-weighing hand-off', () => {
    // Block 1 closes the topic epochs and hands off to equal powers from height 3.
    const CLOSE_BOTH = [
      { topicId: 't1', epoch: 0 },
      { topicId: 't2', epoch: 0 },
    ]
    let s = next(testState(), [], { closedTopicEpochs: CLOSE_BOTH }).state
    expect(committeeAt(s, 3)).toEqual(EQUAL)
    s = next(s).state
    const settle = (epoch: number) => [
      { topicId: 't1', epoch, rewards: { inferers: { [W1]: 1 }, forecasters: {}, reputers: {} } },
    ]
    // Block 3: decided by the equal committee, but its signers are paid by height 2's (1 : 3).
    const b3 = next(s, [], { settlements: settle(0), signers: [C1, C2], proposer: C1 })
    const pool3 = b3.settlements[0].committeeCut
    expect(pool3).toBeGreaterThan(0n)
    const rest3 = pool3 - bonusOf(pool3)
    const c1After3 = balanceOf(b3.state, C1)
    const c2After3 = balanceOf(b3.state, C2)
    expect(c1After3).toBe(bonusOf(pool3) + rest3 / 4n)
    expect(c2After3).toBe((rest3 * 3n) / 4n)
    // Block 4: its signers certified height 3, whose committee has equal powers.
    const b4 = next(b3.state, [], { settlements: settle(1), signers: [C1, C2] })
    const pool4 = b4.settlements[0].committeeCut
    expect(balanceOf(b4.state, C1) - c1After3).toBe(pool4 / 2n)
    expect(balanceOf(b4.state, C2) - c2After3).toBe(pool4 / 2n)
  })
})

describe('governance of the committee', () => {
  const proposeTx = (s: LedgerState, param: string, value: string, height = 50) =>
    txOf(s, R2, 'propose', { param, value, height })

  it('refuses a committeeSize outside 1 .. 100', () => {
    const s = testState()
    for (const value of ['0', '101', 'x', '1.5', '-1', '', '1000', '1e2', '01']) {
      expect(refusal(s, proposeTx(s, 'committeeSize', value)), value).toMatch(
        /^BAD_PROPOSAL: committeeSize must be an integer from 1 to 100/,
      )
    }
    for (const value of ['1', '100']) expect(refusal(s, proposeTx(s, 'committeeSize', value)), value).toBe('accepted')
    expect(refusal(s, proposeTx(s, 'committeeMinStake', '0'))).toMatch(/^BAD_PROPOSAL: committeeMinStake must be/)
    expect(refusal(s, proposeTx(s, 'committeeMinStake', '1500'))).toBe('accepted')
  })

  /** Propose `param` = `value` at height 20, R2 and R1 vote yes (5000 of 7900), then blocks up to 20. */
  function passed(start: LedgerState, param: string, value: string): { at19: LedgerState; at20: LedgerState } {
    let s = next(start, [proposeTx(start, param, value, 20)]).state
    s = next(s, [txOf(s, R2, 'vote', { proposal: 0, choice: 'yes' })]).state
    s = next(s, [txOf(s, R1, 'vote', { proposal: 0, choice: 'yes' })]).state
    const at19 = emptyTo(s, 19)
    const at20 = emptyTo(at19, 20)
    expect(at20.proposals.get(0)?.status).toBe('passed')
    return { at19, at20 }
  }

  it('a passed committeeSize 1 makes the next election pick one member', () => {
    const { at19, at20 } = passed(stable(), 'committeeSize', '1')
    expect(at19.params.committeeSize).toBe(2)
    expect(latestCommittee(at19)).toEqual(EQUAL)
    expect(at19.lastHandoff).toBe(0)
    expect(at20.params.committeeSize).toBe(1)
    expect(at20.lastHandoff).toBe(20)
    expect(committeeAt(at20, 21)).toEqual(EQUAL)
    expect(committeeAt(at20, 22)).toEqual([{ id: C1, power: TOP_POWER }])
  })

  it('a passed committeeMinStake leaves out the candidates below it', () => {
    const g = stable()
    // R1 (2000) stands first: it takes C2's seat (C1 wins their tie by id).
    const start = next(g, [stand(g, R1)]).state
    expect(latestCommittee(start)).toEqual([
      { id: C1, power: 500_000 },
      { id: R1, power: TOP_POWER },
    ])
    const { at20 } = passed(start, 'committeeMinStake', '1500')
    expect(at20.params.committeeMinStake).toBe(1500n)
    expect(committeeAt(at20, 22)).toEqual([{ id: R1, power: TOP_POWER }])
    expect(at20.candidates.has(C1)).toBe(true)
  })
})

describe('the ledger hash', () => {
  it('covers the candidates (in any order), the schedule and the last hand-off', () => {
    const s = testState()
    const base = hashOf(s)
    const more = hashOf({ ...s, candidates: new Set([...s.candidates, R1]) })
    expect(more).not.toBe(base)
    expect(hashOf({ ...s, candidates: new Set([R1, C2, C1]) })).toBe(more)
    expect(hashOf({ ...s, candidates: new Set([C1]) })).not.toBe(base)
    expect(hashOf({ ...s, candidates: new Set([C2, C1]) })).toBe(base)
    expect(hashOf({ ...s, lastHandoff: 7 })).not.toBe(base)
    expect(hashOf({ ...s, committees: [{ from: 1, members: EQUAL }] })).not.toBe(base)
    expect(hashOf({ ...s, params: { ...s.params, committeeSize: 3 } })).not.toBe(base)
    expect(hashOf({ ...s, params: { ...s.params, committeeMinStake: 999n } })).not.toBe(base)
  })
})

describe('committeeBoundsProblem', () => {
  const member = (tag: string, power = 1): CommitteeMember => ({ id: idOf(tag), power })

  it('finds no problem in valid states', () => {
    expect(committeeBoundsProblem(testState())).toBeUndefined()
    expect(committeeBoundsProblem(next(testState()).state)).toBeUndefined()
    const hundred = Array.from({ length: 100 }, (_, i) => member(`m${String(i).padStart(3, '0')}`))
    expect(committeeBoundsProblem({ ...testState(), committees: [{ from: 1, members: hundred }] })).toBeUndefined()
  })

  it('names an empty schedule, an empty or oversized term, a bad power and members out of id order', () => {
    const s = testState()
    const problem = (committees: LedgerState['committees']) => committeeBoundsProblem({ ...s, committees })
    expect(problem([])).toBe('the committee schedule is empty')
    expect(
      problem([
        { from: 1, members: EQUAL },
        { from: 5, members: [] },
      ]),
    ).toBe('the committee from height 5 has 0 members, outside 1..100')
    const many = Array.from({ length: 101 }, (_, i) => member(`m${String(i).padStart(3, '0')}`))
    expect(problem([{ from: 1, members: many }])).toMatch(/has 101 members/)
    expect(problem([{ from: 1, members: [{ id: C1, power: 0 }] }])).toMatch(/power 0/)
    expect(problem([{ from: 1, members: [{ id: C1, power: 1.5 }] }])).toMatch(/power 1\.5/)
    expect(problem([{ from: 1, members: [...EQUAL].reverse() }])).toMatch(/not in id order/)
    expect(problem([{ from: 1, members: [EQUAL[0], EQUAL[0]] }])).toMatch(/not in id order/)
  })

  it('stops a block whose schedule breaks the bounds', () => {
    const bad: LedgerState = { ...testState(), committees: [{ from: 1, members: [] }] }
    let error: unknown
    try {
      next(bad)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(LedgerError)
    expect(error).toMatchObject({ code: 'COMMITTEE_BOUNDS' })
  })
})

describe('pruning the schedule', () => {
  it('drops a term once no height within COMMITTEE_MEMORY uses it, and keeps the term in force', () => {
    expect(COMMITTEE_MEMORY).toBe(1000)
    const g = stable()
    // Hand-off at 1 (R1 stands: term from 3), and at 500 (R2 stands: term from 502).
    let s = next(g, [stand(g, R1)]).state
    const second = latestCommittee(s)
    s = emptyTo(s, 499)
    s = next(s, [stand(s, R2)]).state
    const third = latestCommittee(s)
    expect(s.committees.map((t) => t.from)).toEqual([1, 3, 502])
    expect(s.lastHandoff).toBe(500)

    s = emptyTo(s, 1002)
    // Height 2 is still within memory: its committee (the genesis one) is kept.
    expect(s.committees.map((t) => t.from)).toEqual([1, 3, 502])
    expect(committeeAt(s, 2)).toEqual(EQUAL)
    // Height 1 is beyond memory, though the schedule still holds the term that decided it.
    expect(committeeAt(s, 1)).toBeUndefined()
    s = emptyTo(s, 1003)
    expect(s.committees.map((t) => t.from)).toEqual([3, 502])
    expect(committeeAt(s, 2)).toBeUndefined()
    expect(committeeAt(s, 3)).toEqual(second)

    s = emptyTo(s, 1501)
    // Height 501 is decided by the term from 3: still in force within memory.
    expect(s.committees.map((t) => t.from)).toEqual([3, 502])
    expect(committeeAt(s, 501)).toEqual(second)
    expect(committeeAt(s, 500)).toBeUndefined()
    s = emptyTo(s, 1502)
    expect(s.committees.map((t) => t.from)).toEqual([502])
    expect(committeeAt(s, 501)).toBeUndefined()
    expect(committeeAt(s, 502)).toEqual(third)
    expect(committeeAt(s, 1504)).toEqual(third)
    expect(s.lastHandoff).toBe(500)
    expect(committeeBoundsProblem(s)).toBeUndefined()
  })
})
