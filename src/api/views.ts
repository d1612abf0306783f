/**
 * The API's answers, built from what the node holds: plain JSON values (docs/api.md has
 * the shapes). Every lookup that can miss throws an ApiError with its code.
 */
import type { BlockTopicEpoch } from '../consensus/chain/block.js'
import { MAX_UNSETTLED_AGE, type ChainState, type TopicChain } from '../consensus/chain/execution.js'
import {
  accountOf,
  delegatedTo,
  genesisToJson,
  isRegistered,
  isTopicRunning,
  selfStakeOf,
  type LedgerState,
  type TopicLedger,
} from '../consensus/ledger/index.js'
import { messageId, readEnvelope, toHex, type Envelope } from '../wire/index.js'
import { handoffsBefore, type BlockReader, type CommittedBlock } from './blocks.js'
import type { ChainIndex } from './chain-index.js'
import { jsonOf, toBase64, type Json } from './encoding.js'
import { ApiError, notFound } from './errors.js'
import type { ApiNode } from './node.js'
import type { CommittedInference } from './verify.js'
import { meritView } from './merit-view.js'
import { certificateSummary } from './certificate.js'

/** What the views read: the node, the index of the chain and its blocks. */
export interface ViewContext {
  readonly node: ApiNode
  readonly index: ChainIndex
  readonly blocks: BlockReader
  /** genesisHash(node.genesis), computed once. */
  readonly genesisHash: string
}

const indexing = (): ApiError =>
  new ApiError(
    503,
    'indexing',
    'the blocks committed before the API started are still being indexed; try again shortly',
  )

export function healthView(ctx: ViewContext): Json {
  return { ok: true, height: ctx.node.chain().height }
}

export function statusView(ctx: ViewContext): Json {
  const { node } = ctx
  const chain = node.chain()
  return {
    chainId: chain.chainId,
    genesisHash: ctx.genesisHash,
    peerId: node.peerId,
    participantId: node.participantId,
    role: node.role,
    committeeMember: chain.committee.has(node.participantId),
    listenAddrs: [...node.listenAddrs()],
    peers: node.connectedPeers().length,
    committee: chain.committee.ids.map((id) => ({ id, power: chain.committee.power(id) })),
    height: chain.height,
    lastBlock: chain.height === 0 ? null : { height: chain.height, hash: chain.hash, timeMs: chain.timeMs },
    topics: [...chain.topics.values()].map((t) => ({ id: t.config.id, lastEpoch: t.lastEpoch })),
  }
}

/** The genesis in its file form (what `parseGenesis` reads) and its hash. */
export function genesisView(ctx: ViewContext): Json {
  return { hash: ctx.genesisHash, genesis: genesisToJson(ctx.node.genesis) as Json }
}

/** Ids of every topic: the ledger's (genesis and created ones) and the ones the chain runs. */
function topicIds(chain: ChainState): string[] {
  return [...new Set([...chain.ledger.topics.keys(), ...chain.topics.keys()])].sort()
}

function topicLedgerSummary(ledger: LedgerState, t: TopicLedger | undefined): Record<string, Json> {
  return {
    weight: t?.weight ?? null,
    // Runs its epochs now: its weight is at least the genesis minimum (§14.1).
    active: t !== undefined && isTopicRunning(ledger, t.id),
    revenue: t === undefined ? null : t.revenue.toString(),
    lastClosedEpoch: t?.lastClosedEpoch ?? -1,
    lastSettledEpoch: t?.lastSettledEpoch ?? -1,
  }
}

function activeCount(
  ledger: LedgerState,
  topicId: string,
  role: 'worker' | 'reputer',
  ids: ReadonlySet<string>,
): number {
  let n = 0
  for (const id of ids) if (isRegistered(ledger, topicId, role, id)) n++
  return n
}

