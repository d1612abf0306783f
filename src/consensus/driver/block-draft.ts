/**
 * The proposer's choice of what goes into the next block: for every topic, each epoch that has
 * closed since the last block (with the inferences and forecasts the pool holds for it, and
 * the settlements whose truth is known and whose loss bundles are in), then the pending
 * transactions that the ledger accepts, then evidence.
 */
import { toHex } from '../../wire/index.js'
import { blockHash, encodeBlock } from '../chain/block.js'
import { epochClosesAt } from '../../topic/windows.js'
import type { BlockSettlement } from '../chain/block.js'
import type { Block } from '../chain/block.js'
import {
  BlockInvalid,
  computeBlock,
  MAX_UNSETTLED_AGE,
  type BlockDraft,
  type ChainState,
  type MessageLookup,
  type TopicChain,
  type TopicEpochDraft,
} from '../chain/execution.js'
import { applyTx, isRegistered, isTopicRunning, participants, readSignedTx } from '../ledger/index.js'
import { opensCommitment } from '../../topic/commit-reveal.js'
import type { MessagePool } from '../pool/message-pool.js'
import { createdTopicOf } from '../chain/created-topics.js'
import { rosterBitmap, selectActive, type MeritTask } from '../chain/merit.js'

export interface DraftOptions {
  readonly height: number
  readonly timeMs: number
  readonly proposer: string
  readonly ledgerEpoch: number
  readonly maxTxs?: number
  readonly evidence: readonly Uint8Array[]
}

/** Most topic epochs one block commits (per topic): after a long outage the chain catches up over several blocks. */
export const MAX_EPOCHS_PER_TOPIC_PER_BLOCK = 32

/** Epochs of a topic closed at `timeMs` and not yet in the chain (at most the per-block cap). */
export function closedEpochs(chain: ChainState, topicId: string, timeMs: number): number[] {
  const topic = chain.topics.get(topicId)
  if (topic === undefined) return []
  const out: number[] = []
  for (
    let e = topic.lastEpoch + 1;
    out.length < MAX_EPOCHS_PER_TOPIC_PER_BLOCK && epochClosesAt(topic.schedule, topic.config, e) <= timeMs;
    e++
  )
    out.push(e)
  return out
}

export interface DraftResult {
  readonly draft: BlockDraft
  /** Pending transactions the ledger refused, with its reason; they leave the pool. */
  readonly rejectedTxs: readonly { readonly id: string; readonly reason: string }[]
}

export function buildDraft(chain: ChainState, pool: MessagePool, opts: DraftOptions): DraftResult {
  const topicEpochs: TopicEpochDraft[] = []
  for (const [topicId, topic] of [...chain.topics].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const registered =
      (role: 'worker' | 'reputer') =>
      (s: Submission): boolean =>
        isRegistered(chain.ledger, topicId, role, s.signer)
    // The ledger pays a topic's epochs in order: nothing at or below its last settled epoch.
    let lastSettled = chain.ledger.topics.get(topicId)?.lastSettledEpoch ?? -1
    const unsettled = topic.unsettled.filter((d) => d > lastSettled)
    // An inactive topic's epochs close without inferences (§14.1): it runs again once paid for.
    const running = isTopicRunning(chain.ledger, topicId)
    const sortition = sortitionOf(chain, topic)
    for (const epoch of closedEpochs(chain, topicId, opts.timeMs)) {
      const settlements: BlockSettlement[] = []
      for (const d of unsettled) {
        // Given up already (too old), not due yet, or below a settled one.
        if (d < epoch - 1 - MAX_UNSETTLED_AGE || d <= lastSettled || d + topic.config.groundTruthLag > epoch) continue
        const bundles = sortition(pool.submissions('loss-bundle', topicId, d).filter(registered('reputer')), 'reputers')
        if (bundles.selected.length > 0) {
          settlements.push({ epoch: d, lossBundleIds: bundles.selected, standbyReputers: bundles.standby })
          lastSettled = d
        }
      }
      // Synthesis combines numbers; a vector inference would make the block invalid.
      let inferenceSubs = (running ? pool.submissions('inference', topicId, epoch) : [])
        .filter(registered('worker'))
        .filter((s) => typeof (pool.get(s.id)!.payload as { value: unknown }).value === 'number')
      const forecasts = sortition(
        (running ? pool.submissions('forecast', topicId, epoch) : []).filter(registered('worker')),
        'forecasters',
      )
      const commitBySigner = new Map<string, string>()
      if (topic.config.commitReveal) {
        for (const c of pool.submissions('inference-commit', topicId, epoch).filter(registered('worker')))
          commitBySigner.set(c.signer, c.id)
        // Only reveals that open a commitment count; the commitments go into the block with them.
        inferenceSubs = inferenceSubs.filter((s) => {
          const { value, salt } = pool.get(s.id)!.payload as { value: number; salt?: Uint8Array }
          const commitId = commitBySigner.get(s.signer)
          const commitment =
            commitId === undefined ? undefined : (pool.get(commitId)!.payload as { commitment: Uint8Array }).commitment
          return (
            commitment !== undefined &&
            salt !== undefined &&
            opensCommitment(commitment, topicId, epoch, s.signer, value, salt)
          )
        })
      }
      const inferences = sortition(inferenceSubs, 'inferers')
      const chosen = new Set(inferences.selected)
      const commitIds = inferenceSubs.filter((s) => chosen.has(s.id)).map((s) => commitBySigner.get(s.signer)!)
      topicEpochs.push({
        topicId,
        epoch,
        inferenceIds: inferences.selected,
        forecastIds: forecasts.selected,
        commitIds: topic.config.commitReveal ? commitIds.sort() : [],
        standbyInferers: inferences.standby,
        standbyForecasters: forecasts.standby,
        settlements,
      })
      // Settled, or given up because a later epoch was (the chain's rule).
      for (let i = unsettled.length - 1; i >= 0; i--) if (unsettled[i] <= lastSettled) unsettled.splice(i, 1)
      if (inferences.selected.length > 0) unsettled.push(epoch)
    }
  }
  // Keep only transactions the ledger accepts in order, so the block never fails on one.
  let ledger = chain.ledger
  const txs: Uint8Array[] = []
  const rejectedTxs: { id: string; reason: string }[] = []
  for (const { id, bytes } of pool.pendingTxs(opts.maxTxs ?? 500)) {
    const read = readSignedTx(bytes, chain.chainId)
    if (!read.ok) {
      rejectedTxs.push({ id, reason: read.reason })
      continue
    }
    const r = applyTx(ledger, read.tx, { height: opts.height, epoch: opts.ledgerEpoch })
    if (!r.ok) {
      rejectedTxs.push({ id, reason: `${r.code}: ${r.reason}` })
      continue
    }
    const created = createdTopicOf(read.tx)
    if (created !== undefined && 'invalid' in created) {
      rejectedTxs.push({ id, reason: `BAD_DEFINITION: ${created.invalid}` })
      continue
    }
    ledger = r.state
    txs.push(bytes)
  }
  return {
    draft: {
      height: opts.height,
      timeMs: opts.timeMs,
      proposer: opts.proposer,
      topicEpochs,
      txs,
      evidence: opts.evidence,
      lastCommit: chain.lastCommit,
    },
    rejectedTxs,
  }
}

