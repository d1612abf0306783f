/**
 * Transaction rules. `applyTx` either returns the next state or a rejection with a code and a
 * reason; a rejected transaction changes nothing, because every check runs before the first
 * copy-on-write update and the nonce moves only on success.
 *
 * Trust boundary: `signer` is taken as proven. The transport verifies the envelope signature
 * on gossip, and block verification must do the same for every transaction in a block
 * (signed-tx.ts), because a proposer could otherwise forge transactions of anyone.
 *
 * Checks run cheap first: signer shape, kind, nonce (replay protection), body shape, then the
 * rules that read the state.
 */
import { reject, type TxRejection } from './errors.js'
import { balanceOf, isReputerAnywhere, selfStakeOf } from './queries.js'
import {
  accountOf,
  adjustAccount,
  delegationOf,
  withAccount,
  withDelegation,
  withTopic,
  withUnbonding,
  type LedgerState,
  type TopicLedger,
} from './state.js'
import { isTxKind, parseTxBody, type TxBody, type TxBodyValue, type TxKind } from './tx-body.js'
import { propose, vote } from './governance.js'

export interface LedgerTx {
  /** Hex ed25519 public key whose signature the transport verified. */
  readonly signer: string
  readonly kind: string
  /** Must equal the signer's account nonce: a replayed or reordered tx is rejected. */
  readonly accountNonce: number
  readonly body: Readonly<Record<string, TxBodyValue>>
}

export interface TxContext {
  /** Height of the block the transaction is applied in. */
  readonly height: number
  /** Ledger epoch of that block (unbonding delays count from it). */
  readonly epoch: number
}

export type TxResult = { readonly ok: true; readonly state: LedgerState } | TxRejection

const ACCOUNT_ID = /^[0-9a-f]{64}$/

type Handler<K extends TxKind> = (state: LedgerState, signer: string, body: TxBody<K>, context: TxContext) => TxResult

function ok(state: LedgerState): TxResult {
  return { ok: true, state }
}

function spendable(state: LedgerState, signer: string, amount: bigint, what: string): TxRejection | undefined {
  const balance = balanceOf(state, signer)
  if (balance < amount) return reject('INSUFFICIENT_BALANCE', `${what} needs ${amount}, balance is ${balance}`)
  return undefined
}

const transfer: Handler<'transfer'> = (state, signer, { to, amount }) => {
  const short = spendable(state, signer, amount, 'transfer')
  if (short) return short
  return ok(adjustAccount(adjustAccount(state, signer, { balance: -amount }), to, { balance: amount }))
}

const stake: Handler<'stake'> = (state, signer, { amount }) => {
  const short = spendable(state, signer, amount, 'stake')
  if (short) return short
  return ok(adjustAccount(state, signer, { balance: -amount, stake: amount }))
}

/** Moves self-stake, or a delegation, into the unbonding queue; one entry per (account, release epoch). */
const unstake: Handler<'unstake'> = (state, signer, { amount, reputer }, context) => {
  let next: LedgerState
  if (reputer !== undefined) {
    const delegated = delegationOf(state, reputer, signer)
    if (delegated < amount)
      return reject('INSUFFICIENT_STAKE', `unstake ${amount} from reputer ${reputer}: only ${delegated} delegated`)
    next = withDelegation(state, reputer, signer, delegated - amount)
  } else {
    const staked = selfStakeOf(state, signer)
    if (staked < amount) return reject('INSUFFICIENT_STAKE', `unstake ${amount}: only ${staked} staked`)
    next = adjustAccount(state, signer, { stake: -amount })
  }
  const releaseEpoch = context.epoch + state.params.unbondingEpochs
  const same = next.unbonding.findIndex((e) => e.account === signer && e.releaseEpoch === releaseEpoch)
  const entries = [...next.unbonding]
  if (same >= 0) entries[same] = { ...entries[same], amount: entries[same].amount + amount }
  else entries.push({ account: signer, amount, releaseEpoch })
  return ok(withUnbonding(next, entries))
}

const delegate: Handler<'delegate'> = (state, signer, { reputer, amount }) => {
  if (reputer === signer) return reject('SELF_DELEGATION', 'a reputer stakes for itself with stake, not delegate')
  if (!isReputerAnywhere(state, reputer))
    return reject('NOT_A_REPUTER', `${reputer} is not an active reputer in any topic`)
  const short = spendable(state, signer, amount, 'delegate')
  if (short) return short
  const next = adjustAccount(state, signer, { balance: -amount })
  return ok(withDelegation(next, reputer, signer, delegationOf(state, reputer, signer) + amount))
}

const register: Handler<'register'> = (state, signer, { topicId, role }) => {
  const topic = state.topics.get(topicId)
  if (topic === undefined) return reject('UNKNOWN_TOPIC', `no topic ${topicId}`)
  const members = role === 'worker' ? topic.workers : topic.reputers
  if (members.has(signer)) return reject('ALREADY_REGISTERED', `already a ${role} in ${topicId}`)
  const min = role === 'worker' ? topic.minWorkerStake : topic.minReputerStake
  const staked = selfStakeOf(state, signer)
  if (staked < min) return reject('BELOW_MIN_STAKE', `a ${role} in ${topicId} must stake ${min}, stake is ${staked}`)
  const added = new Set(members).add(signer)
  return ok(withTopic(state, role === 'worker' ? { ...topic, workers: added } : { ...topic, reputers: added }))
}

