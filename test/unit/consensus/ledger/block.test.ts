import { describe, expect, it } from 'vitest'
import { mulFloor } from '../../../../src/consensus/ledger/amounts.js'
import {
  applyBlock,
  balanceOf,
  checkConservation,
  ConservationViolation,
  emissionShares,
  LedgerError,
  PROPOSER_SHARE_PPM,
  selfStakeOf,
  topicRewardFor,
  type LedgerBlock,
  type LedgerState,
  type LedgerTx,
  type Settlement,
} from '../../../../src/consensus/ledger/index.js'
import { splitEmission } from '../../../../src/synthesis/topic-weights.js'
import { ALICE, BOB, C1, C2, hashOf, NOBODY, R1, R2, testState, txOf, W1, W2 } from './fixtures.js'

const NEGATIVE = 'f'.repeat(64)

/** The next block after `state`, at `epoch`, with the given parts. */
function block(state: LedgerState, parts: Partial<LedgerBlock> = {}): LedgerBlock {
  return { height: state.height + 1, epoch: state.epoch, txs: [], ...parts }
}

function applyTxs(state: LedgerState, build: (s: LedgerState) => LedgerTx[], epoch = state.epoch): LedgerState {
  // Each tx is built against the state it follows, so nonces line up.
  let s = state
  for (const tx of build(s)) s = applyBlock(s, block(s, { txs: [tx], epoch })).state
  return s
}

const CLOSE_BOTH = [
  { topicId: 't1', epoch: 0 },
  { topicId: 't2', epoch: 0 },
]

function rewards(r: Partial<Settlement['rewards']>): Settlement['rewards'] {
  return { inferers: {}, forecasters: {}, reputers: {}, ...r }
}

describe('topic weights and the emission split (§14)', () => {
  it('closing a topic epoch sets its weight from reputer stake and revenue, then drips revenue', () => {
    const s = applyBlock(testState(), block(testState(), { closedTopicEpochs: CLOSE_BOTH })).state
    const t1 = s.topics.get('t1')
    expect(t1?.weight).toBe(Math.sqrt(5000) * Math.sqrt(1000 / 1000))
    expect(s.topics.get('t2')?.weight).toBe(Math.sqrt(3000) * Math.sqrt(1000 / 2000))
    expect(t1?.revenue).toBeLessThanOrEqual(1000n)
    expect(t1?.lastClosedEpoch).toBe(0)
  })

  it('splits one ledger epoch of emission among topics by weight and epoch length', () => {
    const s = applyBlock(testState(), block(testState(), { closedTopicEpochs: CLOSE_BOTH })).state
    const shares = emissionShares(s)
    const w1 = s.topics.get('t1')?.weight ?? 0
    const w2 = s.topics.get('t2')?.weight ?? 0
    expect(shares).toEqual(
      splitEmission(
        { t1: { weight: w1, epochLength: 1000 }, t2: { weight: w2, epochLength: 2000 } },
        1 / 1000,
        Number.MAX_VALUE,
      ),
    )
    // Two seconds of chain time: two t1 epochs and one t2 epoch mint two ledger epochs' worth.
    expect(2 * shares.t1 + shares.t2).toBeCloseTo(2, 12)
    const gross = mulFloor(1_000_000n, shares.t1)
    expect(topicRewardFor(s, 't1')).toBe(gross - (gross * 50_000n) / 1_000_000n)
  })

  it('fund-topic raises the topic weight and its share of the emission', () => {
    const s0 = testState()
    const funded = applyTxs(s0, (s) => [txOf(s, ALICE, 'fund-topic', { topicId: 't2', amount: '9000' })])
    const plain = applyTxs(s0, (s) => [txOf(s, ALICE, 'transfer', { to: BOB, amount: '9000' })])
    const close = (s: LedgerState) => applyBlock(s, block(s, { closedTopicEpochs: CLOSE_BOTH })).state
    const a = close(funded)
    const b = close(plain)
    expect(a.topics.get('t2')?.weight).toBeGreaterThan(b.topics.get('t2')?.weight ?? Infinity)
    expect(emissionShares(a).t2).toBeGreaterThan(emissionShares(b).t2)
    expect(a.treasury).toBe(9000n)
  })

  it('rejects a topic epoch closed twice and an unknown topic, changing nothing', () => {
    const s = applyBlock(testState(), block(testState(), { closedTopicEpochs: CLOSE_BOTH })).state
    const before = hashOf(s)
    expect(() => applyBlock(s, block(s, { closedTopicEpochs: [{ topicId: 't1', epoch: 0 }] }))).toThrow(
      expect.objectContaining({ code: 'STALE_TOPIC_EPOCH' }),
    )
    expect(() => applyBlock(s, block(s, { closedTopicEpochs: [{ topicId: 'nope', epoch: 1 }] }))).toThrow(LedgerError)
    expect(hashOf(s)).toBe(before)
  })
})