export function topicsView(ctx: ViewContext): Json {
  const chain = ctx.node.chain()
  return {
    topics: topicIds(chain).map((id) => {
      const t = chain.ledger.topics.get(id)
      const run = chain.topics.get(id)
      return {
        id,
        name: run?.config.name ?? null,
        epochMs: run?.config.epochMs ?? t?.epochMs ?? null,
        runs: run !== undefined,
        lastEpoch: run?.lastEpoch ?? -1,
        ...topicLedgerSummary(chain.ledger, t),
        workers: t === undefined ? 0 : activeCount(chain.ledger, id, 'worker', t.workers),
        reputers: t === undefined ? 0 : activeCount(chain.ledger, id, 'reputer', t.reputers),
      }
    }),
  }
}

function topicOf(chain: ChainState, topicId: string): { ledger?: TopicLedger; run?: TopicChain } {
  const ledger = chain.ledger.topics.get(topicId)
  const run = chain.topics.get(topicId)
  if (ledger === undefined && run === undefined) throw new ApiError(404, 'unknown-topic', `no topic ${topicId}`)
  return { ledger, run }
}

/** The ground truth's kind only: a spec may hold a URL with a key in it. */
function groundTruthKind(spec: string): string {
  const kind = spec.split(':')[0]
  return kind === 'https' ? 'http' : kind
}

export function topicView(ctx: ViewContext, topicId: string): Json {
  const chain = ctx.node.chain()
  const { ledger: t, run } = topicOf(chain, topicId)
  const ledger = chain.ledger
  const genesisTopic = ctx.node.genesis.topics.find((g) => g.id === topicId)
  const c = run?.config
  const latest = ctx.index.latestInference(topicId)
  return {
    id: topicId,
    runs: run !== undefined,
    definition:
      c === undefined
        ? null
        : {
            name: c.name,
            epochMs: c.epochMs,
            submissionWindowMs: c.submissionWindowMs,
            groundTruthLag: c.groundTruthLag,
            groundTruth: groundTruthKind(c.groundTruth),
            lossFunction: c.lossFunction,
            commitReveal: c.commitReveal,
            params: jsonOf(c.params),
          },
    epochMs: c?.epochMs ?? t?.epochMs ?? null,
    rules: genesisTopic?.rules ?? null,
    creator: t?.creator ?? null,
    lastEpoch: run?.lastEpoch ?? -1,
    unsettled: run === undefined ? [] : [...run.unsettled],
    latestInference: latest === undefined ? null : { epoch: latest.epoch, height: latest.height },
    activeSet: meritView(run),
    ...topicLedgerSummary(chain.ledger, t),
    minWorkerStake: t === undefined ? null : t.minWorkerStake.toString(),
    minReputerStake: t === undefined ? null : t.minReputerStake.toString(),
    workers:
      t === undefined
        ? []
        : [...t.workers].sort().map((id) => ({
            id,
            stake: selfStakeOf(ledger, id).toString(),
            active: isRegistered(ledger, topicId, 'worker', id),
          })),
    reputers:
      t === undefined
        ? []
        : [...t.reputers].sort().map((id) => ({
            id,
            stake: selfStakeOf(ledger, id).toString(),
            delegated: delegatedTo(ledger, id).toString(),
            active: isRegistered(ledger, topicId, 'reputer', id),
          })),
  }
}

export function accountView(ctx: ViewContext, key: string): Json {
  const chain = ctx.node.chain()
  const ledger = chain.ledger
  const account = accountOf(ledger, key)
  const delegations: Json[] = []
  for (const [reputer, by] of [...ledger.delegations].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const amount = by.get(key)
    if (amount !== undefined) delegations.push({ reputer, amount: amount.toString() })
  }
  const delegators = [...(ledger.delegations.get(key) ?? new Map<string, bigint>())]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([delegator, amount]) => ({ delegator, amount: amount.toString() }))
  const registrations: Json[] = []
  for (const [topicId, t] of [...ledger.topics].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const role of ['worker', 'reputer'] as const) {
      if ((role === 'worker' ? t.workers : t.reputers).has(key))
        registrations.push({ topicId, role, active: isRegistered(ledger, topicId, role, key) })
    }
  }
  return {
    id: key,
    exists: ledger.accounts.has(key),
    height: chain.height,
    balance: account.balance.toString(),
    stake: account.stake.toString(),
    nonce: account.nonce,
    delegations,
    delegators,
    unbonding: ledger.unbonding
      .filter((e) => e.account === key)
      .map((e) => ({ amount: e.amount.toString(), releaseEpoch: e.releaseEpoch })),
    registrations,
    committeePower: chain.committee.has(key) ? chain.committee.power(key) : null,
  }
}

