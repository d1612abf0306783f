/**
 * The composition root of one Chorus node: a transport node, the chain it follows (or, as a
 * committee member, decides), and the role services it hosts, with the admission rules of
 * the roles plugged into the transport's validator.
 */
import { followTopicSchedules } from './topic-schedules.js'
import { restoreChain } from '../consensus/sync/chain-sync.js'
import { ConsensusDriver } from '../consensus/driver/driver.js'
import { networkOf } from '../consensus/network.js'
import { adversaryFor, type Adversary, type ByzantineFault } from '../adversary/index.js'
import { isTopicRunning, type Genesis } from '../consensus/ledger/index.js'
import { ChainStore } from '../consensus/store.js'
import { topicRulesHash, topicRulesOf } from '../consensus/chain/topic-rules.js'
import { STATE_HASH_VERSION } from '../consensus/chain/state-hash.js'
import { SYNTHESIS_ENGINE_VERSION } from '../synthesis/engine-version.js'
import type { Timeouts } from '../consensus/bft/index.js'
import { ChorusNode, type ChorusNodeOptions } from '../p2p/index.js'
import type { Envelope } from '../wire/index.js'
import type { Clock } from '../util/timers.js'
import { admissionPolicy } from '../roles/admission.js'
import type { TopicRuntime } from '../topic/windows.js'
import { lossBundle } from '../topic/loss-bundle.js'
import type { GroundTruthSource, WorkerModel } from '../roles/plugins.js'
import type { TopicConfig } from '../topic/config.js'
import { ReputerService, type LossBundleBuilder } from '../roles/reputer.js'
import { WorkerService } from '../roles/worker.js'
import { GossipWorkerHistory } from '../roles/worker-history.js'

export type Role = 'coordinator' | 'worker' | 'reputer'

export interface RoleNodeOptions {
  readonly role: Role
  /** Every topic of the chain: a node re-executes every block, so it runs every topic's rules. */
  readonly topics: readonly TopicRuntime[]
  /** Ids of the topics this node's worker or reputer works on. @default all */
  readonly serves?: readonly string[]
  /** Ground truth per topic id (workers and reputers read it). */
  readonly groundTruth: ReadonlyMap<string, GroundTruthSource>
  /** The worker's model per topic id. */
  readonly models?: ReadonlyMap<string, WorkerModel>
  readonly p2p: Omit<ChorusNodeOptions, 'validation'>
  readonly consensus: ConsensusOptions
  /**
   * Builds a Byzantine node (tests and chaos runs only): a fault of the node's role
   * (src/adversary/faults.ts), or create() throws a ByzantineFaultError. @default honest
   */
  readonly byzantine?: ByzantineFault
}

export interface ConsensusOptions {
  readonly genesis: Genesis
  /** Where the node keeps its store (blocks, their messages, the write-ahead log). @default in memory */
  readonly dataDir?: string
  /** @default propose 1000, prevote 500, precommit 500, delta 250 (ms) */
  readonly timeouts?: Timeouts
  /** @default 2000 */
  readonly maxClockSkewMs?: number
  /** The node's clock (a chaos run skews one node's). Its topics' epoch clocks should read the same. @default the system clock */
  readonly clock?: Clock
}

export const DEFAULT_TIMEOUTS: Timeouts = Object.freeze({ propose: 1000, prevote: 500, precommit: 500, delta: 250 })

type Service = WorkerService | ReputerService | ChainService

/**
 * The node's chain: a committee member's driver votes; every other node's driver follows,
 * adopting and re-executing what the committee commits. Either way the node holds the
 * committed state its admission rules and its roles read.
 */
/** A store that cannot be replayed on this genesis: another network's data dir, or a damaged one. */
export class ChainRestoreError extends Error {
  override readonly name = 'ChainRestoreError'
}

export class ChainService {
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

export class RoleNode {
  private constructor(
    readonly role: Role,
    readonly node: ChorusNode,
    readonly chain: ChainService,
    private readonly running: Service[],
    private readonly adversary: Adversary | undefined,
    /** The topics this node times epochs for; they follow the chain's schedules. */
    private readonly runtimes: TopicRuntime[],
  ) {}

  /** The chain service first, then the role services. */
  get services(): readonly Service[] {
    return this.running
  }

  private rolesStarted = false