describe('settlement payouts (§13)', () => {
  function settled(): { before: LedgerState; after: LedgerState; net: bigint; pool: bigint } {
    let s = applyTxs(testState(), (st) => [txOf(st, ALICE, 'delegate', { reputer: R2, amount: '3000' })])
    s = applyBlock(s, block(s, { closedTopicEpochs: CLOSE_BOTH })).state
    const gross = mulFloor(1_000_000n, emissionShares(s).t1)
    const pool = (gross * 50_000n) / 1_000_000n
    const settlement: Settlement = {
      topicId: 't1',
      epoch: 0,
      // 10 parts in all; NOBODY is not registered and its part is never minted.
      rewards: rewards({
        inferers: { [W1]: 3, [W2]: 1 },
        forecasters: { [W1]: 1 },
        reputers: { [R1]: 2, [R2]: 2, [NOBODY]: 1 },
      }),
    }
    const out = applyBlock(s, block(s, { settlements: [settlement], signers: [C2, C1, NOBODY] }))
    expect(out.settlements[0]).toMatchObject({ topicId: 't1', epoch: 0, gross, committeeCut: pool })
    return { before: s, after: out.state, net: gross - pool, pool }
  }

  it('pays workers to their balance in proportion to their rewards, truncated', () => {
    const { before, after, net } = settled()
    expect(balanceOf(after, W1) - balanceOf(before, W1)).toBe((net * 3n) / 10n + net / 10n)
    expect(balanceOf(after, W2) - balanceOf(before, W2)).toBe(net / 10n)
    expect(balanceOf(after, NOBODY)).toBe(0n)
  })

  it("re-stakes a reputer's reward and pays its delegators their part D/S", () => {
    const { before, after, net } = settled()
    const each = (net * 2n) / 10n
    expect(selfStakeOf(after, R1) - selfStakeOf(before, R1)).toBe(each)
    expect(balanceOf(after, R1)).toBe(0n)
    // R2: self 3000 + delegated 3000, so half of its reward goes to ALICE.
    const toDelegators = (each * 3000n) / 6000n
    expect(selfStakeOf(after, R2) - selfStakeOf(before, R2)).toBe(each - toDelegators)
    expect(balanceOf(after, ALICE) - balanceOf(before, ALICE)).toBe(toDelegators)
  })

  it('pays the committee share to the signers by power and mints nothing else', () => {
    const { before, after, pool } = settled()
    expect(balanceOf(after, C1)).toBe(pool / 4n)
    expect(balanceOf(after, C2)).toBe((pool * 3n) / 4n)
    const minted = after.supply.minted - before.supply.minted
    expect(minted).toBeLessThanOrEqual(mulFloor(1_000_000n, emissionShares(before).t1))
    expect(checkConservation(after).ok).toBe(true)
  })

  it("pays the block's proposer a fifth of the committee share, the signers the rest", () => {
    let s = testState()
    s = applyBlock(s, block(s, { closedTopicEpochs: CLOSE_BOTH })).state
    const gross = mulFloor(1_000_000n, emissionShares(s).t1)
    const pool = (gross * 50_000n) / 1_000_000n
    const settlements: Settlement[] = [{ topicId: 't1', epoch: 0, rewards: rewards({ inferers: { [W1]: 1 } }) }]
    const out = applyBlock(s, block(s, { settlements, signers: [C1, C2], proposer: C1 })).state
    const bonus = (pool * BigInt(PROPOSER_SHARE_PPM)) / 1_000_000n
    expect(bonus).toBeGreaterThan(0n)
    expect(balanceOf(out, C1)).toBe(bonus + (pool - bonus) / 4n)
    expect(balanceOf(out, C2)).toBe(((pool - bonus) * 3n) / 4n)
    // A proposer outside the committee gets nothing, and the signers share the whole pool.
    const outsider = applyBlock(s, block(s, { settlements, signers: [C1, C2], proposer: NOBODY })).state
    expect(balanceOf(outsider, NOBODY)).toBe(0n)
    expect(balanceOf(outsider, C2)).toBe((pool * 3n) / 4n)
    expect(checkConservation(out).ok).toBe(true)
  })

  it('rejects paying one topic epoch twice', () => {
    const { after } = settled()
    const again = block(after, {
      settlements: [{ topicId: 't1', epoch: 0, rewards: rewards({ inferers: { [W1]: 1 } }) }],
    })
    expect(() => applyBlock(after, again)).toThrow(expect.objectContaining({ code: 'STALE_TOPIC_EPOCH' }))
  })

  it('pays nothing for a topic without weight, and ignores zero, negative and non-finite rewards', () => {
    const s = testState()
    const out = applyBlock(
      s,
      block(s, {
        settlements: [{ topicId: 't1', epoch: 0, rewards: rewards({ inferers: { [W1]: 1 } }) }],
        signers: [C1],
      }),
    )
    expect(out.state.supply.minted).toBe(0n)
    const w = applyBlock(s, block(s, { closedTopicEpochs: CLOSE_BOTH })).state
    const odd = applyBlock(
      w,
      block(w, {
        settlements: [
          {
            topicId: 't1',
            epoch: 0,
            rewards: rewards({ inferers: { [W1]: 0, [W2]: -5 }, reputers: { [R1]: Number.NaN, [R2]: Infinity } }),
          },
        ],
      }),
    )
    expect(odd.state.supply.minted).toBe(0n)
  })
})

