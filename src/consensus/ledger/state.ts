/**
 * The ledger state: immutable values, updated copy-on-write. Every transition returns a new
 * state and shares what it did not touch, so the driver applies a block to the committed state
 * and simply drops the result if the block is not committed. Maps iterate in insertion order,
 * which depends on history: everything that sums, pays or hashes sorts ids first.
 *
 * Conservation (conservation.ts): genesis supply + minted − burned =
 * Σ balances + Σ stakes + Σ delegations + Σ unbonding + treasury.
 */
import type { Genesis } from './genesis.js'
import type { Proposal } from './governance-types.js'
import { genesisSchedule, type CommitteeTerm } from './committee-terms.js'

export type TopicRole = 'worker' | 'reputer'
export const TOPIC_ROLES: readonly TopicRole[] = ['worker', 'reputer']

export interface Account {
  /** Spendable tokens. */
  readonly balance: bigint
  /** Bonded self-stake; one pool backs every topic the account is registered in. */
  readonly stake: bigint
  /** The accountNonce the account's next transaction must carry. */
  readonly nonce: number
}

export const EMPTY_ACCOUNT: Account = Object.freeze({ balance: 0n, stake: 0n, nonce: 0 })

export interface TopicLedger {
  readonly id: string
  readonly creator: string | null
  readonly epochMs: number
  readonly minWorkerStake: bigint
  readonly minReputerStake: bigint
  /** P_t: effective fee revenue, a decaying weight signal (§14.1). The tokens sit in the treasury. */
  readonly revenue: bigint
  /** w_t, the smoothed topic weight; null until the topic's first epoch closes. */
  readonly weight: number | null
  /** Last topic epoch whose close updated the weight, and last one paid; -1 for none. */
  readonly lastClosedEpoch: number
  readonly lastSettledEpoch: number
  readonly workers: ReadonlySet<string>
  readonly reputers: ReadonlySet<string>
  /**
   * The topic's consensus rules changed by governance since its creation, by field
   * (`activeSet.inferers`, `params.p_norm`, ...) → the value as text; the chain applies them.
   */
  readonly ruleChanges: ReadonlyMap<string, string>
}

export interface UnbondingEntry {
  readonly account: string
  readonly amount: bigint
  /** Released to the balance by the first block whose ledger epoch is ≥ this. */
  readonly releaseEpoch: number
}

/** The genesis parameters the transitions need, carried in the state so they are hashed too. */
export type LedgerParams = Pick<
  Genesis,
  | 'chainId'
  | 'emissionPerEpoch'
  | 'epochMs'
  | 'committeeSharePpm'
  | 'createTopicFee'
  | 'unbondingEpochs'
  | 'slashFractionPpm'
  | 'minimumStake'
  | 'topicWeight'
  | 'committee'
  | 'committeeSize'
  | 'committeeMinStake'
  | 'governance'
>

export interface Supply {
  /** Σ genesis balances and stakes. */
  readonly genesis: bigint
  readonly minted: bigint
  readonly burned: bigint
}

export interface LedgerState {
  readonly params: LedgerParams
  /** Height of the last applied block (0 = genesis) and its ledger epoch. */
  readonly height: number
  readonly epoch: number
  readonly accounts: ReadonlyMap<string, Account>
  /** reputer → delegator → amount. */
  readonly delegations: ReadonlyMap<string, ReadonlyMap<string, bigint>>
  readonly topics: ReadonlyMap<string, TopicLedger>
  /** Sorted by (releaseEpoch, account, amount), so equal queues are equal arrays. */
  readonly unbonding: readonly UnbondingEntry[]
  readonly supply: Supply
  /** Fees paid (create-topic, fund-topic) and not spent. */
  readonly treasury: bigint
  /** `offender/evidenceId` already slashed, so one equivocation is punished once. */
  readonly slashedEvidence: ReadonlySet<string>
  /** Governance proposals by id: the ones voting, and the last finished ones (governance.ts). */
  readonly proposals: ReadonlyMap<number, Proposal>
  readonly nextProposalId: number
  /** Coordinators standing for the committee (committee-election.ts). */
  readonly candidates: ReadonlySet<string>
  /** Committees by the first height they decide, ascending: recent ones and the next COMMITTEE_LAG heights'. */
  readonly committees: readonly CommitteeTerm[]
  /** The last block that elected a different committee (a hand-off); 0 for none. */
  readonly lastHandoff: number
}

