import { describe, expect, it } from 'vitest'
import {
  applyTx,
  balanceOf,
  checkConservation,
  delegatedTo,
  isRegistered,
  reputerStake,
  selfStakeOf,
  stakeOf,
  type LedgerState,
  type LedgerTx,
  type TxRejectCode,
} from '../../../../src/consensus/ledger/index.js'
import { ALICE, BOB, CAROL, CTX, hashOf, NOBODY, R1, testState, txOf, W1 } from './fixtures.js'

function accept(state: LedgerState, tx: LedgerTx, context = CTX): LedgerState {
  const result = applyTx(state, tx, context)
  if (!result.ok) throw new Error(`rejected: ${result.code} ${result.reason}`)
  expect(checkConservation(result.state).ok).toBe(true)
  return result.state
}

/** A rejection with the code, a reason, and the state hash unchanged. */
function expectReject(state: LedgerState, tx: LedgerTx, code: TxRejectCode): string {
  const before = hashOf(state)
  const result = applyTx(state, tx, CTX)
  expect(result.ok).toBe(false)
  if (result.ok) return ''
  expect(result.code).toBe(code)
  expect(result.reason.length).toBeGreaterThan(0)
  expect(hashOf(state)).toBe(before)
  return result.reason
}

describe('transfer', () => {
  it('moves the amount, creates the receiver and bumps the nonce', () => {
    const s0 = testState()
    const s1 = accept(s0, txOf(s0, ALICE, 'transfer', { to: NOBODY, amount: '2500' }))
    expect(balanceOf(s1, ALICE)).toBe(7500n)
    expect(balanceOf(s1, NOBODY)).toBe(2500n)
    expect(s1.accounts.get(ALICE)?.nonce).toBe(1)
    expect(balanceOf(s0, ALICE)).toBe(10000n)
  })

  it('takes amounts beyond 2^53 exactly', () => {
    const big = 2n ** 70n + 1n
    let s = testState()
    s = {
      ...s,
      accounts: new Map(s.accounts).set(CAROL, { balance: big, stake: 0n, nonce: 0 }),
      supply: { ...s.supply, genesis: s.supply.genesis + big },
    }
    s = accept(s, txOf(s, CAROL, 'transfer', { to: BOB, amount: String(big - 1n) }))
    expect(balanceOf(s, CAROL)).toBe(1n)
    expect(balanceOf(s, BOB)).toBe(5000n + big - 1n)
  })

  it('rejects an overdraft', () => {
    const s = testState()
    expect(expectReject(s, txOf(s, ALICE, 'transfer', { to: BOB, amount: '10001' }), 'INSUFFICIENT_BALANCE')).toMatch(
      /10001.*10000/,
    )
  })

  it.each([['-5'], ['1.5'], ['abc'], ['0'], ['007'], ['1e3'], [' 5'], ['+5'], ['1'.repeat(41)]])(
    'rejects the amount %j',
    (amount) => {
      const s = testState()
      expectReject(s, txOf(s, ALICE, 'transfer', { to: BOB, amount }), 'BAD_AMOUNT')
    },
  )

  it('rejects amounts sent as numbers', () => {
    const s = testState()
    expectReject(s, txOf(s, ALICE, 'transfer', { to: BOB, amount: 5 }), 'BAD_AMOUNT')
  })

  it('rejects a malformed receiver, a missing field and an extra field', () => {
    const s = testState()
    expectReject(s, txOf(s, ALICE, 'transfer', { to: 'bob', amount: '1' }), 'BAD_ID')
    expectReject(s, txOf(s, ALICE, 'transfer', { to: BOB.toUpperCase(), amount: '1' }), 'BAD_ID')
    expectReject(s, txOf(s, ALICE, 'transfer', { amount: '1' }), 'BAD_BODY')
    expectReject(s, txOf(s, ALICE, 'transfer', { to: BOB, amount: '1', memo: 'hi' }), 'BAD_BODY')
  })
})

describe('nonces, signer and kind', () => {
  it('rejects a replayed nonce and a future nonce', () => {
    const s0 = testState()
    const tx = txOf(s0, ALICE, 'transfer', { to: BOB, amount: '1' })
    const s1 = accept(s0, tx)
    expectReject(s1, tx, 'REPLAYED_NONCE')
    expectReject(s1, { ...tx, accountNonce: 2 }, 'FUTURE_NONCE')
    expectReject(s1, { ...tx, accountNonce: -1 }, 'REPLAYED_NONCE')
    expectReject(s1, { ...tx, accountNonce: 1.5 }, 'REPLAYED_NONCE')
    accept(s1, { ...tx, accountNonce: 1 })
  })

  it('a rejected transaction does not use up its nonce', () => {
    const s0 = testState()
    expectReject(s0, txOf(s0, ALICE, 'transfer', { to: BOB, amount: '999999' }), 'INSUFFICIENT_BALANCE')
    accept(s0, { signer: ALICE, kind: 'transfer', accountNonce: 0, body: { to: BOB, amount: '1' } })
  })

  it('rejects a malformed signer and an unknown kind', () => {
    const s = testState()
    expectReject(s, { signer: 'zz', kind: 'transfer', accountNonce: 0, body: { to: BOB, amount: '1' } }, 'BAD_SIGNER')
    expectReject(s, txOf(s, ALICE, 'mint', { amount: '1' }), 'UNKNOWN_KIND')
  })
})

