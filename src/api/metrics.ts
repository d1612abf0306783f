/**
 * The node's Prometheus metrics, served at `GET /metrics` next to the consumer API. One
 * registry per node: a cluster runs many nodes in one process. The histograms and the
 * per-topic figures are fed by the commit and block-executed events (a few operations per block); everything else
 * is read from counters and sizes the node keeps anyway, when the endpoint is scraped, so the
 * message paths pay nothing for it. Names follow Prometheus' conventions (base units, counters
 * ending in `_total`), which `promtool check metrics` enforces.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { certificateVotes } from '../consensus/sync/chain-sync.js'
import { certificateSummary } from './certificate.js'
import type { ApiNode, BlockExecution, CommitEvent } from './node.js'

/** Smallest units per token: balances are exported in tokens (a float, so approximate). */
const UNITS_PER_TOKEN = 10n ** 18n

export interface NodeMetrics {
  readonly registry: Registry
  /** The text exposition of every metric. */
  text(): Promise<string>
  /** Stop listening to the node. */
  close(): void
}

export function nodeMetrics(node: ApiNode): NodeMetrics {
  const registry = new Registry()
  const registers = [registry]

  const blocks = new Counter({
    name: 'chorus_blocks_committed_total',
    help: 'Blocks this node committed or adopted since it started.',
    registers,
  })
  const epochs = new Counter({
    name: 'chorus_epochs_committed_total',
    help: 'Topic epochs committed with a network inference, since the node started.',
    labelNames: ['topic'] as const,
    registers,
  })
  const latency = new Histogram({
    name: 'chorus_commit_latency_seconds',
    help: 'From the start of a height on this node to its commit.',
    buckets: [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8],
    registers,
  })
  const rounds = new Histogram({
    name: 'chorus_commit_rounds',
    help: 'Consensus rounds a height took (1: decided in its first round).',
    buckets: [1, 2, 3, 4, 6, 8],
    registers,
  })
  const execution = new Histogram({
    name: 'chorus_block_execution_seconds',
    help: 'Time to execute a block (the synthesis and settlement of its topic epochs, then its ledger), as proposer, voter or follower.',
    labelNames: ['as'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  })
  const loss = new Gauge({
    name: 'chorus_topic_loss',
    help: 'Consensus loss of the last settled epoch of a topic: the network inference, the naive one, the best worker.',
    labelNames: ['topic', 'of'] as const,
    registers,
  })
  new Gauge({
    name: 'chorus_chain_height',
    help: 'Height of the last block this node committed or adopted.',
    registers,
    collect() {
      this.set(node.chain().height)
    },
  })
  new Gauge({
    name: 'chorus_peers',
    help: 'libp2p peers connected now.',
    registers,
    collect() {
      this.set(node.connectedPeers().length)
    },
  })
  new Gauge({
    name: 'chorus_account_balance_tokens',
    help: "This node's account in the committed ledger, in tokens (balance or stake; approximate above 2^53 units).",
    labelNames: ['kind'] as const,
    registers,
    collect() {
      const account = node.chain().ledger.accounts.get(node.participantId)
      this.set({ kind: 'balance' }, tokens(account?.balance ?? 0n))
      this.set({ kind: 'stake' }, tokens(account?.stake ?? 0n))
    },
  })
  if (node.stats !== undefined) {
    const stats = node.stats.bind(node)
    new Gauge({
      name: 'chorus_connections',
      help: 'libp2p connections open now.',
      registers,
      collect() {
        this.set(stats().connections)
      },
    })
    new Gauge({
      name: 'chorus_gossip_mesh_peers',
      help: 'Peers in the gossipsub mesh of each channel the node subscribes to.',
      labelNames: ['channel'] as const,
      registers,
      collect() {
        this.reset()
        for (const [channel, n] of Object.entries(stats().meshPeers)) this.set({ channel }, n)
      },
    })
    new Counter({
      name: 'chorus_messages_total',
      help: 'Gossip messages validated since the node started, by channel kind and result (accept, ignore, reject).',
      labelNames: ['channel', 'result'] as const,
      registers,
      collect() {
        this.reset()
        for (const [key, n] of Object.entries(stats().messagesByChannel)) {
          const [channel, result] = key.split(':')
          this.inc({ channel, result }, n)
        }
      },
    })
    new Counter({
      name: 'chorus_worker_events_total',
      help: "A worker's epochs by what happened: published, model-error, model-timeout, publish-error, topic-inactive, and decision-late (it asked its model before the previous epoch's block came).",
      labelNames: ['topic', 'event'] as const,
      registers,
      collect() {
        this.reset()
        for (const [key, n] of Object.entries(stats().workerEvents ?? {})) {
          const at = key.lastIndexOf(':')
          this.inc({ topic: key.slice(0, at), event: key.slice(at + 1) }, n)
        }
      },
    })
    new Counter({
      name: 'chorus_messages_refused_total',
      help: 'Gossip messages ignored or rejected since the node started, by result and reason.',
      labelNames: ['result', 'reason'] as const,
      registers,
      collect() {
        this.reset()
        for (const [key, n] of Object.entries(stats().messagesByReason)) {
          const [result, reason] = key.split(':')
          if (result !== 'accept') this.inc({ result, reason }, n)
        }
      },
    })
  }

  const onCommit = (commit: CommitEvent): void => {
    blocks.inc()
    latency.observe(commit.ms / 1000)
    const round = decidedRound(node, commit.height)
    if (round !== undefined) rounds.observe(round + 1)
    for (const te of commit.block.topicEpochs) {
      if (te.output !== null) epochs.inc({ topic: te.topicId })
      const last = te.settled.at(-1)
      if (last === undefined) continue
      const { network, naive, inferers } = last.consensusLosses
      loss.set({ topic: te.topicId, of: 'network' }, network)
      loss.set({ topic: te.topicId, of: 'naive' }, naive)
      const best = Math.min(...Object.values(inferers))
      if (Number.isFinite(best)) loss.set({ topic: te.topicId, of: 'best_worker' }, best)
    }
  }
  const onExecuted = (e: BlockExecution): void => execution.observe({ as: e.as }, e.ms / 1000)
  node.events.on('commit', onCommit)
  node.events.on('block-executed', onExecuted)
  return {
    registry,
    text: () => registry.metrics(),
    close: () => {
      node.events.off('commit', onCommit)
      node.events.off('block-executed', onExecuted)
    },
  }
}

function tokens(units: bigint): number {
  return Number(units / UNITS_PER_TOKEN) + Number(units % UNITS_PER_TOKEN) / Number(UNITS_PER_TOKEN)
}

/** The round a stored block was decided in, from its certificate. */
function decidedRound(node: ApiNode, height: number): number | undefined {
  const stored = node.block(height)
  return stored === undefined
    ? undefined
    : (certificateSummary(certificateVotes(stored.certificate)).round ?? undefined)
}
