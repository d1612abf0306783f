/**
 * The composition root of one Chorus node: a transport node plus the role services it hosts,
 * with the admission rules of the roles plugged into the transport's validator.
 */
import { Committee } from './consensus/bft/index.js'
import { restoreChain } from './consensus/sync/chain-sync.js'
import { readCommitNotice } from './consensus/chain/commit-notice.js'
import { ConsensusDriver } from './consensus/driver/driver.js'
import { networkOf } from './consensus/network.js'
import { byzantineNetwork, type CoordinatorFault } from './adversary/coordinator.js'
import type { Genesis } from './consensus/ledger/index.js'
import { ChainStore } from './consensus/store.js'
import { topicRulesHash, topicRulesOf } from './consensus/chain/topic-rules.js'
import { STATE_HASH_VERSION } from './consensus/chain/state-hash.js'
import { SYNTHESIS_ENGINE_VERSION } from './synthesis/engine-version.js'
import type { Timeouts } from './consensus/bft/index.js'
import { ChorusNode, type ChorusNodeOptions } from './p2p/index.js'
import { Ed25519Verifier, type Envelope } from './wire/index.js'
import type { CommitReader } from './roles/decisions.js'
import { admissionPolicy } from './roles/admission.js'
import type { TopicRuntime } from './topic/windows.js'
import { lossBundle } from './topic/loss-bundle.js'
import type { GroundTruthSource, WorkerModel } from './roles/plugins.js'
import type { RegistryView } from './roles/registry.js'
import type { TopicConfig } from './topic/config.js'
import { ReputerService } from './roles/reputer.js'
import { WorkerService } from './roles/worker.js'
import { GossipWorkerHistory } from './roles/worker-history.js'

export type Role = 'coordinator' | 'worker' | 'reputer'

export interface RoleNodeOptions {
  readonly role: Role
  readonly topics: readonly TopicRuntime[]
  readonly registry: RegistryView
  /** Ground truth per topic id (workers and reputers read it). */
  readonly groundTruth: ReadonlyMap<string, GroundTruthSource>
  /** The worker's model per topic id. */
  readonly models?: ReadonlyMap<string, WorkerModel>
  readonly p2p: Omit<ChorusNodeOptions, 'validation'>
  /**
   * Coordinators run the committee's consensus (blocks, ledger, store); workers and reputers
   * learn decisions from its certified commit notices.
   */
  readonly consensus: ConsensusOptions
}

export interface ConsensusOptions {
  readonly genesis: Genesis
  /** Where a coordinator keeps its store. */
  readonly dataDir?: string
  /** @default propose 1000, prevote 500, precommit 500, delta 250 (ms) */
  readonly timeouts?: Timeouts
  /** @default 2000 */
  readonly maxClockSkewMs?: number
  /** Builds a Byzantine coordinator (tests and chaos runs only). @default honest */
  readonly byzantine?: CoordinatorFault
}

export const DEFAULT_TIMEOUTS: Timeouts = Object.freeze({ propose: 1000, prevote: 500, precommit: 500, delta: 250 })

type Service = WorkerService | ReputerService | ConsensusService

/** The BFT coordinator as a role service. */
class ConsensusService {
  constructor(
    readonly driver: ConsensusDriver,
    private readonly store: ChainStore,
  ) {}

  start(): void {
    this.driver.start()
  }

  stop(): void {
    this.driver.stop()
    this.store.close()
  }
}

export { ConsensusService }

function commitReader(genesis: Genesis): CommitReader {
  const committee = new Committee(Object.fromEntries(genesis.committee.map((m) => [m.id, m.power])))
  const verifier = new Ed25519Verifier()
  return (envelope) => {
    const read = readCommitNotice(envelope.payload, committee, genesis.chainId, verifier)
    return read.ok ? read.block : undefined
  }
}

export class RoleNode {
  private constructor(
    readonly role: Role,
    readonly node: ChorusNode,
    readonly services: readonly Service[],
  ) {}

