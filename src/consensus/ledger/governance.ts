/**
 * On-chain governance of the ledger's parameters: a staker proposes a new value for one
 * parameter and the height it takes effect at; stakers vote (yes, no, abstain) until the block
 * before that height; the block at that height tallies the votes by voting power (self-stake
 * plus the stake the voter delegated) in the state it starts from. A proposal passes with a
 * quorum (at least `quorum` of all bonded stake voted) and more than 2/3 of the voting power
 * for yes, and its value then applies from that block on, on every node alike. A value
 * outside the parameter's valid range is refused when proposed.
 */
import { fractionToPpm, POSITIVE_AMOUNT_PATTERN } from './amounts.js'
import { reject, type TxRejection } from './errors.js'
import { ruleChangeProblem } from '../../synthesis/rule-change-check.js'
import type { LedgerParams, LedgerState } from './state.js'
import type { Proposal, VoteChoice } from './governance-types.js'
import { MAX_COMMITTEE_SIZE } from './committee-terms.js'

export {
  DEFAULT_GOVERNANCE,
  VOTE_CHOICES,
  type GovernanceParams,
  type Proposal,
  type VoteChoice,
} from './governance-types.js'

/** Most proposals still voting at once, and finished ones kept for the record. */
const MAX_OPEN = 32
const MAX_FINISHED = 256

type Parse = (value: string) => { ok: true; apply: (p: LedgerParams) => LedgerParams } | { ok: false; why: string }
type StateChange = { ok: true; apply: (s: LedgerState) => LedgerState } | { ok: false; why: string }

const amountParam =
  (field: 'emissionPerEpoch' | 'createTopicFee' | 'committeeMinStake'): Parse =>
  (value) =>
    POSITIVE_AMOUNT_PATTERN.test(value)
      ? { ok: true, apply: (p) => ({ ...p, [field]: BigInt(value) }) }
      : { ok: false, why: 'must be a positive integer amount (decimal, no leading zeros)' }

const fractionParam =
  (field: 'committeeSharePpm' | 'slashFractionPpm'): Parse =>
  (value) => {
    const ppm = /^(0|1|0\.\d{1,6}|1\.0{1,6})$/.test(value) ? fractionToPpm(Number(value)) : undefined
    return ppm === undefined
      ? { ok: false, why: 'must be a fraction in [0, 1] with at most 6 decimals' }
      : { ok: true, apply: (p) => ({ ...p, [field]: ppm }) }
  }

/** The parameters a proposal may change, each with its valid range. */
const GOVERNED = {
  emissionPerEpoch: amountParam('emissionPerEpoch'),
  createTopicFee: amountParam('createTopicFee'),
  committeeShare: fractionParam('committeeSharePpm'),
  slashFraction: fractionParam('slashFractionPpm'),
  unbondingEpochs: (value) => {
    const n = Number(value)
    return /^(0|[1-9]\d{0,6})$/.test(value) && n <= 1_000_000
      ? { ok: true, apply: (p) => ({ ...p, unbondingEpochs: n }) }
      : { ok: false, why: 'must be an integer from 0 to 1000000' }
  },
  committeeSize: (value) => {
    const n = Number(value)
    return /^[1-9]\d{0,2}$/.test(value) && n <= MAX_COMMITTEE_SIZE
      ? { ok: true, apply: (p) => ({ ...p, committeeSize: n }) }
      : { ok: false, why: `must be an integer from 1 to ${MAX_COMMITTEE_SIZE}` }
  },
  committeeMinStake: amountParam('committeeMinStake'),
  minTopicWeight: (value) => {
    const n = Number(value)
    return /^\d+(\.\d+)?(e\d+)?$/.test(value) && Number.isFinite(n)
      ? { ok: true, apply: (p) => ({ ...p, topicWeight: { ...p.topicWeight, minTopicWeight: n } }) }
      : { ok: false, why: 'must be a finite number >= 0' }
  },
} as const satisfies Record<string, Parse>

export type GovernedParam = keyof typeof GOVERNED
export const GOVERNED_PARAMS = Object.keys(GOVERNED) as GovernedParam[]
/** How a topic's rules are named in a proposal: `topic.<id>.activeSet.<field>` or `topic.<id>.params.<name>`. */
export const TOPIC_RULE_PARAM = 'topic.<id>.epochMs | topic.<id>.activeSet.<field> | topic.<id>.params.<name>'

