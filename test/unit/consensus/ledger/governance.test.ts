/**
 * Governance: proposals to change a ledger parameter at a named height, stake-weighted votes,
 * a tally with a quorum and a 2/3 majority of the voting power, on every node alike.
 */
import { describe, expect, it } from 'vitest'
import {
  applyBlock,
  applyTx,
  genesisToJson,
  parseGenesis,
  type LedgerState,
  type LedgerTx,
} from '../../../../src/consensus/ledger/index.js'
import { ALICE, C1, genesisFile, NOBODY, R1, R2, testState, txOf, W1 } from './fixtures.js'

/** Apply each tx in a block of its own, then empty blocks up to `untilHeight`. */
function advance(state: LedgerState, txs: ((s: LedgerState) => LedgerTx)[], untilHeight = state.height): LedgerState {
  let s = state
  for (const build of txs) {
    const outcome = applyBlock(s, { height: s.height + 1, epoch: s.epoch, txs: [build(s)] })
    const [result] = outcome.txResults
    if (!result.ok) throw new Error(`${result.code}: ${result.reason}`)
    s = outcome.state
  }
  while (s.height < untilHeight) s = applyBlock(s, { height: s.height + 1, epoch: s.epoch, txs: [] }).state
  return s
}

const proposeTx = (signer: string, param: string, value: string, height: number) => (s: LedgerState) =>
  txOf(s, signer, 'propose', { param, value, height })
const voteTx = (signer: string, proposal: number, choice: string) => (s: LedgerState) =>
  txOf(s, signer, 'vote', { proposal, choice })
const refusal = (s: LedgerState, tx: LedgerTx) => {
  const r = applyTx(s, tx, { height: s.height + 1, epoch: s.epoch })
  return r.ok ? 'accepted' : `${r.code}: ${r.reason}`
}

describe('governance', () => {
  it('refuses a proposal from a non-staker, of an unknown parameter, a value out of range, or too soon', () => {
    const s = testState()
    expect(refusal(s, txOf(s, ALICE, 'propose', { param: 'emissionPerEpoch', value: '5', height: 50 }))).toMatch(
      /^INSUFFICIENT_STAKE/,
    )
    expect(refusal(s, txOf(s, R2, 'propose', { param: 'blockSize', value: '5', height: 50 }))).toMatch(
      /^BAD_PROPOSAL: param must be one of emissionPerEpoch/,
    )
    expect(refusal(s, txOf(s, R2, 'propose', { param: 'committeeShare', value: '1.5', height: 50 }))).toMatch(
      /^BAD_PROPOSAL: committeeShare must be a fraction in \[0, 1\]/,
    )
    expect(refusal(s, txOf(s, R2, 'propose', { param: 'emissionPerEpoch', value: '-5', height: 50 }))).toMatch(
      /^BAD_PROPOSAL: emissionPerEpoch must be a positive integer/,
    )
    expect(refusal(s, txOf(s, R2, 'propose', { param: 'unbondingEpochs', value: '5', height: 3 }))).toMatch(
      /^BAD_PROPOSAL: height must be at least 11/,
    )
    expect(refusal(s, txOf(s, R2, 'propose', { param: 'unbondingEpochs', value: '5', height: 11 }))).toBe('accepted')
  })

  it('applies a proposal that passes at the height it names, and only there', () => {
    let s = advance(testState(), [
      proposeTx(R2, 'emissionPerEpoch', '777', 20),
      voteTx(R2, 0, 'yes'),
      voteTx(C1, 0, 'yes'),
      voteTx(R1, 0, 'no'),
      // A later vote replaces the earlier one: R1 (2000) comes round to yes.
      voteTx(R1, 0, 'yes'),
      voteTx(W1, 0, 'no'),
    ])
    expect(s.proposals.get(0)?.status).toBe('voting')
    s = advance(s, [], 19)
    expect(s.params.emissionPerEpoch).not.toBe(777n)
    s = advance(s, [], 20)
    expect(s.params.emissionPerEpoch).toBe(777n)
    const p = s.proposals.get(0)!
    expect(p.status).toBe('passed')
    expect(p.tally).toEqual({ yes: 6000n, no: 200n, abstain: 0n, total: 7900n })
    // The tally is over: no more votes.
    expect(refusal(s, txOf(s, C1, 'vote', { proposal: 0, choice: 'no' }))).toMatch(
      /^BAD_PROPOSAL: proposal 0 is no longer voting/,
    )
  })

  it('rejects a proposal without a 2/3 majority, or without a quorum, and changes nothing', () => {
    const before = testState()
    let s = advance(before, [
      proposeTx(R1, 'slashFraction', '0.5', 15),
      proposeTx(W1, 'unbondingEpochs', '2', 16),
      voteTx(R1, 0, 'yes'),
      voteTx(R2, 0, 'no'),
      // 200 of 7900 bonded: below the third that must vote.
      voteTx(W1, 1, 'yes'),
    ])
    expect(refusal(s, txOf(s, NOBODY, 'vote', { proposal: 1, choice: 'yes' }))).toMatch(/^INSUFFICIENT_STAKE/)
    s = advance(s, [], 16)
    expect(s.proposals.get(0)).toMatchObject({ status: 'rejected', tally: { yes: 2000n, no: 3000n } })
    expect(s.proposals.get(1)).toMatchObject({ status: 'rejected', tally: { yes: 200n } })
    expect(s.params).toEqual(before.params)
  })

  it('takes its quorum and voting period from the genesis, written only when not the defaults', () => {
    const file = { ...genesisFile(), governance: { quorum: 0.5, minVotingBlocks: 3 } }
    const g = parseGenesis(file, 'test')
    expect(g.governance).toEqual({ quorumPpm: 500_000, minVotingBlocks: 3 })
    expect(parseGenesis(genesisToJson(g), 'again')).toEqual(g)
    expect(genesisToJson(parseGenesis(genesisFile(), 'plain'))).not.toHaveProperty('governance')
    expect(() => parseGenesis({ ...genesisFile(), governance: { quorum: 2 } }, 'bad')).toThrow(/governance\.quorum/)
  })
})
