/**
 * Emission and rewards for one block (docs/spec/math.md §13, §14).
 *
 * 1. Every topic epoch the block closes updates that topic's smoothed weight from its stake
 *    and fee revenue, then drips the revenue (§14.1).
 * 2. Every settled topic epoch earns a gross reward G_t = floor(perEpoch · m_t), where
 *    m_t = w_t / Σw · epochMs_t / ledger epochMs is splitEmission's share over all active
 *    topics (§14.2): over time the chain mints about perEpoch per ledger epoch.
 * 3. committeeShare of G_t goes to the committee pool; the rest, E_t, is split among the
 *    participants in proportion to the settle step's rewards (read exactly, so the payouts
 *    equal truncating each reward when the settle step was given E_t, and their sum never
 *    exceeds E_t). Inferers and forecasters are paid to their balance; a reputer's reward is
 *    re-staked, except the delegators' part D/S, paid to the delegators' balances (§13).
 * 4. The committee pool is split by voting power among the commit's signers.
 *
 * Tokens are minted only when credited: every truncation remainder, every reward to an id
 * that is not an active participant and the pool of a commit without known signers is simply
 * never minted, so supply = genesis + Σ credits − burned holds exactly.
 */
import { ownNumber } from '../../synthesis/id-map.js'
import {
  dripFeeRevenue,
  isTopicActive,
  smoothedTopicWeight,
  splitEmission,
  topicWeight,
  type TopicEmissionInput,
} from '../../synthesis/topic-weights.js'
import type { IdMap, SettleOutput } from '../../synthesis/types.js'
import { exactProportions, mulFloor, ppmOf, splitProportional, sumOf } from './amounts.js'
import { LedgerError } from './errors.js'
import { committeeAt } from './committee-election.js'
import { delegatedTo, isRegistered, topicStake } from './queries.js'
import {
  accountOf,
  sortedEntries,
  sortedKeys,
  withTopic,
  type LedgerState,
  type TopicLedger,
  type TopicRole,
} from './state.js'

export interface ClosedTopicEpoch {
  readonly topicId: string
  readonly epoch: number
}

export interface Settlement {
  readonly topicId: string
  /** The topic epoch whose rewards these are. */
  readonly epoch: number
  /** SettleOutput.rewards; used as proportions of the ledger's own E_t. */
  readonly rewards: SettleOutput['rewards']
}

export interface SettlementReport {
  readonly topicId: string
  readonly epoch: number
  readonly gross: bigint
  readonly committeeCut: bigint
  /** Credited to participants (balances, re-stake, delegators). */
  readonly paid: bigint
}

function topicOrThrow(state: LedgerState, topicId: string): TopicLedger {
  const topic = state.topics.get(topicId)
  if (topic === undefined) throw new LedgerError('UNKNOWN_TOPIC', `block names unknown topic ${topicId}`)
  return topic
}

/**
 * Freshly minted credits, gathered and then applied with one copy of the accounts: a block
 * pays dozens of accounts, and copying a map of thousands per credit was most of its cost.
 */
class Mint {
  private readonly credits = new Map<string, { balance: bigint; stake: bigint }>()

  add(id: string, delta: { balance?: bigint; stake?: bigint }): void {
    const balance = delta.balance ?? 0n
    const stake = delta.stake ?? 0n
    if (balance + stake === 0n) return
    const prior = this.credits.get(id) ?? { balance: 0n, stake: 0n }
    this.credits.set(id, { balance: prior.balance + balance, stake: prior.stake + stake })
  }

  applyTo(state: LedgerState): LedgerState {
    if (this.credits.size === 0) return state
    const accounts = new Map(state.accounts)
    let minted = 0n
    for (const [id, c] of this.credits) {
      const a = accountOf(state, id)
      accounts.set(id, { ...a, balance: a.balance + c.balance, stake: a.stake + c.stake })
      minted += c.balance + c.stake
    }
    return { ...state, accounts, supply: { ...state.supply, minted: state.supply.minted + minted } }
  }
}

/** §14.1 for each closed topic epoch, in block order. Revenue above 2^53 loses float digits in the weight only. */
export function closeTopicEpochs(state: LedgerState, closed: readonly ClosedTopicEpoch[]): LedgerState {
  const params = state.params.topicWeight
  let next = state
  for (const { topicId, epoch } of closed) {
    const topic = topicOrThrow(next, topicId)
    if (!(Number.isSafeInteger(epoch) && epoch > topic.lastClosedEpoch)) {
      throw new LedgerError(
        'STALE_TOPIC_EPOCH',
        `topic ${topicId} epoch ${epoch} closes again (last closed ${topic.lastClosedEpoch})`,
      )
    }
    const raw = topicWeight(params, {
      stake: Number(topicStake(next, topicId)),
      feeRevenue: Number(topic.revenue),
      epochLength: topic.epochMs,
    })
    const weight = smoothedTopicWeight(params, raw, topic.weight ?? undefined)
    const dripped = BigInt(dripFeeRevenue(params, Number(topic.revenue), topic.epochMs))
    const revenue = dripped < topic.revenue ? dripped : topic.revenue
    next = withTopic(next, { ...topic, weight, revenue, lastClosedEpoch: epoch })
  }
  return next
}

/** m_t for every active topic: its share of one ledger epoch's emission per topic epoch. */
export function emissionShares(state: LedgerState): IdMap {
  const inputs: Record<string, TopicEmissionInput> = {}
  for (const [id, t] of sortedEntries(state.topics)) {
    if (t.weight !== null && t.weight > 0 && isTopicActive(state.params.topicWeight, t.weight))
      inputs[id] = { weight: t.weight, epochLength: t.epochMs }
  }
  // We mint rather than draw on a treasury, so the §14.2 treasury cap never binds.
  return splitEmission(inputs, 1 / state.params.epochMs, Number.MAX_VALUE)
}

