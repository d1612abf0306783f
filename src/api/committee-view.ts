/**
 * The committee as `GET /v1/committee` shows it: the members deciding the next height, each
 * with its voting power and the stake its account holds, and the height they decide.
 */
import type { ChainState } from '../consensus/chain/execution.js'
import type { Json } from './encoding.js'

export function committeeView(chain: ChainState): Json {
  const members = chain.committee.ids.map((id) => {
    const account = chain.ledger.accounts.get(id)
    return { id, power: chain.committee.power(id), stake: String(account?.stake ?? 0n) }
  })
  return {
    height: chain.height + 1,
    totalPower: members.reduce((sum, m) => sum + m.power, 0),
    // Chosen at genesis: the same members decide every height.
    members,
    next: { height: chain.height + 2, members },
  }
}