/** Leave a topic's role; the stake stays bonded (unstake it separately). */
const deregister: Handler<'deregister'> = (state, signer, { topicId, role }) => {
  const topic = state.topics.get(topicId)
  if (topic === undefined) return reject('UNKNOWN_TOPIC', `no topic ${topicId}`)
  const members = role === 'worker' ? topic.workers : topic.reputers
  if (!members.has(signer)) return reject('NOT_REGISTERED', `not a ${role} in ${topicId}`)
  const left = new Set(members)
  left.delete(signer)
  return ok(withTopic(state, role === 'worker' ? { ...topic, workers: left } : { ...topic, reputers: left }))
}

/** The fee goes to the treasury and counts as the new topic's first revenue (§14.1). */
const createTopic: Handler<'create-topic'> = (state, signer, body) => {
  if (state.topics.has(body.topicId)) return reject('TOPIC_EXISTS', `topic ${body.topicId} already exists`)
  const floors = state.params.minimumStake
  const minWorkerStake = body.minWorkerStake ?? floors.worker
  const minReputerStake = body.minReputerStake ?? floors.reputer
  if (minWorkerStake < floors.worker)
    return reject('BELOW_MIN_STAKE', `minWorkerStake ${minWorkerStake} is below the chain's ${floors.worker}`)
  if (minReputerStake < floors.reputer)
    return reject('BELOW_MIN_STAKE', `minReputerStake ${minReputerStake} is below the chain's ${floors.reputer}`)
  const fee = state.params.createTopicFee
  const short = spendable(state, signer, fee, 'create-topic fee')
  if (short) return short
  const topic: TopicLedger = {
    id: body.topicId,
    creator: signer,
    epochMs: body.epochMs,
    minWorkerStake,
    minReputerStake,
    revenue: fee,
    weight: null,
    lastClosedEpoch: -1,
    lastSettledEpoch: -1,
    ruleChanges: new Map(),
    workers: new Set(),
    reputers: new Set(),
  }
  const paid = adjustAccount(state, signer, { balance: -fee })
  return ok(withTopic({ ...paid, treasury: paid.treasury + fee }, topic))
}

/** Pay what you want: any positive amount raises the topic's revenue, hence its weight. */
const fundTopic: Handler<'fund-topic'> = (state, signer, { topicId, amount }) => {
  const topic = state.topics.get(topicId)
  if (topic === undefined) return reject('UNKNOWN_TOPIC', `no topic ${topicId}`)
  const short = spendable(state, signer, amount, 'fund-topic')
  if (short) return short
  const paid = adjustAccount(state, signer, { balance: -amount })
  return ok(withTopic({ ...paid, treasury: paid.treasury + amount }, { ...topic, revenue: topic.revenue + amount }))
}

/** Stand for the committee with enough self-stake, or withdraw; the election after each block reads it. */
const candidacy: Handler<'candidacy'> = (state, signer, { stand }) => {
  const standing = state.candidates.has(signer)
  const candidates = new Set(state.candidates)
  if (stand) {
    if (standing) return reject('ALREADY_REGISTERED', 'already a candidate for the committee')
    const min = state.params.committeeMinStake
    const staked = selfStakeOf(state, signer)
    if (staked < min) return reject('BELOW_MIN_STAKE', `a committee candidate must stake ${min}, stake is ${staked}`)
    candidates.add(signer)
  } else {
    if (!standing) return reject('NOT_REGISTERED', 'not a candidate for the committee')
    candidates.delete(signer)
  }
  return ok({ ...state, candidates })
}

const HANDLERS: { readonly [K in TxKind]: Handler<K> } = {
  transfer,
  stake,
  unstake,
  delegate,
  register,
  deregister,
  'create-topic': createTopic,
  'fund-topic': fundTopic,
  candidacy,
  propose,
  vote,
}

function run<K extends TxKind>(kind: K, state: LedgerState, tx: LedgerTx, context: TxContext): TxResult {
  const parsed = parseTxBody(kind, tx.body)
  return parsed.ok ? HANDLERS[kind](state, tx.signer, parsed.body, context) : parsed
}

export function applyTx(state: LedgerState, tx: LedgerTx, context: TxContext): TxResult {
  if (!ACCOUNT_ID.test(tx.signer))
    return reject('BAD_SIGNER', 'signer must be 64 lowercase hex chars (an ed25519 public key)')
  if (!isTxKind(tx.kind)) return reject('UNKNOWN_KIND', `unknown transaction kind ${JSON.stringify(tx.kind)}`)
  const expected = accountOf(state, tx.signer).nonce
  if (!Number.isSafeInteger(tx.accountNonce) || tx.accountNonce < expected) {
    return reject('REPLAYED_NONCE', `accountNonce ${tx.accountNonce} is used or invalid; the next is ${expected}`)
  }
  if (tx.accountNonce > expected)
    return reject('FUTURE_NONCE', `accountNonce ${tx.accountNonce} is ahead; the next is ${expected}`)
  const result = run(tx.kind, state, tx, context)
  if (!result.ok) return result
  const account = accountOf(result.state, tx.signer)
  return ok(withAccount(result.state, tx.signer, { ...account, nonce: account.nonce + 1 }))
}