function txSummary(bytes: Uint8Array): Json {
  const id = toHex(messageId(bytes))
  try {
    const env = readEnvelope(bytes).envelope as Envelope<'tx'>
    return {
      id,
      signer: toHex(env.signer),
      kind: env.payload.kind,
      accountNonce: env.payload.accountNonce,
      body: jsonOf(env.payload.body),
    }
  } catch {
    return { id }
  }
}

function signerOf(bytes: Uint8Array): string | null {
  try {
    return toHex(readEnvelope(bytes).envelope.signer)
  } catch {
    return null
  }
}

function topicEpochSummary(e: BlockTopicEpoch): Json {
  return {
    topicId: e.topicId,
    epoch: e.epoch,
    inferers: Object.keys(e.inferences).length,
    forecasters: Object.keys(e.forecasts).length,
    networkInference: e.output === null ? null : jsonOf(e.output.networkInference),
    naiveInference: e.output === null ? null : jsonOf(e.output.naiveInference),
    settles: e.settled.map((s) => s.epoch),
  }
}

export function blockView(ctx: ViewContext, height: number | 'latest'): Json {
  const h = height === 'latest' ? ctx.node.chain().height : height
  const read = h >= 1 ? ctx.blocks.read(h) : undefined
  if (read === undefined) throw notFound(`no committed block at height ${height}`)
  const b = read.block
  return {
    height: read.height,
    hash: read.hash,
    chainId: b.chainId,
    prevHash: b.prevHash,
    timeMs: b.timeMs,
    proposer: b.proposer,
    ledgerHash: b.ledgerHash,
    topicEpochs: b.topicEpochs.map(topicEpochSummary),
    txs: b.txs.map(txSummary),
    evidence: b.evidence.length,
    lastCommitSigners: b.lastCommit.map(signerOf),
    certificateSigners: read.certificate.map(signerOf),
    bytes: toBase64(read.bytes),
    certificate: read.certificate.map(toBase64),
  }
}

/** The block that committed a topic epoch, and the epoch's entry in it. */
function committedEpoch(
  ctx: ViewContext,
  run: TopicChain,
  epoch: number,
): { read: CommittedBlock; entry: BlockTopicEpoch } {
  const topicId = run.config.id
  if (epoch > run.lastEpoch)
    throw new ApiError(
      404,
      'unknown-epoch',
      `epoch ${epoch} of topic ${topicId} is not committed (the last committed one is ${run.lastEpoch})`,
    )
  const height = ctx.index.heightOfEpoch(topicId, epoch)
  if (height === undefined) {
    if (!ctx.index.complete) throw indexing()
    throw new ApiError(404, 'unknown-epoch', `epoch ${epoch} of topic ${topicId} is in no stored block`)
  }
  const read = ctx.blocks.read(height)
  const entry = read?.block.topicEpochs.find((e) => e.topicId === topicId && e.epoch === epoch)
  if (read === undefined || entry === undefined)
    throw new Error(`the index points epoch ${topicId}/${epoch} to block ${height}, which lacks it`)
  return { read, entry }
}

/** A topic whose epochs the chain runs; one only in the ledger (made by create-topic) answers `missing`. */
function executedTopic(ctx: ViewContext, topicId: string, missing: 'no-inference' | 'unknown-epoch'): TopicChain {
  const { run } = topicOf(ctx.node.chain(), topicId)
  if (run === undefined)
    throw new ApiError(404, missing, `topic ${topicId} exists in the ledger, but the chain runs no epochs of it`)
  return run
}

