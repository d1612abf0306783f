/**
 * A voter's judgement of a candidate block: valid (it re-executes to the same bytes on this
 * node's chain) and timely (its stamp is near when this node first saw it). Pure: the
 * messages come from the pool, the time from the caller. A block whose messages are not all
 * here yet gets no verdict: a local gap is never a reason to refuse a block.
 */
import { BlockInvalid, recompute, verifyBlock, type ChainState } from '../chain/execution.js'
import { decodeBlock, type Block } from '../chain/block.js'
import type { MessagePool } from '../pool/message-pool.js'
import type { Candidate } from '../pool/round-inputs.js'
import { missingMessages } from '../sync/chain-sync.js'

export type Judgement =
  | { readonly kind: 'messages-missing'; readonly block: Block }
  | { readonly kind: 'verdict'; readonly valid: true; readonly timely: boolean; readonly next: ChainState }
  | {
      readonly kind: 'verdict'
      readonly valid: false
      readonly timely: boolean
      readonly counter: 'block-invalid' | 'block-unreadable'
      readonly reason: string
    }

export interface JudgeOptions {
  readonly ledgerEpoch: (timeMs: number) => number
  /** Now, on this node's clock (for a candidate without a first-seen time). */
  readonly nowMs: number
  readonly maxClockSkewMs: number
}

export function judgeCandidate(
  chain: ChainState,
  candidate: Candidate,
  pool: MessagePool,
  opts: JudgeOptions,
): Judgement {
  let timely = true
  try {
    const block = candidate.block ?? decodeBlock(candidate.bytes)
    candidate.block = block
    if (missingMessages(block, pool).length > 0) return { kind: 'messages-missing', block }
    timely = Math.abs(block.timeMs - (candidate.seenAtMs ?? opts.nowMs)) <= opts.maxClockSkewMs
    // The verdict must not depend on this node's round (the machine asks once per hash), so
    // the proposer is checked by the machine on the proposal, not here.
    const next = verifyBlock(chain, block, (id) => pool.get(id), opts.ledgerEpoch, {
      nowMs: block.timeMs,
      maxClockSkewMs: Infinity,
      expectedProposer: block.proposer,
    })
    return { kind: 'verdict', valid: true, timely, next }
  } catch (err) {
    return {
      kind: 'verdict',
      valid: false,
      timely,
      counter: err instanceof BlockInvalid ? 'block-invalid' : 'block-unreadable',
      reason: (err as Error).message,
    }
  }
}

/**
 * The state after a committed candidate this node has no state for (its own block replayed
 * from the log, or a verdict from before a restart): re-executed, once its messages are here.
 */
export function stateAfterCommit(
  chain: ChainState,
  candidate: Candidate,
  pool: MessagePool,
  ledgerEpoch: (timeMs: number) => number,
): { readonly next: ChainState } | { readonly missing: Block } | undefined {
  try {
    const block = candidate.block ?? decodeBlock(candidate.bytes)
    candidate.block = block
    if (missingMessages(block, pool).length > 0) return { missing: block }
    return { next: recompute(chain, block, (id) => pool.get(id), ledgerEpoch) }
  } catch {
    return undefined
  }
}
