/** The shapes of on-chain governance (governance.ts), apart so the ledger state can name them. */

export const VOTE_CHOICES = ['yes', 'no', 'abstain'] as const
export type VoteChoice = (typeof VOTE_CHOICES)[number]

export interface Proposal {
  readonly id: number
  readonly proposer: string
  /** One of the governed parameters (governance.ts). */
  readonly param: string
  /** The new value as proposed (canonical text). */
  readonly value: string
  /** The height whose block tallies the votes and, if it passes, applies the value. */
  readonly height: number
  readonly votes: ReadonlyMap<string, VoteChoice>
  readonly status: 'voting' | 'passed' | 'rejected'
  /** Voting power by choice at the tally, and the bonded total; null while voting. */
  readonly tally: { readonly yes: bigint; readonly no: bigint; readonly abstain: bigint; readonly total: bigint } | null
}

export interface GovernanceParams {
  /** Part of all bonded stake that must vote, in ppm. */
  readonly quorumPpm: number
  /** Fewest blocks between a proposal and the height it names. */
  readonly minVotingBlocks: number
}

export const DEFAULT_GOVERNANCE: GovernanceParams = Object.freeze({ quorumPpm: 334_000, minVotingBlocks: 10 })