  /** Start the transport; `start()` starts the role services. */
  static async create(options: RoleNodeOptions): Promise<RoleNode> {
    const topics = new Map(options.topics.map((t) => [t.config.id, t]))
    // The coordinator's own content checks, set once its driver exists.
    let coordinator: { checkSender(envelope: Envelope): void; checkContent(envelope: Envelope): void } | undefined
    const node = await ChorusNode.create({
      ...options.p2p,
      validation: {
        ...admissionPolicy(options.registry, topics),
        checkSender: (envelope: Envelope) => coordinator?.checkSender(envelope),
        checkContent: (envelope: Envelope) => coordinator?.checkContent(envelope),
      },
    })
    const bft = options.consensus
    if (options.role === 'coordinator') {
      // Topic definitions are consensus rules: every coordinator must run the genesis topics
      // with the genesis epoch lengths and rules, or it could never agree on a block.
      checkTopicsAgainstGenesis(
        bft.genesis,
        options.topics.map((t) => t.config),
      )
      const store = ChainStore.open(bft.dataDir ?? ':memory:')
      const chain = restoreChain(
        store,
        bft.genesis,
        options.topics.map((t) => t.config),
      )
      const honest = networkOf(node)
      const network =
        bft.byzantine === undefined
          ? honest
          : byzantineNetwork(bft.byzantine, honest, (channel, bytes) => node.publishRaw(channel, bytes))
      const driver: ConsensusDriver = new ConsensusDriver({
        network,
        store,
        genesis: bft.genesis,
        topics: options.topics,
        chain,
        timeouts: bft.timeouts ?? DEFAULT_TIMEOUTS,
        maxClockSkewMs: bft.maxClockSkewMs ?? 2000,
      })
      coordinator = driver.admission
      return new RoleNode(options.role, node, [new ConsensusService(driver, store)])
    }
    const readCommit = commitReader(bft.genesis)
    const role = options.role
    const services: Service[] = options.topics.map((topic) => {
      const id = topic.config.id
      const truth = options.groundTruth.get(id)
      switch (role) {
        case 'worker': {
          const model = options.models?.get(id)
          if (model === undefined || truth === undefined)
            throw new Error(`worker of topic ${id} needs a model and a ground-truth source`)
          return new WorkerService(
            node,
            topic,
            model,
            new GossipWorkerHistory(id, topic.config.groundTruthLag, truth, topic.config.lossFunction),
            readCommit,
          )
        }
        case 'reputer': {
          if (truth === undefined) throw new Error(`reputer of topic ${id} needs a ground-truth source`)
          return new ReputerService(
            node,
            topic,
            truth,
            (d, value, previous) =>
              lossBundle(
                { inferences: d.inferences, output: d.output },
                { value, previous },
                topic.config.lossFunction,
              ),
            readCommit,
          )
        }
      }
    })
    return new RoleNode(options.role, node, services)
  }

  get participantId(): string {
    return this.node.participantId
  }

  start(): void {
    for (const s of this.services) s.start()
  }

  async stop(): Promise<void> {
    for (const s of this.services) await s.stop()
    await this.node.stop()
  }
}

/** Throws, naming the topic and what differs, unless `topics` are exactly the genesis topics with their rules. */
export function checkTopicsAgainstGenesis(genesis: Genesis, topics: readonly TopicConfig[]): void {
  const genesisTopics = new Map(genesis.topics.map((t) => [t.id, t]))
  for (const config of topics) {
    const g = genesisTopics.get(config.id)
    if (g === undefined || g.epochMs !== config.epochMs)
      throw new Error(`topic ${config.id} (${config.epochMs} ms epochs) is not in the genesis as configured`)
    if (g.rules !== null && g.rules !== topicRulesHash(topicRulesOf(config))) {
      throw new Error(
        `topic ${config.id}: its rules (epochMs, commitReveal, groundTruthLag, params, synthesis engine version ${SYNTHESIS_ENGINE_VERSION}, state hash version ${STATE_HASH_VERSION}) differ from the ones the genesis pins (${g.rules.slice(0, 12)}…)`,
      )
    }
  }
  const served = new Set(topics.map((t) => t.id))
  if (served.size !== topics.length) throw new Error('a coordinator lists a topic twice')
  if (served.size !== genesisTopics.size)
    throw new Error(`a coordinator must serve every genesis topic (${[...genesisTopics.keys()].join(', ')})`)
}