function grossReward(state: LedgerState, shares: IdMap, topicId: string): bigint {
  return mulFloor(state.params.emissionPerEpoch, ownNumber(shares, topicId) ?? 0)
}

/** E_t the settle step should be given as `topicReward` for a topic epoch settled now. */
export function topicRewardFor(state: LedgerState, topicId: string): bigint {
  const gross = grossReward(state, emissionShares(state), topicId)
  return gross - ppmOf(gross, state.params.committeeSharePpm)
}

/** A reputer's reward: the delegators' part D/S to their balances, the rest re-staked. */
function payReputer(state: LedgerState, mint: Mint, reputer: string, amount: bigint): void {
  const self = state.accounts.get(reputer)?.stake ?? 0n
  const delegated = delegatedTo(state, reputer)
  const total = self + delegated
  const delegatorsPart = total > 0n ? (amount * delegated) / total : 0n
  const inner = state.delegations.get(reputer) ?? new Map<string, bigint>()
  const delegators = sortedKeys(inner)
  const shares = splitProportional(
    delegatorsPart,
    delegators.map((d) => inner.get(d) ?? 0n),
  )
  mint.add(reputer, { stake: amount - delegatorsPart })
  delegators.forEach((d, i) => mint.add(d, { balance: shares[i] }))
}

const TASK_ROLES: readonly ['inferers' | 'forecasters' | 'reputers', TopicRole][] = [
  ['inferers', 'worker'],
  ['forecasters', 'worker'],
  ['reputers', 'reputer'],
]

function paySettlement(
  state: LedgerState,
  shares: IdMap,
  s: Settlement,
): { state: LedgerState; report: SettlementReport } {
  const topic = topicOrThrow(state, s.topicId)
  if (!(Number.isSafeInteger(s.epoch) && s.epoch > topic.lastSettledEpoch)) {
    throw new LedgerError(
      'STALE_TOPIC_EPOCH',
      `topic ${s.topicId} epoch ${s.epoch} is settled again (last settled ${topic.lastSettledEpoch})`,
    )
  }
  const gross = grossReward(state, shares, s.topicId)
  const committeeCut = ppmOf(gross, state.params.committeeSharePpm)
  const entries: { role: TopicRole; id: string; value: number }[] = []
  for (const [task, role] of TASK_ROLES) {
    const map = s.rewards[task]
    for (const id of Object.keys(map).sort()) entries.push({ role, id, value: ownNumber(map, id) ?? 0 })
  }
  const payouts = splitProportional(gross - committeeCut, exactProportions(entries.map((e) => e.value)))
  const before = state.supply.minted
  const settled = withTopic(state, { ...topic, lastSettledEpoch: s.epoch })
  // Registration is read before any of these credits: workers are paid to their balance, and
  // reputers come last, so no credit here changes whether a later entry is registered.
  const mint = new Mint()
  entries.forEach(({ role, id }, i) => {
    const amount = payouts[i]
    if (amount === 0n || !isRegistered(settled, s.topicId, role, id)) return
    if (role === 'worker') mint.add(id, { balance: amount })
    else payReputer(settled, mint, id, amount)
  })
  const next = mint.applyTo(settled)
  return {
    state: next,
    report: { topicId: s.topicId, epoch: s.epoch, gross, committeeCut, paid: next.supply.minted - before },
  }
}

/** Pays every settlement of the block; returns the committee pool they set aside. */
export function paySettlements(
  state: LedgerState,
  settlements: readonly Settlement[],
): { state: LedgerState; committeePool: bigint; reports: SettlementReport[] } {
  if (settlements.length === 0) return { state, committeePool: 0n, reports: [] }
  // One set of shares per block: every settlement in it is weighed by the same weights.
  const shares = emissionShares(state)
  let next = state
  const reports: SettlementReport[] = []
  for (const s of settlements) {
    const paid = paySettlement(next, shares, s)
    next = paid.state
    reports.push(paid.report)
  }
  return { state: next, committeePool: sumOf(reports.map((r) => r.committeeCut)), reports }
}

/**
 * The committee pool to the commit's signers by voting power: a signer's risk and the
 * commit's safety both scale with power. Signers outside the committee are ignored.
 */
/** Part of a block's committee pool paid to its proposer (the rest to the certificate's signers), in ppm. */
export const PROPOSER_SHARE_PPM = 200_000

export function payCommittee(
  state: LedgerState,
  pool: bigint,
  height: number,
  signers: readonly string[],
  proposer?: string,
): { state: LedgerState; paid: bigint } {
  const mint = new Mint()
  // The proposer's share: a member that withholds its proposals, or proposes blocks the
  // others reject, never has a block of its own committed and earns less than one that does.
  const paidProposer = committeeAt(state, height)?.find((m) => m.id === proposer)
  const bonus = paidProposer === undefined ? 0n : ppmOf(pool, PROPOSER_SHARE_PPM)
  if (paidProposer !== undefined && bonus > 0n) mint.add(paidProposer.id, { balance: bonus })
  const signed = new Set(signers)
  // The signers certified the previous block: the committee of that height pays them.
  const members = (committeeAt(state, height - 1) ?? [])
    .filter((m) => signed.has(m.id))
    .sort((a, b) => (a.id < b.id ? -1 : 1))
  const amounts = splitProportional(
    pool - bonus,
    members.map((m) => BigInt(m.power)),
  )
  members.forEach((m, i) => mint.add(m.id, { balance: amounts[i] }))
  const next = mint.applyTo(state)
  return { state: next, paid: next.supply.minted - state.supply.minted }
}
