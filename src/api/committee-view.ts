/**
 * The committee as `GET /v1/committee` shows it: the members deciding the next height and the
 * one after, each with its voting power and the stake its account holds; the candidates with
 * their stakes and whether the election counts them; the election's rules; the last hand-off.
 */
import type { ChainState } from '../consensus/chain/execution.js'
import { COMMITTEE_LAG, committeeAt, type CommitteeMember, type LedgerState } from '../consensus/ledger/index.js'
import type { Json } from './encoding.js'

function membersView(ledger: LedgerState, members: readonly CommitteeMember[]): Json[] {
  return members.map((m) => ({ id: m.id, power: m.power, stake: String(ledger.accounts.get(m.id)?.stake ?? 0n) }))
}

function termView(ledger: LedgerState, height: number): Json {
  const members = committeeAt(ledger, height) ?? []
  return {
    height,
    totalPower: members.reduce((sum, m) => sum + m.power, 0),
    members: membersView(ledger, members),
  }
}

export function committeeView(chain: ChainState): Json {
  const ledger = chain.ledger
  const min = ledger.params.committeeMinStake
  const candidates = [...ledger.candidates].sort().map((id) => {
    const stake = ledger.accounts.get(id)?.stake ?? 0n
    return { id, stake: String(stake), eligible: stake >= min && stake > 0n }
  })
  return {
    ...(termView(ledger, chain.height + 1) as Record<string, Json>),
    // The farthest height the schedule knows (COMMITTEE_LAG = 2): elected from the last block's state.
    next: termView(ledger, chain.height + COMMITTEE_LAG),
    election: { size: ledger.params.committeeSize, minStake: String(min), lag: COMMITTEE_LAG },
    candidates,
    lastHandoff: ledger.lastHandoff,
  }
}
