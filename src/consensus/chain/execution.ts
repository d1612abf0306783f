/**
 * The chain's state transition. `computeBlock` turns a draft (which messages, transactions
 * and evidence a block uses) into the full block and the state after it; the proposer calls
 * it to build, and a voter calls it again on the draft read back from the proposed block and
 * accepts only if every byte of the result is the same. Pure: the messages come from a
 * lookup, the clock from the block.
 */
import { Ed25519Verifier, toHex, type Envelope } from '../../wire/index.js'
import { verifyEnvelopeBytes } from '../../p2p/index.js'
import { Committee, verifyCertificate, type Vote } from '../bft/index.js'
import { voteOfEnvelope } from './commit-notice.js'
import { opensCommitment } from '../../topic/commit-reveal.js'
import { readEvidence } from './evidence-codec.js'
import { participantsOf, scopedLossBundle, type EpochParticipants } from '../../topic/loss-bundle.js'
import { withRuleChanges } from '../../topic/rule-changes.js'
import { idsOfBitmap, meritAfterStep, NO_MERIT, selectionProblem, type MeritTask, type TopicMerit } from './merit.js'
import type { TopicConfig } from '../../topic/config.js'
import type { IdMap, LossBundle, TopicState } from '../../synthesis/types.js'
import { blockHashHex, encodeBlock, type Block, type BlockSettlement, type BlockTopicEpoch } from './block.js'
import { emptyTopicState } from '../../synthesis/state.js'
import {
  applyBlock,
  initialState,
  isRegistered,
  isTopicRunning,
  LedgerError,
  participants as roster,
  ledgerStateHash,
  readSignedTx,
  reputerStake,
  topicRewardFor,
  type Genesis,
  type LedgerState,
  type LedgerTx,
  type Settlement,
} from '../ledger/index.js'
import { createdTopicOf } from './created-topics.js'
import { stateHash } from './state-hash.js'
import { topicStep } from './topic-step.js'

export interface TopicChain {
  readonly config: TopicConfig
  readonly state: TopicState
  /** Decided epochs (with an output) not settled yet, ascending. */
  readonly unsettled: readonly number[]
  /** Who took part in each unsettled epoch: its loss bundles are read for those ids only. */
  readonly participants: ReadonlyMap<number, EpochParticipants>
  /** The last epoch committed for this topic; -1 before the first. */
  readonly lastEpoch: number
  /** Score EMAs and standby actors of merit sortition (merit.ts). */
  readonly merit: TopicMerit
}

export interface ChainState {
  readonly chainId: string
  readonly height: number
  /** Hash (hex) of the last block; the genesis hash at height 0. */
  readonly hash: string
  readonly timeMs: number
  readonly genesisTimeMs: number
  /** This node's certificate of the last block (what it puts in a block it proposes). */
  readonly lastCommit: readonly Uint8Array[]
  /** The committee (from genesis; fixed for now). */
  readonly committee: Committee
  readonly ledger: LedgerState
  readonly topics: ReadonlyMap<string, TopicChain>
}

/** Verified envelopes by message id (hex). */
export type MessageLookup = (idHex: string) => Envelope | undefined

export interface TopicEpochDraft {
  readonly topicId: string
  readonly epoch: number
  readonly inferenceIds: readonly string[]
  readonly forecastIds: readonly string[]
  readonly commitIds: readonly string[]
  /** Workers the active-set caps left out (merit.ts): bitmaps over the topic's registered workers. */
  readonly standbyInferers: Uint8Array
  readonly standbyForecasters: Uint8Array
  readonly settlements: readonly BlockSettlement[]
}

export interface BlockDraft {
  readonly height: number
  readonly timeMs: number
  readonly proposer: string
  readonly topicEpochs: readonly TopicEpochDraft[]
  readonly txs: readonly Uint8Array[]
  readonly evidence: readonly Uint8Array[]
  readonly lastCommit: readonly Uint8Array[]
}

/** Epochs a decided epoch may wait for its loss bundles before it is left unsettled for good. */
export const MAX_UNSETTLED_AGE = 64