describe('unbonding', () => {
  it('releases unstaked tokens to the balance after the unbonding delay', () => {
    const s1 = applyTxs(testState(), (s) => [txOf(s, BOB, 'unstake', { amount: '300' })], 2)
    expect(s1.unbonding).toEqual([{ account: BOB, amount: 300n, releaseEpoch: 5 }])
    const s2 = applyBlock(s1, block(s1, { epoch: 4 })).state
    expect(balanceOf(s2, BOB)).toBe(5000n)
    const s3 = applyBlock(s2, block(s2, { epoch: 5 }))
    expect(s3.released).toBe(300n)
    expect(balanceOf(s3.state, BOB)).toBe(5300n)
    expect(s3.state.unbonding).toEqual([])
    expect(checkConservation(s3.state).ok).toBe(true)
  })
})

describe('slashing', () => {
  it('burns the slash fraction of stake and unbonding once per piece of evidence', () => {
    const s1 = applyTxs(testState(), (s) => [txOf(s, C1, 'unstake', { amount: '500' })])
    const out = applyBlock(s1, block(s1, { evidence: [{ offender: C1, id: '7/0/prevote' }] }))
    expect(out.slashes).toEqual([{ offender: C1, id: '7/0/prevote', burned: 50n + 50n }])
    expect(selfStakeOf(out.state, C1)).toBe(450n)
    expect(out.state.unbonding).toEqual([{ account: C1, amount: 450n, releaseEpoch: 3 }])
    expect(out.state.supply.burned).toBe(100n)
    expect(checkConservation(out.state).ok).toBe(true)
    const again = applyBlock(out.state, block(out.state, { evidence: [{ offender: C1, id: '7/0/prevote' }] }))
    expect(again.slashes[0].burned).toBe(0n)
    expect(selfStakeOf(again.state, C1)).toBe(450n)
    const other = applyBlock(again.state, block(again.state, { evidence: [{ offender: C1, id: '9/1/precommit' }] }))
    expect(selfStakeOf(other.state, C1)).toBe(405n)
  })

  it('rejects malformed evidence', () => {
    const s = testState()
    expect(() => applyBlock(s, block(s, { evidence: [{ offender: 'c1', id: 'x' }] }))).toThrow(
      expect.objectContaining({ code: 'BAD_ID' }),
    )
    expect(() => applyBlock(s, block(s, { evidence: [{ offender: C1, id: '' }] }))).toThrow(
      expect.objectContaining({ code: 'BAD_ID' }),
    )
  })
})

describe('blocks', () => {
  it('reports each transaction and leaves the input state untouched', () => {
    const s = testState()
    const before = hashOf(s)
    const ok = txOf(s, ALICE, 'transfer', { to: BOB, amount: '1' })
    const out = applyBlock(s, block(s, { txs: [ok, ok, { ...ok, accountNonce: 1, body: { to: BOB, amount: 'x' } }] }))
    expect(out.txResults.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'REPLAYED_NONCE', 'BAD_AMOUNT'])
    expect(out.state.height).toBe(1)
    expect(hashOf(s)).toBe(before)
  })

  it('rejects a wrong height or an epoch going backwards', () => {
    const s = applyBlock(testState(), { height: 1, epoch: 4, txs: [] }).state
    expect(() => applyBlock(s, { height: 3, epoch: 4, txs: [] })).toThrow(
      expect.objectContaining({ code: 'BAD_HEIGHT' }),
    )
    expect(() => applyBlock(s, { height: 2, epoch: 3, txs: [] })).toThrow(
      expect.objectContaining({ code: 'BAD_EPOCH' }),
    )
  })

  it('detects tokens that appear or go negative, and a block on such books halts loudly', () => {
    const s = testState()
    const forged = { ...s, accounts: new Map(s.accounts).set(BOB, { balance: 5001n, stake: 500n, nonce: 0 }) }
    const check = checkConservation(forged)
    expect(check.ok).toBe(false)
    expect(check.detail).toMatch(/≠/)
    expect(() => applyBlock(forged, block(forged))).toThrow(ConservationViolation)
    const negative = { ...s, accounts: new Map(s.accounts).set(NEGATIVE, { balance: -1n, stake: 1n, nonce: 0 }) }
    expect(checkConservation(negative)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/balance of .* is -1/),
    })
  })
})
