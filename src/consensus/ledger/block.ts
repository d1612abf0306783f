/**
 * One block's effect on the ledger, in a fixed order:
 * 1. evidence: slash first, so nothing later in the block helps an equivocator;
 * 2. transactions, in block order (a rejected one is a no-op, so proposer and verifiers
 *    agree either way; proposers should leave rejected ones out);
 * 3. closed topic epochs update topic weights (seeing this block's stakes and payments);
 * 4. settled topic epochs are paid, then the committee share goes to the block's proposer (a
 *    fifth) and the commit's signers (the rest);
 * 5. unbonding entries due at the block's epoch are released (last, after any slash);
 * 6. the committee of height + COMMITTEE_LAG is elected from the result (committee-election.ts);
 * then conservation is checked, and a violation throws (the node must halt).
 *
 * Pure: the input state is never modified, so the driver can apply a proposed block and drop
 * the result if the block does not commit.
 */
import { assertConservation } from './conservation.js'
import {
  closeTopicEpochs,
  payCommittee,
  paySettlements,
  type ClosedTopicEpoch,
  type Settlement,
  type SettlementReport,
} from './epoch-rewards.js'
import { LedgerError, type TxRejection } from './errors.js'
import { applyEvidence, type Evidence, type SlashReport } from './slashing.js'
import type { LedgerState } from './state.js'
import { applyTx, type LedgerTx } from './transactions.js'
import { releaseUnbonding } from './unbonding.js'
import { tallyDue } from './governance.js'
import { scheduleCommittee } from './committee-election.js'

export interface LedgerBlock {
  /** Must be the state's height + 1. */
  readonly height: number
  /** Ledger epoch of the block's timestamp (ledgerEpochAt); never decreases. */
  readonly epoch: number
  readonly txs: readonly LedgerTx[]
  /** Topic epochs that closed since the previous block, oldest first per topic. */
  readonly closedTopicEpochs?: readonly ClosedTopicEpoch[]
  /** Topic epochs settled in this block (the settle step's rewards). */
  readonly settlements?: readonly Settlement[]
  /**
   * Signers of the previous block's commit certificate (a block cannot carry its own, as
   * CometBFT's LastCommit); they receive the committee share of this block's emission.
   */
  readonly signers?: readonly string[]
  /** The block's proposer: it receives PROPOSER_SHARE_PPM of the committee share. */
  readonly proposer?: string
  readonly evidence?: readonly Evidence[]
}

export type TxOutcome = { readonly ok: true } | TxRejection

export interface BlockOutcome {
  readonly state: LedgerState
  /** One per transaction, in block order. */
  readonly txResults: readonly TxOutcome[]
  readonly settlements: readonly SettlementReport[]
  readonly committeePaid: bigint
  readonly slashes: readonly SlashReport[]
  readonly released: bigint
}

export function applyBlock(state: LedgerState, block: LedgerBlock): BlockOutcome {
  if (block.height !== state.height + 1)
    throw new LedgerError('BAD_HEIGHT', `block height ${block.height} does not follow ${state.height}`)
  if (!(Number.isSafeInteger(block.epoch) && block.epoch >= state.epoch)) {
    throw new LedgerError('BAD_EPOCH', `block epoch ${block.epoch} is before the ledger's ${state.epoch}`)
  }
  const slashed = applyEvidence(state, block.evidence ?? [])
  // Proposals due at this height are tallied on the state the block starts from, before its txs.
  let next = tallyDue(slashed.state, block.height)
  const context = { height: block.height, epoch: block.epoch }
  const txResults: TxOutcome[] = block.txs.map((tx) => {
    const result = applyTx(next, tx, context)
    if (!result.ok) return result
    next = result.state
    return { ok: true }
  })
  next = closeTopicEpochs(next, block.closedTopicEpochs ?? [])
  const settled = paySettlements(next, block.settlements ?? [])
  const committee = payCommittee(
    settled.state,
    settled.committeePool,
    block.height,
    block.signers ?? [],
    block.proposer,
  )
  const released = releaseUnbonding(committee.state, block.epoch)
  next = scheduleCommittee({ ...released.state, height: block.height, epoch: block.epoch })
  assertConservation(next)
  return {
    state: next,
    txResults,
    settlements: settled.reports,
    committeePaid: committee.paid,
    slashes: slashed.reports,
    released: released.released,
  }
}