export function initialState(genesis: Genesis): LedgerState {
  const accounts = new Map<string, Account>()
  let supply = 0n
  for (const a of genesis.accounts) {
    accounts.set(a.id, { balance: a.balance, stake: a.stake, nonce: 0 })
    supply += a.balance + a.stake
  }
  const topics = new Map<string, TopicLedger>()
  for (const t of genesis.topics) {
    topics.set(t.id, {
      id: t.id,
      creator: t.creator,
      epochMs: t.epochMs,
      minWorkerStake: t.minWorkerStake,
      minReputerStake: t.minReputerStake,
      revenue: t.initialRevenue,
      weight: null,
      lastClosedEpoch: -1,
      lastSettledEpoch: -1,
      ruleChanges: new Map(),
      workers: new Set(t.workers),
      reputers: new Set(t.reputers),
    })
  }
  const {
    chainId,
    emissionPerEpoch,
    epochMs,
    committeeSharePpm,
    createTopicFee,
    unbondingEpochs,
    slashFractionPpm,
    minimumStake,
    topicWeight,
    committee,
    committeeSize,
    committeeMinStake,
    governance,
  } = genesis
  return {
    params: {
      chainId,
      emissionPerEpoch,
      epochMs,
      committeeSharePpm,
      createTopicFee,
      unbondingEpochs,
      slashFractionPpm,
      minimumStake,
      topicWeight,
      committee,
      committeeSize,
      committeeMinStake,
      governance,
    },
    height: 0,
    epoch: 0,
    accounts,
    delegations: new Map(),
    topics,
    unbonding: [],
    supply: { genesis: supply, minted: 0n, burned: 0n },
    treasury: 0n,
    slashedEvidence: new Set(),
    proposals: new Map(),
    nextProposalId: 0,
    candidates: new Set(committee.map((m) => m.id)),
    committees: genesisSchedule(committee),
    lastHandoff: 0,
  }
}

export function accountOf(state: LedgerState, id: string): Account {
  return state.accounts.get(id) ?? EMPTY_ACCOUNT
}

/** The state with `id`'s account replaced; an all-zero account is dropped, so equal books hash equal. */
export function withAccount(state: LedgerState, id: string, account: Account): LedgerState {
  const accounts = new Map(state.accounts)
  if (account.balance === 0n && account.stake === 0n && account.nonce === 0) accounts.delete(id)
  else accounts.set(id, account)
  return { ...state, accounts }
}

/** Add (or with a negative delta, take) to an account's balance and stake. Callers check sufficiency. */
export function adjustAccount(
  state: LedgerState,
  id: string,
  delta: { balance?: bigint; stake?: bigint },
): LedgerState {
  const a = accountOf(state, id)
  return withAccount(state, id, {
    ...a,
    balance: a.balance + (delta.balance ?? 0n),
    stake: a.stake + (delta.stake ?? 0n),
  })
}

export function withTopic(state: LedgerState, topic: TopicLedger): LedgerState {
  const topics = new Map(state.topics)
  topics.set(topic.id, topic)
  return { ...state, topics }
}

export function delegationOf(state: LedgerState, reputer: string, delegator: string): bigint {
  return state.delegations.get(reputer)?.get(delegator) ?? 0n
}

/** The state with one delegation set; zero removes it. */
export function withDelegation(state: LedgerState, reputer: string, delegator: string, amount: bigint): LedgerState {
  const inner = new Map(state.delegations.get(reputer))
  if (amount === 0n) inner.delete(delegator)
  else inner.set(delegator, amount)
  const delegations = new Map(state.delegations)
  if (inner.size === 0) delegations.delete(reputer)
  else delegations.set(reputer, inner)
  return { ...state, delegations }
}

function compareEntries(a: UnbondingEntry, b: UnbondingEntry): number {
  if (a.releaseEpoch !== b.releaseEpoch) return a.releaseEpoch - b.releaseEpoch
  if (a.account !== b.account) return a.account < b.account ? -1 : 1
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0
}

export function withUnbonding(state: LedgerState, entries: readonly UnbondingEntry[]): LedgerState {
  return { ...state, unbonding: [...entries].sort(compareEntries) }
}

export function sortedKeys<K extends string>(map: ReadonlyMap<K, unknown> | ReadonlySet<K>): K[] {
  return [...map.keys()].sort()
}

/** [key, value] pairs in ascending key order. */
export function sortedEntries<K extends string, V>(map: ReadonlyMap<K, V>): [K, V][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}
