/**
 * The ledger state hash: SHA-256 over the canonical CBOR of a canonical form of the state.
 * Every collection is listed in ascending id order and every amount as a decimal string, so
 * equal states hash equal on every node, whatever order their maps were filled in.
 */
import { createHash } from 'node:crypto'
import { encodeCanonical } from '../../wire/codec.js'
import { sortedEntries, sortedKeys, type LedgerState, type TopicLedger } from './state.js'

/** Bump with any change of the encoded layout. */
export const LEDGER_HASH_DOMAIN = 'chorus/ledger-state/v2'

function paramsForm(state: LedgerState): unknown[] {
  const p = state.params
  const w = p.topicWeight
  return [
    p.chainId,
    String(p.emissionPerEpoch),
    p.epochMs,
    p.committeeSharePpm,
    String(p.createTopicFee),
    p.unbondingEpochs,
    p.slashFractionPpm,
    [String(p.minimumStake.worker), String(p.minimumStake.reputer)],
    [w.stakeImportance, w.feeRevenueImportance, w.alpha, w.minTopicWeight, w.blocksPerMonth],
    [...p.committee].sort((a, b) => (a.id < b.id ? -1 : 1)).map((m) => [m.id, m.power]),
    [p.governance.quorumPpm, p.governance.minVotingBlocks],
    [p.committeeSize, String(p.committeeMinStake)],
  ]
}

function topicForm(t: TopicLedger): unknown[] {
  return [
    t.id,
    t.creator,
    t.epochMs,
    String(t.minWorkerStake),
    String(t.minReputerStake),
    String(t.revenue),
    t.weight,
    t.lastClosedEpoch,
    t.lastSettledEpoch,
    sortedKeys(t.workers),
    sortedKeys(t.reputers),
    sortedEntries(t.ruleChanges),
  ]
}

/** The canonical form that is hashed (useful to diff two nodes' states). */
export function canonicalLedgerState(state: LedgerState): unknown[] {
  return [
    LEDGER_HASH_DOMAIN,
    paramsForm(state),
    state.height,
    state.epoch,
    sortedEntries(state.accounts).map(([id, a]) => [id, String(a.balance), String(a.stake), a.nonce]),
    sortedEntries(state.delegations).map(([reputer, inner]) => [
      reputer,
      sortedEntries(inner).map(([d, amount]) => [d, String(amount)]),
    ]),
    sortedEntries(state.topics).map(([, t]) => topicForm(t)),
    state.unbonding.map((e) => [e.account, String(e.amount), e.releaseEpoch]),
    [String(state.supply.genesis), String(state.supply.minted), String(state.supply.burned)],
    String(state.treasury),
    sortedKeys(state.slashedEvidence),
    state.nextProposalId,
    [...state.proposals.values()]
      .sort((a, b) => a.id - b.id)
      .map((p) => [
        p.id,
        p.proposer,
        p.param,
        p.value,
        p.height,
        p.status,
        sortedEntries(p.votes),
        p.tally === null ? null : [p.tally.yes, p.tally.no, p.tally.abstain, p.tally.total].map(String),
      ]),
    sortedKeys(state.candidates),
    state.committees.map((t) => [t.from, t.members.map((m) => [m.id, m.power])]),
    state.lastHandoff,
  ]
}

export function ledgerStateHash(state: LedgerState): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(encodeCanonical(canonicalLedgerState(state)))
      .digest(),
  )
}