  /** Start the transport; `start()` starts the chain and the role services. */
  static async create(options: RoleNodeOptions): Promise<RoleNode> {
    const bft = options.consensus
    const configs = options.topics.map((t) => t.config)
    // Topic definitions are consensus rules: every node must run the genesis topics with the
    // genesis epoch lengths and rules, or it could never agree on (or re-execute) a block.
    checkTopicsAgainstGenesis(bft.genesis, configs)
    const adversary = options.byzantine === undefined ? undefined : adversaryFor(options.role, options.byzantine)
    const store = ChainStore.open(bft.dataDir ?? ':memory:')
    let driver: ConsensusDriver | undefined
    try {
      let restored: ReturnType<typeof restoreChain>
      try {
        restored = restoreChain(store, bft.genesis, configs)
      } catch (err) {
        throw new ChainRestoreError(
          `the store in ${bft.dataDir} holds no chain of this genesis, or a damaged one (${(err as Error).message}); use another data dir`,
        )
      }
      const chain = () => driver?.chain ?? restored
      const topics = new Map(options.topics.map((t) => [t.config.id, t]))
      const node = await ChorusNode.create({
        ...options.p2p,
        validation: {
          ...admissionPolicy(chain, topics),
          checkSender: (envelope: Envelope) => driver?.admission.checkSender(envelope),
          checkContent: (envelope: Envelope) => driver?.admission.checkContent(envelope),
        },
      })
      const honest = networkOf(node)
      const network =
        adversary === undefined
          ? honest
          : adversary.network(honest, (channel, bytes) => node.publishRaw(channel, bytes))
      driver = new ConsensusDriver({
        network,
        store,
        genesis: bft.genesis,
        topics: options.topics,
        chain: restored,
        timeouts: bft.timeouts ?? DEFAULT_TIMEOUTS,
        maxClockSkewMs: bft.maxClockSkewMs ?? 2000,
        ...(bft.clock === undefined ? {} : { clock: bft.clock }),
      })
      const runtimes = [...options.topics]
      followTopicSchedules(driver, runtimes)
      const chainService = new ChainService(driver, store)
      const served = options.topics.filter((t) => options.serves === undefined || options.serves.includes(t.config.id))
      const roleServices =
        options.role === 'coordinator'
          ? []
          : roleServicesOf(options.role, served, {
              node,
              driver,
              groundTruth: options.groundTruth,
              models: options.models,
              adversary,
            })
      return new RoleNode(options.role, node, chainService, [chainService, ...roleServices], adversary, runtimes)
    } catch (err) {
      store.close()
      throw err
    }
  }

  get participantId(): string {
    return this.node.participantId
  }

  get driver(): ConsensusDriver {
    return this.chain.driver
  }

  /** Start the chain and the role services. */
  start(): void {
    this.startChain()
    this.startRoles()
  }

  /** Follow (or, as a member, decide) the chain only: a joiner registers before it works. */
  startChain(): void {
    this.chain.start()
  }

  startRoles(): void {
    this.rolesStarted = true
    for (const s of this.running) if (s !== this.chain) s.start()
  }

  /**
   * Work on one more topic (a worker or reputer of a topic created by transaction after this
   * node started): its service starts at once if the roles have.
   */
  addTopic(topic: TopicRuntime, truth: GroundTruthSource, model?: WorkerModel): void {
    if (this.role === 'coordinator') throw new Error('a coordinator has no topic services')
    this.runtimes.push(topic)
    const [service] = roleServicesOf(this.role, [topic], {
      node: this.node,
      driver: this.driver,
      groundTruth: new Map([[topic.config.id, truth]]),
      models: model === undefined ? undefined : new Map([[topic.config.id, model]]),
      adversary: this.adversary,
    })
    this.running.push(service)
    if (this.rolesStarted) service.start()
  }

  async stop(): Promise<void> {
    for (const s of [...this.running].reverse()) await s.stop()
    await this.node.stop()
  }
}

interface RoleParts {
  readonly node: ChorusNode
  readonly driver: ConsensusDriver
  readonly groundTruth: ReadonlyMap<string, GroundTruthSource>
  readonly models?: ReadonlyMap<string, WorkerModel>
  readonly adversary?: Adversary
}

function roleServicesOf(role: 'worker' | 'reputer', served: readonly TopicRuntime[], parts: RoleParts): Service[] {
  const { node, driver } = parts
  return served.map((topic) => {
    const id = topic.config.id
    const truth = parts.groundTruth.get(id)
    if (truth === undefined) throw new Error(`the ${role} of topic ${id} needs a ground-truth source`)
    if (role === 'worker') {
      const model = parts.models?.get(id)
      if (model === undefined) throw new Error(`the worker of topic ${id} needs a model`)
      const history = new GossipWorkerHistory(id, topic.config.groundTruthLag, truth, topic.config.lossFunction)
      const honest = { publisher: node, model }
      const { publisher, model: answering } = parts.adversary?.worker(honest, node, topic) ?? honest
      return new WorkerService(publisher, topic, answering, history, driver.events, {
        topicRunning: () => isTopicRunning(driver.chain.ledger, id),
      })
    }
    const honest: LossBundleBuilder = (d, value, previous) =>
      lossBundle({ inferences: d.inferences, output: d.output }, { value, previous }, topic.config.lossFunction)
    return new ReputerService(node, topic, truth, parts.adversary?.reputer(honest) ?? honest, driver.events)
  })
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