/** What setting `param` to `value` does to the ledger, or why it cannot be proposed; undefined for an unknown param. */
function changeOf(state: LedgerState, param: string, value: string): StateChange | undefined {
  const ledgerParam = (GOVERNED as Record<string, Parse>)[param]
  if (ledgerParam !== undefined) {
    const parsed = ledgerParam(value)
    return parsed.ok ? { ok: true, apply: (s) => ({ ...s, params: parsed.apply(s.params) }) } : parsed
  }
  const m = /^topic\.([^.]+)\.(.+)$/.exec(param)
  if (m === null) return undefined
  const [, topicId, field] = m
  if (!state.topics.has(topicId)) return { ok: false, why: `names no topic of the ledger (${topicId})` }
  const why = ruleChangeProblem(field, value)
  if (why !== undefined) return { ok: false, why }
  return {
    ok: true,
    apply: (s) => {
      const topic = s.topics.get(topicId)
      if (topic === undefined) return s
      const ruleChanges = new Map(topic.ruleChanges).set(field, value)
      // The ledger weighs a topic's revenue per unit of its epoch length (§14.1).
      const epochMs = field === 'epochMs' ? Number(value) : topic.epochMs
      return { ...s, topics: new Map(s.topics).set(topicId, { ...topic, ruleChanges, epochMs }) }
    },
  }
}

/** Voting power: self-stake plus what the account delegated to reputers. */
function powerOf(state: LedgerState, id: string): bigint {
  let power = state.accounts.get(id)?.stake ?? 0n
  for (const inner of state.delegations.values()) power += inner.get(id) ?? 0n
  return power
}

function bondedTotal(state: LedgerState): bigint {
  let total = 0n
  for (const a of state.accounts.values()) total += a.stake
  for (const inner of state.delegations.values()) for (const amount of inner.values()) total += amount
  return total
}

export function propose(
  state: LedgerState,
  signer: string,
  body: { param: string; value: string; height: number },
  context: { height: number },
): { ok: true; state: LedgerState } | TxRejection {
  if (powerOf(state, signer) === 0n) return reject('INSUFFICIENT_STAKE', 'only a staker can propose')
  const change = changeOf(state, body.param, body.value)
  if (change === undefined)
    return reject(
      'BAD_PROPOSAL',
      `param must be one of ${GOVERNED_PARAMS.join(', ')}, or ${TOPIC_RULE_PARAM} (got "${body.param}")`,
    )
  if (!change.ok) return reject('BAD_PROPOSAL', `${body.param} ${change.why} (got "${body.value}")`)
  const earliest = context.height + state.params.governance.minVotingBlocks
  if (!(body.height >= earliest))
    return reject(
      'BAD_PROPOSAL',
      `height must be at least ${earliest} (this block + ${state.params.governance.minVotingBlocks})`,
    )
  const open = [...state.proposals.values()].filter((p) => p.status === 'voting').length
  if (open >= MAX_OPEN) return reject('BAD_PROPOSAL', `${MAX_OPEN} proposals are voting already`)
  const id = state.nextProposalId
  const proposal: Proposal = {
    id,
    proposer: signer,
    param: body.param,
    value: body.value,
    height: body.height,
    votes: new Map(),
    status: 'voting',
    tally: null,
  }
  return {
    ok: true,
    state: { ...state, proposals: new Map(state.proposals).set(id, proposal), nextProposalId: id + 1 },
  }
}

export function vote(
  state: LedgerState,
  signer: string,
  body: { proposal: number; choice: VoteChoice },
  context: { height: number },
): { ok: true; state: LedgerState } | TxRejection {
  const p = state.proposals.get(body.proposal)
  if (p === undefined) return reject('BAD_PROPOSAL', `no proposal ${body.proposal}`)
  if (p.status !== 'voting' || context.height >= p.height)
    return reject(
      'BAD_PROPOSAL',
      `proposal ${body.proposal} is no longer voting (it was tallied at height ${p.height})`,
    )
  if (powerOf(state, signer) === 0n) return reject('INSUFFICIENT_STAKE', 'only a staker can vote')
  // A later vote replaces the voter's earlier one.
  const votes = new Map(p.votes).set(signer, body.choice)
  return { ok: true, state: { ...state, proposals: new Map(state.proposals).set(p.id, { ...p, votes }) } }
}

/** Tally every proposal due at `height` (in id order) and apply the ones that pass. */
export function tallyDue(state: LedgerState, height: number): LedgerState {
  const due = [...state.proposals.values()]
    .filter((p) => p.status === 'voting' && p.height <= height)
    .sort((a, b) => a.id - b.id)
  if (due.length === 0) return state
  let next = state
  const proposals = new Map(state.proposals)
  const total = bondedTotal(state)
  for (const p of due) {
    const tally = { yes: 0n, no: 0n, abstain: 0n, total }
    for (const [voter, choice] of p.votes) tally[choice] += powerOf(state, voter)
    const voted = tally.yes + tally.no + tally.abstain
    const quorum = voted * 1_000_000n >= total * BigInt(state.params.governance.quorumPpm) && voted > 0n
    const passed = quorum && 3n * tally.yes > 2n * voted
    if (passed) {
      const change = changeOf(next, p.param, p.value)
      if (change?.ok === true) next = change.apply(next)
    }
    proposals.set(p.id, { ...p, status: passed ? 'passed' : 'rejected', tally })
  }
  // Keep the record bounded: the oldest finished proposals go first.
  const finished = [...proposals.values()].filter((p) => p.status !== 'voting').sort((a, b) => a.id - b.id)
  for (const p of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED))) proposals.delete(p.id)
  return { ...next, proposals }
}
