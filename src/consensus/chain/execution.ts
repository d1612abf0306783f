/**
 * The chain's state transition. `computeBlock` turns a draft (which messages, transactions
 * and evidence a block uses) into the full block and the state after it; the proposer calls
 * it to build, and a voter calls it again on the draft read back from the proposed block and
 * accepts only if every byte of the result is the same. Pure: the messages come from a
 * lookup, the clock from the block.
 */
import { Ed25519Verifier, toHex, type Envelope } from '../../wire/index.js'
import { verifyEnvelopeBytes } from '../../p2p/index.js'
import { verifyCertificate, type Committee, type Vote } from '../bft/index.js'
import { voteOfEnvelope } from './commit-notice.js'
import { readEvidence } from './evidence-codec.js'
import { withRuleChanges } from '../../topic/rule-changes.js'
import { NO_MERIT } from './merit.js'
import type { TopicConfig } from '../../topic/config.js'
import { blockHash, blockHashHex, encodeBlock, type Block, type BlockTopicEpoch } from './block.js'
import { emptyTopicState } from '../../synthesis/state.js'
import {
  applyBlock,
  initialState,
  latestCommittee,
  LedgerError,
  ledgerStateHash,
  readSignedTx,
  type Genesis,
  type LedgerTx,
  type Settlement,
} from '../ledger/index.js'
import { createdTopicOf } from './created-topics.js'
import { epochAtTime, rescheduled, uniformSchedule } from '../../topic/epoch-schedule.js'
import { committeeOfHeight, committeesAfter } from './committees.js'

import { computeTopicEpoch } from './topic-epoch.js'
import { fail, type BlockDraft, type ChainState, type MessageLookup, type TopicChain } from './chain-state.js'

export {
  BlockInvalid,
  MAX_UNSETTLED_AGE,
  type BlockDraft,
  type ChainState,
  type MessageLookup,
  type TopicChain,
  type TopicEpochDraft,
} from './chain-state.js'

/** Parsed keys kept across blocks: the committee signs every certificate with the same keys. */
const BLOCK_VERIFIER = new Ed25519Verifier()

/**
 * Execute a draft on `prev`. Throws BlockInvalid when the draft breaks a rule (a message
 * missing, from an unregistered signer, a tx that fails, ...). `ledgerEpoch` maps the block
 * time to the ledger's epoch.
 */
export function computeBlock(
  prev: ChainState,
  draft: BlockDraft,
  lookup: MessageLookup,
  ledgerEpoch: (timeMs: number) => number,
): { block: Block; next: ChainState } {
  if (draft.height !== prev.height + 1) fail(`height ${draft.height} does not follow ${prev.height}`)
  if (!(draft.timeMs > prev.timeMs)) fail(`time ${draft.timeMs} is not after the previous block's ${prev.timeMs}`)
  const topics = new Map(prev.topics)
  const entries: BlockTopicEpoch[] = []
  const settlements: Settlement[] = []
  let last = ''
  for (const d of draft.topicEpochs) {
    const key = `${d.topicId}\u0000${String(d.epoch).padStart(16, '0')}`
    if (!(key > last)) fail('topic epochs are not in ascending (topic, epoch) order')
    last = key
    const topic = topics.get(d.topicId) ?? fail(`unknown topic ${d.topicId}`)
    const r = computeTopicEpoch(prev, topic, d, lookup, draft.timeMs)
    topics.set(d.topicId, r.topic)
    entries.push(r.entry)
    settlements.push(...r.settlements)
  }
  const txs: LedgerTx[] = draft.txs.map((bytes, i) => {
    const read = readSignedTx(bytes, prev.chainId)
    if (!read.ok) fail(`tx #${i}: ${read.reason}`)
    return read.tx
  })
  const verifier = BLOCK_VERIFIER
  const signers = lastCommitSigners(prev, draft.lastCommit, verifier)
  const evidence = draft.evidence.map((bytes, i) => {
    const read = readEvidence(bytes, prev.chainId, (h) => committeeOfHeight(prev.ledger, h), verifier)
    if (typeof read === 'string') fail(`evidence #${i}: ${read}`)
    return read
  })
  let outcome: ReturnType<typeof applyBlock>
  try {
    outcome = applyBlock(prev.ledger, {
      height: draft.height,
      epoch: ledgerEpoch(draft.timeMs),
      txs,
      closedTopicEpochs: draft.topicEpochs.map((d) => ({ topicId: d.topicId, epoch: d.epoch })),
      settlements,
      signers,
      proposer: draft.proposer,
      evidence,
    })
  } catch (err) {
    // A ledger rule the block breaks makes the block invalid; it is never a local failure.
    if (err instanceof LedgerError) fail(`ledger: ${err.message}`)
    throw err
  }
  outcome.txResults.forEach((r, i) => {
    if (!r.ok) fail(`tx #${i} is rejected: ${r.reason}`)
  })
  txs.forEach((tx, i) => {
    const created = createdTopicOf(tx)
    if (created === undefined) return
    if ('invalid' in created) fail(`tx #${i}: ${created.invalid}`)
    topics.set(created.id, newTopicChain(created, prev.genesisTimeMs, draft.timeMs))
  })
  // A topic's rules changed by a proposal that passed in this block apply from the next one;
  // a new epoch length from the epoch after next (every node has a whole epoch to adopt it).
  for (const [id, run] of topics) {
    const changes = outcome.state.topics.get(id)?.ruleChanges
    if (changes === undefined || changes === prev.ledger.topics.get(id)?.ruleChanges) continue
    const config = withRuleChanges(run.config, changes)
    const schedule =
      config.epochMs === run.config.epochMs
        ? run.schedule
        : rescheduled(run.schedule, epochAtTime(run.schedule, draft.timeMs) + 2, config.epochMs)
    topics.set(id, { ...run, config, schedule })
  }
  const block: Block = {
    chainId: prev.chainId,
    height: draft.height,
    prevHash: prev.hash,
    timeMs: draft.timeMs,
    proposer: draft.proposer,
    topicEpochs: entries,
    txs: draft.txs,
    evidence: draft.evidence,
    lastCommit: draft.lastCommit,
    ledgerHash: toHex(ledgerStateHash(outcome.state)),
    handoff: outcome.state.lastHandoff === draft.height ? latestCommittee(outcome.state) : [],
    prevHandoff: prev.ledger.lastHandoff,
  }
  const next: ChainState = {
    ...prev,
    height: draft.height,
    hash: blockHashHex(block),
    timeMs: draft.timeMs,
    ledger: outcome.state,
    ...committeesAfter(outcome.state),
    topics,
  }
  return { block, next }
}

