import { describe, expect, it } from 'vitest'
import {
  applyTx,
  isCandidate,
  isRegistered,
  stakeOf,
  participants,
  reputerStake,
  topicStake,
} from '../../../../src/consensus/ledger/index.js'
import { ALICE, C2, CTX, R1, R2, testState, txOf, W1, W2 } from './fixtures.js'

describe('registration queries', () => {
  it('lists active participants and their stakes, delegations included for reputers', () => {
    const s0 = testState()
    const r = applyTx(s0, txOf(s0, ALICE, 'delegate', { reputer: R1, amount: '1000' }), CTX)
    if (!r.ok) throw new Error(r.reason)
    const s = r.state
    expect(participants(s, 't1', 'worker')).toEqual([W1, W2].sort())
    expect(reputerStake(s, R1)).toBe(3000n)
    expect(topicStake(s, 't1')).toBe(3000n + 3000n)
    expect(isRegistered(s, 't1', 'reputer', R2)).toBe(true)
    expect(stakeOf(s, 't1', 'reputer', R1)).toBe(3000n)
    expect(participants(s, 't2', 'reputer')).toEqual([R2])
    expect(isCandidate(s, C2)).toBe(true)
    expect(isCandidate(s, W1)).toBe(false)
    expect(participants(s, 'missing', 'worker')).toEqual([])
  })
})