type Submission = { readonly id: string; readonly signer: string }

/**
 * A topic's merit sortition for a draft: of pooled submissions (one per signer, ascending by
 * id), the ids the task's cap selects by score EMA, and the bitmap of the signers left out
 * over the topic's roster (read only when someone is left out).
 */
function sortitionOf(chain: ChainState, topic: TopicChain) {
  const rosterOf = (role: 'worker' | 'reputer'): readonly string[] => participants(chain.ledger, topic.config.id, role)
  return (subs: readonly Submission[], task: MeritTask): { selected: string[]; standby: Uint8Array } => {
    const { activeSet } = topic.config
    const chosen = selectActive(
      subs.map((s) => s.signer),
      topic.merit.scores[task],
      activeSet[task],
      activeSet.quantile,
    )
    const left = subs.filter((s) => !chosen.has(s.signer)).map((s) => s.signer)
    return {
      selected: subs.filter((s) => chosen.has(s.signer)).map((s) => s.id),
      standby:
        left.length === 0
          ? new Uint8Array(0)
          : rosterBitmap(left, rosterOf(task === 'reputers' ? 'reputer' : 'worker')),
    }
  }
}

/**
 * The draft, then ever plainer versions of it (without txs and evidence, then also without
 * settlements): a draft the rules refuse must never stop the chain.
 */
export function plainerDrafts(draft: BlockDraft): BlockDraft[] {
  return [
    draft,
    { ...draft, txs: [], evidence: [] },
    { ...draft, txs: [], evidence: [], topicEpochs: draft.topicEpochs.map((e) => ({ ...e, settlements: [] })) },
  ]
}

/**
 * The block of the first of `plainerDrafts(draft)` the rules accept, with the state after it;
 * undefined if even the plainest is refused. `onRefused` hears each refusal's reason.
 */
export function firstAcceptedBlock(
  chain: ChainState,
  draft: BlockDraft,
  lookup: MessageLookup,
  ledgerEpoch: (timeMs: number) => number,
  onRefused: (reason: string) => void,
): { block: Block; next: ChainState } | undefined {
  for (const attempt of plainerDrafts(draft)) {
    try {
      return computeBlock(chain, attempt, lookup, ledgerEpoch)
    } catch (err) {
      if (!(err instanceof BlockInvalid)) throw err
      onRefused(err.message)
    }
  }
  return undefined
}

export interface Proposal {
  /** The block, its bytes, hash (hex) and the state after it; undefined if every draft was refused. */
  readonly built?: {
    readonly block: Block
    readonly bytes: Uint8Array
    readonly hash: string
    readonly next: ChainState
  }
  readonly rejectedTxs: DraftResult['rejectedTxs']
  /** Why each refused draft was refused, in order. */
  readonly refusals: readonly string[]
}

/** What this node proposes: the fullest draft the rules accept (plainer ones after a refusal). */
export function proposeBlock(
  chain: ChainState,
  pool: MessagePool,
  opts: DraftOptions,
  ledgerEpoch: (timeMs: number) => number,
): Proposal {
  const { draft, rejectedTxs } = buildDraft(chain, pool, opts)
  const refusals: string[] = []
  const accepted = firstAcceptedBlock(
    chain,
    draft,
    (id) => pool.get(id),
    ledgerEpoch,
    (reason) => refusals.push(reason),
  )
  if (accepted === undefined) return { rejectedTxs, refusals }
  const bytes = encodeBlock(accepted.block)
  return { built: { ...accepted, bytes, hash: toHex(blockHash(bytes)) }, rejectedTxs, refusals }
}