export interface VerifyOptions {
  /** The voter's clock. */
  readonly nowMs: number
  /** Largest accepted distance between the block's time and the voter's clock. */
  readonly maxClockSkewMs: number
  /** The proposer the round expects. */
  readonly expectedProposer: string
}

/** Re-execute a proposed block; its bytes must equal what the voter computes. */
export function verifyBlock(
  prev: ChainState,
  block: Block,
  lookup: MessageLookup,
  ledgerEpoch: (timeMs: number) => number,
  opts: VerifyOptions,
): ChainState {
  if (block.chainId !== prev.chainId) fail(`chain ${block.chainId}`)
  if (block.prevHash !== prev.hash) fail('the block does not extend the committed chain')
  if (block.proposer !== opts.expectedProposer) fail(`proposer ${block.proposer} is not this round's`)
  if (Math.abs(block.timeMs - opts.nowMs) > opts.maxClockSkewMs)
    fail(`block time is ${block.timeMs - opts.nowMs} ms from this node's clock`)
  return recompute(prev, block, lookup, ledgerEpoch)
}

/** What a block's proposer chose: the inputs `computeBlock` turns into the block. */
export function draftOf(block: Block): BlockDraft {
  return {
    height: block.height,
    timeMs: block.timeMs,
    proposer: block.proposer,
    topicEpochs: block.topicEpochs.map((e) => ({
      topicId: e.topicId,
      epoch: e.epoch,
      inferenceIds: e.inferenceIds,
      forecastIds: e.forecastIds,
      commitIds: e.commitIds,
      standbyInferers: e.standbyInferers,
      standbyForecasters: e.standbyForecasters,
      settlements: e.settlements,
    })),
    txs: block.txs,
    evidence: block.evidence,
    lastCommit: block.lastCommit,
  }
}

/** The signers of a certificate of the previous block; it must prove the commit. */
function lastCommitSigners(prev: ChainState, certificate: readonly Uint8Array[], verifier: Ed25519Verifier): string[] {
  if (prev.height === 0) {
    if (certificate.length > 0) fail('the first block has no previous commit')
    return []
  }
  const votes: Vote[] = []
  for (const bytes of certificate) {
    const read = verifyEnvelopeBytes(bytes, prev.chainId, verifier)
    if (!read.ok || read.envelope.type !== 'vote') fail('the last commit holds an invalid vote')
    votes.push(voteOfEnvelope(read.envelope as Envelope<'vote'>))
  }
  if (!verifyCertificate(prev.lastCommittee, prev.height, prev.hash, votes))
    fail('the last commit does not certify the previous block')
  return votes.map((v) => v.voter).sort()
}

/** Execute a block's draft and demand the same bytes (a replay from the store, a fetched block). */
export function recompute(
  prev: ChainState,
  block: Block,
  lookup: MessageLookup,
  ledgerEpoch: (timeMs: number) => number,
): ChainState {
  if (block.prevHash !== prev.hash) fail('the block does not extend the chain')
  const { next } = computeBlock(prev, draftOf(block), lookup, ledgerEpoch)
  // `next.hash` is the hash of the recomputed block's bytes: equal hashes, equal bytes.
  if (toHex(blockHash(encodeBlock(block))) !== next.hash) fail('recomputed block differs')
  return next
}

/** The state at height 0: the genesis ledger, every topic new. Its hash is the genesis hash. */
/** A topic created at `timeMs`: its epochs start after the one open then. */
function newTopicChain(config: TopicConfig, genesisTimeMs: number, timeMs: number): TopicChain {
  const schedule = uniformSchedule(genesisTimeMs, config.epochMs)
  return {
    config,
    state: emptyTopicState(),
    unsettled: [],
    participants: new Map(),
    lastEpoch: epochAtTime(schedule, timeMs),
    merit: NO_MERIT,
    schedule,
  }
}

export function genesisChainState(genesis: Genesis, topics: readonly TopicConfig[]): ChainState {
  if (genesis.genesisTime === null) throw new Error('genesis time is not set')
  const ledger = initialState(genesis)
  const committee = committeeOfHeight(ledger, 1) as Committee
  return {
    chainId: genesis.chainId,
    height: 0,
    hash: toHex(ledgerStateHash(ledger)),
    timeMs: genesis.genesisTime,
    genesisTimeMs: genesis.genesisTime,
    lastCommit: [],
    committee,
    lastCommittee: committee,
    ledger,
    topics: new Map(
      topics.map((config) => [
        config.id,
        {
          config,
          state: emptyTopicState(),
          unsettled: [],
          participants: new Map(),
          lastEpoch: -1,
          merit: NO_MERIT,
          schedule: uniformSchedule(genesis.genesisTime as number, config.epochMs),
        },
      ]),
    ),
  }
}
