/** What accounts hold, from a node's answer (decimal strings) or from the genesis. */
import type { Genesis } from '../consensus/ledger/index.js'
import type { Holding } from './target.js'

export function parseHoldings(value: unknown): Map<string, Holding> {
  const out = new Map<string, Holding>()
  for (const [id, h] of Object.entries(value as Record<string, { total: string; stake: string }>))
    out.set(id, { total: BigInt(h.total), stake: BigInt(h.stake) })
  return out
}

export function genesisHoldings(genesis: Genesis, ids: readonly string[]): Map<string, Holding> {
  const accounts = new Map(genesis.accounts.map((a) => [a.id, a]))
  return new Map(
    ids.map((id) => {
      const a = accounts.get(id)
      return [id, { total: (a?.balance ?? 0n) + (a?.stake ?? 0n), stake: a?.stake ?? 0n }]
    }),
  )
}
