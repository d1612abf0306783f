/**
 * Governance as `GET /v1/proposals` shows it: every proposal the ledger keeps (the ones voting
 * and the last finished ones), newest first, with its votes and, once tallied, the outcome.
 */
import { GOVERNED_PARAMS } from '../consensus/ledger/governance.js'
import type { LedgerState } from '../consensus/ledger/index.js'
import type { Json } from './encoding.js'

export function proposalsView(ledger: LedgerState): Json {
  return {
    params: GOVERNED_PARAMS,
    quorum: ledger.params.governance.quorumPpm / 1e6,
    minVotingBlocks: ledger.params.governance.minVotingBlocks,
    proposals: [...ledger.proposals.values()]
      .sort((a, b) => b.id - a.id)
      .map((p) => ({
        id: p.id,
        proposer: p.proposer,
        param: p.param,
        value: p.value,
        height: p.height,
        status: p.status,
        votes: Object.fromEntries([...p.votes].sort(([a], [b]) => (a < b ? -1 : 1))),
        tally:
          p.tally === null
            ? null
            : {
                yes: String(p.tally.yes),
                no: String(p.tally.no),
                abstain: String(p.tally.abstain),
                bonded: String(p.tally.total),
              },
      })),
  }
}