export function inferenceView(ctx: ViewContext, topicId: string): CommittedInference {
  const run = executedTopic(ctx, topicId, 'no-inference')
  const latest = ctx.index.latestInference(topicId)
  if (latest === undefined) {
    if (!ctx.index.complete) throw indexing()
    throw new ApiError(404, 'no-inference', `topic ${topicId} has no committed network inference yet`)
  }
  const { read, entry } = committedEpoch(ctx, run, latest.epoch)
  const output = entry.output
  if (output === null) throw new Error(`epoch ${topicId}/${latest.epoch} was indexed with an output it lacks`)
  return {
    topicId,
    epoch: entry.epoch,
    value: output.networkInference,
    naiveInference: output.naiveInference,
    height: read.height,
    blockHash: read.hash,
    blockTimeMs: read.block.timeMs,
    proof: {
      block: toBase64(read.bytes),
      certificate: read.certificate.map(toBase64),
      handoffs: handoffsBefore(ctx.blocks, read.block).map((h) => ({
        block: toBase64(h.bytes),
        certificate: h.certificate.map(toBase64),
      })),
    },
  }
}

/**
 * Where epoch `epoch` was settled: only an entry of epoch `epoch + lag` … `epoch + 65` of its
 * topic can settle it (the truth must be known; an epoch unsettled for 64 epochs is given up),
 * so at most those blocks are read.
 */
function settlementOf(ctx: ViewContext, run: TopicChain, epoch: number, entry: BlockTopicEpoch): Json {
  if (entry.output === null) return { status: 'none' }
  const topicId = run.config.id
  const last = Math.min(run.lastEpoch, epoch + MAX_UNSETTLED_AGE + 1)
  let previous = -1
  for (let d = epoch + run.config.groundTruthLag; d <= last; d++) {
    const height = ctx.index.heightOfEpoch(topicId, d)
    if (height === undefined || height === previous) continue
    previous = height
    const read = ctx.blocks.read(height)
    if (read === undefined) continue
    for (const e of read.block.topicEpochs) {
      if (e.topicId !== topicId) continue
      const i = e.settled.findIndex((s) => s.epoch === epoch)
      if (i < 0) continue
      const s = e.settled[i]
      return {
        status: 'settled',
        height: read.height,
        blockHash: read.hash,
        atEpoch: e.epoch,
        lossBundleIds: [...(e.settlements.find((x) => x.epoch === epoch)?.lossBundleIds ?? [])],
        consensusLosses: jsonOf(s.consensusLosses),
        scores: jsonOf(s.scores),
        rewards: jsonOf(s.rewards),
      }
    }
  }
  return { status: run.unsettled.includes(epoch) ? 'awaiting' : 'abandoned' }
}

export function epochView(ctx: ViewContext, topicId: string, epoch: number): Json {
  const run = executedTopic(ctx, topicId, 'unknown-epoch')
  const { read, entry } = committedEpoch(ctx, run, epoch)
  return {
    topicId,
    epoch,
    height: read.height,
    blockHash: read.hash,
    blockTimeMs: read.block.timeMs,
    inferences: jsonOf(entry.inferences),
    forecasts: jsonOf(entry.forecasts),
    inferenceIds: [...entry.inferenceIds],
    forecastIds: [...entry.forecastIds],
    // The workers the caps left out, as a count: the block names them over the roster of its time.
    standby: { inferers: bitCount(entry.standbyInferers), forecasters: bitCount(entry.standbyForecasters) },
    output: entry.output === null ? null : jsonOf(entry.output),
    settles: entry.settled.map((s) => s.epoch),
    stateHash: entry.stateHash,
    settlement: settlementOf(ctx, run, epoch, entry),
    certificate: certificateSummary(read.certificate),
  }
}

function bitCount(bits: Uint8Array): number {
  let n = 0
  for (const byte of bits) for (let b = byte; b !== 0; b &= b - 1) n++
  return n
}