describe('stake and unstake', () => {
  it('stake moves balance to stake; unstake moves stake to unbonding', () => {
    const s0 = testState()
    const s1 = accept(s0, txOf(s0, ALICE, 'stake', { amount: '3000' }))
    expect(balanceOf(s1, ALICE)).toBe(7000n)
    expect(selfStakeOf(s1, ALICE)).toBe(3000n)
    const s2 = accept(s1, txOf(s1, ALICE, 'unstake', { amount: '1000' }), { height: 2, epoch: 5 })
    expect(selfStakeOf(s2, ALICE)).toBe(2000n)
    expect(s2.unbonding).toEqual([{ account: ALICE, amount: 1000n, releaseEpoch: 8 }])
    // A second unstake in the same epoch joins the same entry.
    const s3 = accept(s2, txOf(s2, ALICE, 'unstake', { amount: '500' }), { height: 2, epoch: 5 })
    expect(s3.unbonding).toEqual([{ account: ALICE, amount: 1500n, releaseEpoch: 8 }])
  })

  it('rejects staking more than the balance and unstaking more than staked', () => {
    const s = testState()
    expectReject(s, txOf(s, ALICE, 'stake', { amount: '10001' }), 'INSUFFICIENT_BALANCE')
    expectReject(s, txOf(s, BOB, 'unstake', { amount: '501' }), 'INSUFFICIENT_STAKE')
    expectReject(s, txOf(s, CAROL, 'unstake', { amount: '1' }), 'INSUFFICIENT_STAKE')
    expectReject(s, txOf(s, BOB, 'stake', { amount: '-1' }), 'BAD_AMOUNT')
  })

  it('unstaking below the minimum benches a participant without unregistering it', () => {
    const s0 = testState()
    expect(isRegistered(s0, 't1', 'worker', W1)).toBe(true)
    const s1 = accept(s0, txOf(s0, W1, 'unstake', { amount: '150' }))
    expect(isRegistered(s1, 't1', 'worker', W1)).toBe(false)
    expect(stakeOf(s1, 't1', 'worker', W1)).toBe(0n)
    const s2 = accept(s1, txOf(s1, W1, 'stake', { amount: '50' }))
    expect(isRegistered(s2, 't1', 'worker', W1)).toBe(true)
  })
})

describe('delegate', () => {
  it('delegates to a reputer and undelegates through unstake', () => {
    const s0 = testState()
    const s1 = accept(s0, txOf(s0, ALICE, 'delegate', { reputer: R1, amount: '4000' }))
    expect(balanceOf(s1, ALICE)).toBe(6000n)
    expect(delegatedTo(s1, R1)).toBe(4000n)
    expect(reputerStake(s1, R1)).toBe(6000n)
    expect(stakeOf(s1, 't1', 'reputer', R1)).toBe(6000n)
    expectReject(s1, txOf(s1, ALICE, 'unstake', { amount: '4001', reputer: R1 }), 'INSUFFICIENT_STAKE')
    const s2 = accept(s1, txOf(s1, ALICE, 'unstake', { amount: '4000', reputer: R1 }))
    expect(delegatedTo(s2, R1)).toBe(0n)
    expect(s2.delegations.size).toBe(0)
    expect(s2.unbonding).toEqual([{ account: ALICE, amount: 4000n, releaseEpoch: 3 }])
  })

  it('rejects delegating to a non-reputer, to oneself, and beyond the balance', () => {
    const s = testState()
    expectReject(s, txOf(s, ALICE, 'delegate', { reputer: W1, amount: '1' }), 'NOT_A_REPUTER')
    expectReject(s, txOf(s, R1, 'delegate', { reputer: R1, amount: '1' }), 'SELF_DELEGATION')
    expectReject(s, txOf(s, ALICE, 'delegate', { reputer: R1, amount: '10001' }), 'INSUFFICIENT_BALANCE')
    expectReject(s, txOf(s, ALICE, 'delegate', { reputer: 'r1', amount: '1' }), 'BAD_ID')
  })
})

