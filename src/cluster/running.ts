/**
 * What `chorus cluster` needs of a running cluster, whether its nodes live in this process
 * (LocalCluster) or each in a process of its own (ProcessCluster).
 */
import type { EventEmitter } from 'node:events'
import type { ApiServer } from '../api/index.js'
import type { GroundTruthSource } from '../roles/plugins.js'
import type { TopicRuntime } from '../topic/windows.js'
import type { ClusterEvents, LocalCluster } from './local-cluster.js'
import type { ProcessCluster } from './process-cluster.js'

export interface ReadyInfo {
  /** The consumer API's URL, when the cluster serves one. */
  readonly api: string | null
  readonly bootstrap: readonly string[]
  readonly genesis: string | null
  readonly genesisHash: string
  readonly chainId: string
  readonly faucetKey: string | null
}

export interface RunningCluster {
  readonly events: EventEmitter<ClusterEvents>
  readonly topics: readonly TopicRuntime[]
  readonly groundTruth: ReadonlyMap<string, GroundTruthSource>
  ready(): ReadyInfo
  modelOf(participantId: string): string | undefined
  firstFullEpoch(topicId: string): number
  /** (topic, epoch) pairs committed. */
  committed(): number
  forks(): number
  /** Whether the ledger conserved tokens at every height (on every node this process sees). */
  conservation(): boolean
  /** Mean time from a height's start to its commit, when this process can see it. */
  meanCommitMs(): number | null
  stop(): Promise<void>
}

/** A LocalCluster, with the API server the caller started for it (closed on stop). */
export function runningLocal(cluster: LocalCluster, api?: ApiServer): RunningCluster {
  const models = new Map(
    cluster.members.flatMap((m) => (m.model === undefined ? [] : [[m.node.participantId, m.model]])),
  )
  return {
    events: cluster.events,
    topics: cluster.topics,
    groundTruth: cluster.groundTruth,
    ready: () => ({
      api: api?.url ?? null,
      bootstrap: cluster.bootstrapAddrs(),
      genesis: cluster.networkFiles?.genesis ?? null,
      genesisHash: cluster.genesisHash,
      chainId: cluster.genesis.chainId,
      faucetKey: cluster.networkFiles?.faucetKey ?? null,
    }),
    modelOf: (id) => models.get(id),
    firstFullEpoch: (t) => cluster.firstFullEpoch(t),
    committed: () => cluster.commits.topicEpochs.size,
    forks: () => cluster.commits.forks().length,
    conservation: () => cluster.commits.conservation,
    meanCommitMs: () => {
      const ms = cluster.commits.meanCommitMs()
      return Number.isFinite(ms) ? ms : null
    },
    stop: async () => {
      await api?.close()
      await cluster.stop()
    },
  }
}

export function runningProcesses(cluster: ProcessCluster): RunningCluster {
  return {
    events: cluster.events,
    topics: cluster.topics,
    groundTruth: cluster.groundTruth,
    ready: () => ({
      api: cluster.apiUrl ?? null,
      bootstrap: cluster.bootstrap(),
      genesis: cluster.files.genesisPath,
      genesisHash: cluster.files.hash,
      chainId: cluster.files.genesis.chainId,
      faucetKey: cluster.files.faucetKey,
    }),
    modelOf: (id) => cluster.modelOf(id),
    firstFullEpoch: (t) => cluster.firstFullEpoch(t),
    committed: () => cluster.committedEpochs.size,
    forks: () => cluster.forks().length,
    conservation: () => cluster.conservation,
    // Heights start in the node processes; this process sees only their results.
    meanCommitMs: () => null,
    stop: () => cluster.stop(),
  }
}