/** A block that breaks a rule; the reason names the rule. */
export class BlockInvalid extends Error {
  override readonly name = 'BlockInvalid'
}

function fail(reason: string): never {
  throw new BlockInvalid(reason)
}

const sortedUnique = (ids: readonly string[], what: string): readonly string[] => {
  for (let i = 1; i < ids.length; i++) if (!(ids[i - 1] < ids[i])) fail(`${what} ids are not ascending and unique`)
  return ids
}

/** The messages of a list of ids, each of `type` for (topic, epoch), at most one per signer. */
function messagesOf(
  ids: readonly string[],
  lookup: MessageLookup,
  type: Envelope['type'],
  topicId: string,
  epoch: number,
  allowed: (signer: string) => boolean,
): Map<string, Envelope> {
  const bySigner = new Map<string, Envelope>()
  for (const id of sortedUnique(ids, type)) {
    const env = lookup(id) ?? fail(`message ${id} is not available`)
    if (env.type !== type || env.topicId !== topicId || env.epoch !== epoch)
      fail(`message ${id} is not a ${type} of ${topicId}/${epoch}`)
    const signer = toHex(env.signer)
    if (!allowed(signer)) fail(`${type} ${id} comes from ${signer}, who is not registered for ${topicId}`)
    if (bySigner.has(signer)) fail(`two ${type} messages from ${signer} for ${topicId}/${epoch}`)
    bySigner.set(signer, env)
  }
  return bySigner
}

