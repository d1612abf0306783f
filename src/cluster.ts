/**
 * A local cluster: coordinators, workers and reputers as real libp2p nodes on 127.0.0.1 in
 * this process, registered in one registry, running one or more topics. Used by
 * `chorus cluster` (and `npm start`) and by the multi-node tests.
 */
import { generateIdentity, LOOPBACK_TUNING, toHex, VerifiedMessageCache, type NodeIdentity } from './p2p/index.js'
import { RoleNode, type Role } from './node.js'
import type { TopicRuntime } from './roles/admission.js'
import type { EpochDecision } from './roles/coordinator.js'
import { EpochClock } from './roles/epoch-clock.js'
import { createGroundTruth } from './roles/ground-truth/registry.js'
import { createModel, type ModelSpec } from './roles/models/registry.js'
import type { GroundTruthSource, WorkerModel } from './roles/plugins.js'
import { Registry } from './roles/registry.js'
import { DEFAULT_POPULATION } from './roles/simulation.js'
import type { TopicConfig } from './roles/topic.js'

export const DEFAULT_CHAIN_ID = 'chorus-local'

export interface ClusterOptions {
  readonly topics: readonly TopicConfig[]
  /** @default 1 */
  readonly coordinators?: number
  /** @default 6 */
  readonly workers?: number
  /** @default 2 */
  readonly reputers?: number
  /** Worker models, cycled over the workers. @default the built-in population */
  readonly models?: readonly ModelSpec[]
  /** Time from start to epoch 0, for the mesh to form. @default 600 */
  readonly startDelayMs?: number
  /** Base directory of relative CSV paths in ground-truth specs. @default process.cwd() */
  readonly baseDir?: string
  readonly chainId?: string
}

export interface ClusterMember {
  readonly role: Role
  readonly node: RoleNode
  /** For workers: the model's name. */
  readonly model?: string
  readonly identity: NodeIdentity
}

export interface MemberOptions {
  readonly identity?: NodeIdentity
  /** Topic ids the node serves. @default all the cluster's topics */
  readonly topics?: readonly string[]
  /** The worker's model. @default the cluster's list, by index */
  readonly model?: ModelSpec
}

export class LocalCluster {
  /** Observation only: `decision` (EpochDecision) for every epoch the leader decides. */
  readonly events = new EventTarget()

  private constructor(
    readonly members: ClusterMember[],
    readonly registry: Registry,
    readonly topics: readonly TopicRuntime[],
    readonly groundTruth: ReadonlyMap<string, GroundTruthSource>,
    private readonly options: ClusterOptions,
    private readonly verifiedCache: VerifiedMessageCache,
  ) {}

  static async start(options: ClusterOptions): Promise<LocalCluster> {
    const counts: Record<Role, number> = { coordinator: options.coordinators ?? 1, worker: options.workers ?? 6, reputer: options.reputers ?? 2 }
    if (counts.coordinator < 1) throw new Error('a cluster needs at least one coordinator')
    if (options.topics.length === 0) throw new Error('a cluster needs at least one topic')
    const genesisMs = Date.now() + (options.startDelayMs ?? 600)
    const topics = options.topics.map((config) => ({ config, clock: new EpochClock(genesisMs, config.epochMs) }))
    const groundTruth = new Map<string, GroundTruthSource>()
    for (const t of options.topics) groundTruth.set(t.id, await createGroundTruth(t.groundTruth, { baseDir: options.baseDir }))
    const registry = new Registry()
    const cluster = new LocalCluster([], registry, topics, groundTruth, options, new VerifiedMessageCache())
    for (const role of ['coordinator', 'reputer', 'worker'] as const) {
      for (let i = 0; i < counts[role]; i++) await cluster.addMember(role, i)
    }
    const leader = cluster.members[0].node
    for (const service of leader.services) {
      if ('events' in service && 'topicState' in service) service.events.addEventListener('decision', (e) => cluster.emit((e as CustomEvent<EpochDecision>).detail))
    }
    return cluster
  }

  private emit(decision: EpochDecision): void {
    this.events.dispatchEvent(new CustomEvent<EpochDecision>('decision', { detail: decision }))
  }

  /**
   * Create, register, connect and start one node; `index` picks the worker's model unless
   * `model` is given. Nodes dial the first node (the hub) and the node before them, so the
   * mesh has more than one path. `identity` re-uses a key (a restarted node); `topics`
   * limits the topics the node serves.
   */
  async addMember(role: Role, index: number, opts: MemberOptions = {}): Promise<ClusterMember> {
    const id = opts.identity ?? (await generateIdentity())
    const participant = toHex(id.publicKey)
    const models = new Map<string, WorkerModel>()
    let modelName: string | undefined
    const topics = opts.topics === undefined ? this.topics : this.topics.filter((t) => opts.topics?.includes(t.config.id))
    for (const t of topics) {
      if (role === 'coordinator') this.registry.addCoordinator(participant)
      if (role === 'reputer') this.registry.register(t.config.id, 'reputer', participant)
      if (role === 'worker') {
        this.registry.register(t.config.id, 'worker', participant)
        const specs = this.options.models ?? DEFAULT_POPULATION
        const spec = opts.model ?? specs[index % specs.length]
        const model = createModel(spec, { groundTruth: this.groundTruth.get(t.config.id) })
        modelName = model.name
        models.set(t.config.id, model)
      }
    }
    const node = await RoleNode.create({
      role,
      topics,
      registry: this.registry,
      groundTruth: this.groundTruth,
      models,
      p2p: { chainId: this.options.chainId ?? DEFAULT_CHAIN_ID, identity: id, ...LOOPBACK_TUNING, verifiedCache: this.verifiedCache },
    })
    const peers = [this.members[0], this.members.at(-1)].filter((m): m is ClusterMember => m !== undefined)
    for (const peer of new Set(peers)) await node.node.dial(peer.node.node.multiaddrs()[0])
    node.start()
    const member: ClusterMember = { role, node, model: modelName, identity: id }
    this.members.push(member)
    return member
  }

  /** Stop one member (e.g. to test that epochs go on without it). */
  async removeMember(member: ClusterMember): Promise<void> {
    const i = this.members.indexOf(member)
    if (i >= 0) this.members.splice(i, 1)
    await member.node.stop()
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.node.stop()))
    for (const truth of this.groundTruth.values()) await truth.close?.()
  }
}