describe('register', () => {
  it('registers with enough stake', () => {
    const s0 = testState()
    const s1 = accept(s0, txOf(s0, BOB, 'register', { topicId: 't1', role: 'worker' }))
    expect(isRegistered(s1, 't1', 'worker', BOB)).toBe(true)
    expect(isRegistered(s1, 't1', 'reputer', BOB)).toBe(false)
  })

  it('rejects below the topic minimum, an unknown topic, a second registration and a bad role', () => {
    const s = testState()
    expect(expectReject(s, txOf(s, BOB, 'register', { topicId: 't1', role: 'reputer' }), 'BELOW_MIN_STAKE')).toMatch(
      /1000.*500/,
    )
    expectReject(s, txOf(s, BOB, 'register', { topicId: 'nope', role: 'worker' }), 'UNKNOWN_TOPIC')
    expectReject(s, txOf(s, W1, 'register', { topicId: 't1', role: 'worker' }), 'ALREADY_REGISTERED')
    expectReject(s, txOf(s, BOB, 'register', { topicId: 't1', role: 'coordinator' }), 'BAD_BODY')
    expectReject(s, txOf(s, BOB, 'register', { topicId: 'bad topic!', role: 'worker' }), 'BAD_ID')
  })

  it('deregisters a member (its stake stays bonded), and refuses one that is not registered', () => {
    const s0 = testState()
    const s1 = accept(s0, txOf(s0, W1, 'deregister', { topicId: 't1', role: 'worker' }))
    expect(isRegistered(s1, 't1', 'worker', W1)).toBe(false)
    expect(selfStakeOf(s1, W1)).toBe(selfStakeOf(s0, W1))
    expectReject(s1, txOf(s1, W1, 'deregister', { topicId: 't1', role: 'worker' }), 'NOT_REGISTERED')
    expectReject(s1, txOf(s1, W1, 'deregister', { topicId: 'nope', role: 'worker' }), 'UNKNOWN_TOPIC')
    expect(
      isRegistered(accept(s1, txOf(s1, W1, 'register', { topicId: 't1', role: 'worker' })), 't1', 'worker', W1),
    ).toBe(true)
  })
})

describe('create-topic and fund-topic', () => {
  it('create-topic charges the fee into the treasury and counts it as revenue', () => {
    const s0 = testState()
    const s1 = accept(
      s0,
      txOf(s0, ALICE, 'create-topic', { topicId: 'eth-5m', epochMs: 5000, minReputerStake: '2000' }),
    )
    const topic = s1.topics.get('eth-5m')
    expect(topic).toMatchObject({
      creator: ALICE,
      epochMs: 5000,
      minWorkerStake: 100n,
      minReputerStake: 2000n,
      revenue: 500n,
      weight: null,
    })
    expect(balanceOf(s1, ALICE)).toBe(9500n)
    expect(s1.treasury).toBe(500n)
  })

  it('rejects a duplicate id, a missing fee, too small minimums and a bad epoch length', () => {
    const s = testState()
    expectReject(s, txOf(s, ALICE, 'create-topic', { topicId: 't1', epochMs: 1000 }), 'TOPIC_EXISTS')
    expectReject(s, txOf(s, CAROL, 'create-topic', { topicId: 'x', epochMs: 1000 }), 'INSUFFICIENT_BALANCE')
    expectReject(
      s,
      txOf(s, ALICE, 'create-topic', { topicId: 'x', epochMs: 1000, minReputerStake: '999' }),
      'BELOW_MIN_STAKE',
    )
    expectReject(s, txOf(s, ALICE, 'create-topic', { topicId: 'x', epochMs: 10 }), 'BAD_BODY')
    expectReject(s, txOf(s, ALICE, 'create-topic', { topicId: 'x', epochMs: '1000' }), 'BAD_BODY')
  })

  it('fund-topic takes any positive amount into the treasury and the topic revenue', () => {
    const s0 = testState()
    const s1 = accept(s0, txOf(s0, ALICE, 'fund-topic', { topicId: 't2', amount: '1' }))
    expect(s1.topics.get('t2')?.revenue).toBe(1001n)
    expect(s1.treasury).toBe(1n)
    expectReject(s1, txOf(s1, ALICE, 'fund-topic', { topicId: 't3', amount: '1' }), 'UNKNOWN_TOPIC')
    expectReject(s1, txOf(s1, ALICE, 'fund-topic', { topicId: 't2', amount: '0' }), 'BAD_AMOUNT')
    expectReject(s1, txOf(s1, ALICE, 'fund-topic', { topicId: 't2', amount: '99999' }), 'INSUFFICIENT_BALANCE')
  })
})