function computeTopicEpoch(
  prev: ChainState,
  topic: TopicChain,
  draft: TopicEpochDraft,
  lookup: MessageLookup,
  blockTimeMs: number,
): { entry: BlockTopicEpoch; topic: TopicChain; settlements: Settlement[] } {
  const { config } = topic
  const ledger = prev.ledger
  if (draft.epoch !== topic.lastEpoch + 1) fail(`${config.id}: epoch ${draft.epoch} does not follow ${topic.lastEpoch}`)
  // One skewed clock must not close epochs early: the epoch must have ended by the block's time.
  if (prev.genesisTimeMs + (draft.epoch + 1) * config.epochMs > blockTimeMs)
    fail(`${config.id}: epoch ${draft.epoch} has not closed at the block's time`)
  const worker = (id: string): boolean => isRegistered(ledger, config.id, 'worker', id)
  if (
    !isTopicRunning(ledger, config.id) &&
    draft.inferenceIds.length +
      draft.forecastIds.length +
      draft.commitIds.length +
      draft.standbyInferers.length +
      draft.standbyForecasters.length >
      0
  )
    fail(
      `${config.id}: the topic is inactive (its weight is below the minimum), so epoch ${draft.epoch} takes no inferences`,
    )
  const inferenceMsgs = messagesOf(draft.inferenceIds, lookup, 'inference', config.id, draft.epoch, worker)
  const forecastMsgs = messagesOf(draft.forecastIds, lookup, 'forecast', config.id, draft.epoch, worker)
  const commits = messagesOf(draft.commitIds, lookup, 'inference-commit', config.id, draft.epoch, worker)
  // Every topic epoch of a block is ranked by the scores, and names its standby over the
  // rosters, of the state the block starts from.
  const rankedBy = (prev.topics.get(config.id) ?? topic).merit.scores
  const standbyOf = (bits: Uint8Array, role: 'worker' | 'reputer', epoch: number): string[] => {
    if (bits.length === 0) return []
    const ids = idsOfBitmap(bits, roster(ledger, config.id, role))
    if (typeof ids === 'string') fail(`${config.id}: epoch ${epoch}: ${ids}`)
    return ids
  }
  const checkSelection = (task: MeritTask, chosen: Map<string, Envelope>, left: readonly string[], epoch: number) => {
    const why = selectionProblem(task, [...chosen.keys()], left, rankedBy[task], config.activeSet)
    if (why !== undefined) fail(`${config.id}: epoch ${epoch}: ${why}`)
  }
  const standbyInferers = standbyOf(draft.standbyInferers, 'worker', draft.epoch)
  const standbyForecasters = standbyOf(draft.standbyForecasters, 'worker', draft.epoch)
  checkSelection('inferers', inferenceMsgs, standbyInferers, draft.epoch)
  checkSelection('forecasters', forecastMsgs, standbyForecasters, draft.epoch)
  if (!config.commitReveal && commits.size > 0) fail(`${config.id}: commitments on a topic without commit-reveal`)
  const inferences: Record<string, number> = {}
  for (const [signer, env] of [...inferenceMsgs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const { value, salt } = env.payload as { value: number | number[]; salt?: Uint8Array }
    if (typeof value !== 'number') fail(`${config.id}: vector inferences are not synthesised`)
    if (config.commitReveal) {
      const commitment = (commits.get(signer)?.payload as { commitment: Uint8Array } | undefined)?.commitment
      if (
        commitment === undefined ||
        salt === undefined ||
        !opensCommitment(commitment, config.id, draft.epoch, signer, value, salt)
      ) {
        fail(`${config.id}: the reveal of ${signer} does not open a commitment in the block`)
      }
    }
    inferences[signer] = value
  }
  const forecasts: Record<string, IdMap> = {}
  for (const [signer, env] of [...forecastMsgs].sort(([a], [b]) => (a < b ? -1 : 1)))
    forecasts[signer] = (env.payload as { losses: IdMap }).losses

  const reward = Number(topicRewardFor(ledger, config.id))
  const standbyReputers = new Map<number, string[]>()
  const settlementInputs = draft.settlements.map((s, i) => {
    if (i > 0 && !(draft.settlements[i - 1].epoch < s.epoch)) fail(`${config.id}: settlements are not ascending`)
    if (!topic.unsettled.includes(s.epoch)) fail(`${config.id}: epoch ${s.epoch} is not awaiting settlement`)
    // The ledger pays a topic's epochs in order: once a later one is paid, an earlier one never is.
    if (s.epoch <= (ledger.topics.get(config.id)?.lastSettledEpoch ?? -1))
      fail(`${config.id}: epoch ${s.epoch} is older than the topic's last settled epoch`)
    if (s.epoch + config.groundTruthLag > draft.epoch)
      fail(`${config.id}: the truth of epoch ${s.epoch} is not known at epoch ${draft.epoch}`)
    const reputer = (id: string): boolean => isRegistered(ledger, config.id, 'reputer', id)
    const bundles = messagesOf(s.lossBundleIds, lookup, 'loss-bundle', config.id, s.epoch, reputer)
    if (bundles.size === 0) fail(`${config.id}: settlement of epoch ${s.epoch} has no loss bundle`)
    const standby = standbyOf(s.standbyReputers, 'reputer', s.epoch)
    checkSelection('reputers', bundles, standby, s.epoch)
    standbyReputers.set(s.epoch, standby)
    const participants =
      topic.participants.get(s.epoch) ?? fail(`${config.id}: epoch ${s.epoch} has no participants on record`)
    const reputers = Object.fromEntries(
      [...bundles].map(([id, env]) => [
        id,
        {
          stake: Number(reputerStake(ledger, id)),
          losses: scopedLossBundle(env.payload as unknown as LossBundle, participants),
        },
      ]),
    )
    return { epoch: s.epoch, reputers, topicReward: reward }
  })
  const step = topicStep(config.params, topic.state, settlementInputs, { inferences, forecasts })
  if (step.settleErrors.length > 0)
    fail(`${config.id}: settlement of epoch ${step.settleErrors[0].epoch} fails (${step.settleErrors[0].code})`)
  const lastSettled = Math.max(-1, ...step.settled.map((s) => s.epoch))
  // Epochs whose bundles never came are given up after a while, and at once when a later epoch
  // is settled (the ledger pays a topic's epochs in order): the same rule on every node.
  const unsettled = topic.unsettled.filter((e) => e > lastSettled && e >= draft.epoch - MAX_UNSETTLED_AGE)
  if (step.output !== undefined) unsettled.push(draft.epoch)
  const participants = new Map([...topic.participants].filter(([e]) => unsettled.includes(e)))
  if (step.output !== undefined) participants.set(draft.epoch, participantsOf({ inferences, output: step.output }))
  const merit = meritAfterStep(
    topic.merit,
    config.activeSet,
    step.settled.map((s) => ({
      epoch: s.epoch,
      scores: s.scores,
      standbyReputers: standbyReputers.get(s.epoch) ?? [],
    })),
    step.output === undefined
      ? undefined
      : {
          epoch: draft.epoch,
          standby: { inferers: standbyInferers, forecasters: standbyForecasters },
        },
    (epoch) => unsettled.includes(epoch),
    (task, id) => isRegistered(ledger, config.id, task === 'reputers' ? 'reputer' : 'worker', id),
  )
  const entry: BlockTopicEpoch = {
    topicId: config.id,
    epoch: draft.epoch,
    inferenceIds: draft.inferenceIds,
    forecastIds: draft.forecastIds,
    commitIds: draft.commitIds,
    standbyInferers: draft.standbyInferers,
    standbyForecasters: draft.standbyForecasters,
    inferences,
    forecasts,
    settlements: draft.settlements,
    settled: step.settled,
    output: step.output ?? null,
    stateHash: stateHash(step.state),
  }
  return {
    entry,
    topic: { config, state: step.state, unsettled, participants, lastEpoch: draft.epoch, merit },
    settlements: step.settled.map((s) => ({ topicId: config.id, epoch: s.epoch, rewards: s.rewards })),
  }
}

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
  const verifier = new Ed25519Verifier()
  const signers = lastCommitSigners(prev, draft.lastCommit, verifier)
  const evidence = draft.evidence.map((bytes, i) => {
    const read = readEvidence(bytes, prev.chainId, prev.committee, verifier)
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
  // A topic's rules changed by a proposal that passed in this block apply from the next one.
  for (const [id, run] of topics) {
    const changes = outcome.state.topics.get(id)?.ruleChanges
    if (changes !== undefined && changes !== prev.ledger.topics.get(id)?.ruleChanges)
      topics.set(id, { ...run, config: withRuleChanges(run.config, changes) })
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
  }
  const next: ChainState = {
    ...prev,
    height: draft.height,
    hash: blockHashHex(block),
    timeMs: draft.timeMs,
    ledger: outcome.state,
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
  if (!verifyCertificate(prev.committee, prev.height, prev.hash, votes))
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
  const { block: mine, next } = computeBlock(prev, draftOf(block), lookup, ledgerEpoch)
  const a = encodeBlock(block)
  const b = encodeBlock(mine)
  if (a.length !== b.length || !a.every((x, i) => x === b[i])) fail('recomputed block differs')
  return next
}

/** The state at height 0: the genesis ledger, every topic new. Its hash is the genesis hash. */
/** A topic created at `timeMs`: its epochs start after the one open then. */
function newTopicChain(config: TopicConfig, genesisTimeMs: number, timeMs: number): TopicChain {
  return {
    config,
    state: emptyTopicState(),
    unsettled: [],
    participants: new Map(),
    lastEpoch: Math.floor((timeMs - genesisTimeMs) / config.epochMs),
    merit: NO_MERIT,
  }
}

export function genesisChainState(genesis: Genesis, topics: readonly TopicConfig[]): ChainState {
  if (genesis.genesisTime === null) throw new Error('genesis time is not set')
  const ledger = initialState(genesis)
  return {
    chainId: genesis.chainId,
    height: 0,
    hash: toHex(ledgerStateHash(ledger)),
    timeMs: genesis.genesisTime,
    genesisTimeMs: genesis.genesisTime,
    lastCommit: [],
    committee: new Committee(Object.fromEntries(genesis.committee.map((m) => [m.id, m.power]))),
    ledger,
    topics: new Map(
      topics.map((config) => [
        config.id,
        { config, state: emptyTopicState(), unsettled: [], participants: new Map(), lastEpoch: -1, merit: NO_MERIT },
      ]),
    ),
  }
}
