/**
 * A local cluster: coordinators, workers and reputers as real libp2p nodes on 127.0.0.1 in
 * this process, running one or more topics. Every member is known at start and written into
 * the genesis (committee, stakes, registrations); the coordinators form the consensus
 * committee. Used by `chorus cluster` (and `npm start`) and by the multi-node tests.
 */
import type { Log } from '../util/log.js'
import { logNode } from '../node/node-log.js'
import { EventEmitter } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RoleNode, type ConsensusOptions, type Role, type RoleNodeOptions } from '../node/role-node.js'
import type { Timeouts } from '../consensus/bft/index.js'
import { CommitTracker } from './commit-tracker.js'
import type { CommitEvent } from '../consensus/driver/driver.js'
import { checkFaultForRole, type ByzantineFault } from '../adversary/index.js'
import {
  buildLocalGenesis,
  genesisHash,
  genesisToJson,
  type Genesis,
  type GenesisFile,
} from '../consensus/ledger/index.js'
import { topicRulesHash, topicRulesOf } from '../consensus/chain/topic-rules.js'
import {
  generateIdentity,
  loadIdentity,
  LOOPBACK_TUNING,
  saveIdentity,
  type NetworkFaults,
  type NodeIdentity,
} from '../p2p/index.js'
import type { Clock } from '../util/timers.js'
import type { NetworkFiles } from '../node/network-files.js'
import { processVerified, toHex } from '../wire/index.js'
import type { TopicRuntime } from '../topic/windows.js'
import type { EpochDecision } from '../roles/decisions.js'
import { decisionsOfBlock } from '../roles/decisions.js'
import { EpochClock } from '../topic/epoch-clock.js'
import { createGroundTruth } from '../roles/ground-truth/registry.js'
import { createModel, type ModelSpec } from '../roles/models/registry.js'
import type { GroundTruthSource, WorkerModel } from '../roles/plugins.js'
import { DEFAULT_POPULATION } from '../roles/simulation.js'
import { topicDefinition, type TopicConfig } from '../topic/config.js'

export const DEFAULT_CHAIN_ID = 'chorus-local'

export interface MemberSpec {
  readonly role: Role
  readonly identity?: NodeIdentity
  /** Topic ids the member serves. @default all */
  readonly topics?: readonly string[]
  /** The worker's model. @default the cluster's list, by worker index */
  readonly model?: ModelSpec
  /** Start a node for it; false only registers it (a test drives that key itself). @default true */
  readonly start?: boolean
  /** Faults a chaos run injects into this member: its links, its clock. */
  readonly chaos?: MemberChaos
  /** Makes the member Byzantine (tests and chaos runs): a fault of its role (src/adversary/faults.ts). */
  readonly byzantine?: ByzantineFault
}

export interface MemberChaos {
  /** The member's fault layer (its libp2p transport is wrapped with it). */
  readonly faults?: NetworkFaults
  /** The member's clock, for its driver and its topics' epoch clocks. */
  readonly clock?: Clock
}

export interface ClusterOptions {
  readonly topics: readonly TopicConfig[]
  /** @default 4 */
  readonly coordinators?: number
  /** @default 6 */
  readonly workers?: number
  /** @default 2 */
  readonly reputers?: number
  /** Members beyond the counts above (specific topics, models, keys, faults). */
  readonly extraMembers?: readonly MemberSpec[]
  /** Worker models, cycled over the workers. @default the built-in population */
  readonly models?: readonly ModelSpec[]
  /** Time from start to epoch 0, for the mesh to form. @default 800 */
  readonly startDelayMs?: number
  /** Base directory of relative CSV paths in ground-truth specs. @default process.cwd() */
  readonly baseDir?: string
  readonly chainId?: string
  /** Members keep their stores under `<dataDir>/<id>`; in memory without it. */
  readonly dataDir?: string
  /**
   * Where the network's files are written: `genesis.json` (with every topic's definition) and
   * `keys/faucet.key`, the funded account of the local network, so another process can join.
   */
  readonly networkDir?: string
  readonly timeouts?: Timeouts
  /** Every member's structured log, as a child with its name. @default nothing is logged */
  readonly log?: Log
  /** Aborts the start between members: the members started so far are stopped, and start throws. */
  readonly signal?: AbortSignal
  /**
   * Run a network written before (by this cluster with `networkDir`, or by `chorus init`)
   * again: its genesis and keys instead of new ones; `topics` must be the genesis topics.
   */
  readonly resume?: NetworkFiles
  /** Changes to the generated genesis file before it is parsed (not with `resume`). */
  readonly editGenesis?: (file: GenesisFile) => GenesisFile
}

/** The start of a cluster was aborted (its signal fired); nothing of it is left running. */
export class ClusterStartAborted extends Error {
  override readonly name = 'ClusterStartAborted'
}

export interface ClusterMember {
  readonly role: Role
  readonly node: RoleNode
  /** For workers: the model's name. */
  readonly model?: string
  readonly identity: NodeIdentity
  readonly spec: MemberSpec
}

interface Planned {
  readonly spec: MemberSpec
  readonly identity: NodeIdentity
  readonly index: number
}

/** What a cluster reports, for observation only. */
export interface ClusterEvents {
  /** A topic epoch committed (reported by the first coordinator). */
  decision: [EpochDecision]
  /** A block committed at the first coordinator. */
  commit: [CommitEvent]
}

export class LocalCluster {
  readonly events = new EventEmitter<ClusterEvents>()
  readonly members: ClusterMember[] = []
  /** The port each member (by participant id) listened on: a member that restarts listens there again, as a real node with a configured address does, so its peers' redials find it. */
  private readonly ports = new Map<string, string>()
  /** Commits of every BFT coordinator (hashes per height, forks, conservation, timing). */
  readonly commits = new CommitTracker()

  private constructor(
    readonly topics: readonly TopicRuntime[],
    readonly groundTruth: ReadonlyMap<string, GroundTruthSource>,
    readonly genesis: Genesis,
    private readonly options: ClusterOptions,
    readonly planned: readonly Planned[],
    /** The local network's funded account (`transfer` from it funds a joiner). */
    readonly faucet: NodeIdentity,
  ) {}

  /** The files of `networkDir`, when the cluster was given one. */
  networkFiles: { readonly genesis: string; readonly faucetKey: string } | undefined

  /** genesisHash(genesis): the network's identity. */
  get genesisHash(): string {
    return genesisHash(this.genesis)
  }

  coordinators(): ClusterMember[] {
    return this.members.filter((m) => m.role === 'coordinator')
  }

  /** The coordinators' addresses (with /p2p/): where a joining node bootstraps. */
  bootstrapAddrs(): string[] {
    return this.members.filter((m) => m.role === 'coordinator').flatMap((m) => m.node.node.multiaddrs())
  }

  static async start(options: ClusterOptions): Promise<LocalCluster> {
    if (options.topics.length === 0) throw new Error('a cluster needs at least one topic')
    const counts: Record<Role, number> = {
      coordinator: options.coordinators ?? 4,
      worker: options.workers ?? 6,
      reputer: options.reputers ?? 2,
    }
    if (counts.coordinator + (options.extraMembers ?? []).filter((m) => m.role === 'coordinator').length < 1)
      throw new Error('a cluster needs at least one coordinator')
    const specs: MemberSpec[] = []
    if (options.resume !== undefined) {
      for (const key of options.resume.keys)
        if (key.role !== 'faucet') specs.push({ role: key.role, identity: await loadIdentity(key.file) })
    } else {
      for (const role of ['coordinator', 'reputer', 'worker'] as const)
        for (let i = 0; i < counts[role]; i++) specs.push({ role })
    }
    specs.push(...(options.extraMembers ?? []))
    // A fault that does not fit its member's role fails here, before any node starts.
    for (const spec of specs) if (spec.byzantine !== undefined) checkFaultForRole(spec.role, spec.byzantine)
    const planned: Planned[] = []
    let workerIndex = 0
    for (const spec of specs)
      planned.push({
        spec,
        identity: spec.identity ?? (await generateIdentity()),
        index: spec.role === 'worker' ? workerIndex++ : 0,
      })

    const genesisMs = options.resume?.genesis.genesisTime ?? Date.now() + (options.startDelayMs ?? 800)
    const topics = options.topics.map((config) => ({ config, clock: new EpochClock(genesisMs, config.epochMs) }))
    const groundTruth = new Map<string, GroundTruthSource>()
    for (const t of options.topics)
      groundTruth.set(t.id, await createGroundTruth(t.groundTruth, { baseDir: options.baseDir }))
    const idOf = (p: Planned): string => toHex(p.identity.publicKey)
    const serves = (p: Planned, topicId: string): boolean =>
      p.spec.topics === undefined || p.spec.topics.includes(topicId)
    const ofRole = (role: Role): Planned[] => planned.filter((p) => p.spec.role === role)
    const faucet =
      options.resume === undefined ? await generateIdentity() : await loadIdentity(options.resume.faucetKey)
    const genesis =
      options.resume?.genesis ??
      buildLocalGenesis({
        chainId: options.chainId ?? DEFAULT_CHAIN_ID,
        genesisTime: genesisMs,
        faucet: toHex(faucet.publicKey),
        edit: options.editGenesis,
        committee: ofRole('coordinator').map(idOf),
        workers: ofRole('worker').map(idOf),
        reputers: ofRole('reputer').map(idOf),
        topics: options.topics.map((t) => ({
          id: t.id,
          epochMs: t.epochMs,
          definition: topicDefinition(t),
          rules: topicRulesHash(topicRulesOf(t)),
          workers: ofRole('worker')
            .filter((p) => serves(p, t.id))
            .map(idOf),
          reputers: ofRole('reputer')
            .filter((p) => serves(p, t.id))
            .map(idOf),
        })),
      })
    const cluster = new LocalCluster(topics, groundTruth, genesis, options, planned, faucet)
    try {
      if (options.resume !== undefined)
        cluster.networkFiles = { genesis: options.resume.genesisPath, faucetKey: options.resume.faucetKey }
      else if (options.networkDir !== undefined)
        cluster.networkFiles = await writeNetworkFiles(options.networkDir, genesis, faucet, planned)
      for (const p of planned) {
        if (options.signal?.aborted === true) throw new ClusterStartAborted('the cluster start was aborted')
        if (p.spec.start !== false) await cluster.startMember(p)
      }
      if (options.signal?.aborted === true) throw new ClusterStartAborted('the cluster start was aborted')
    } catch (err) {
      await cluster.stop()
      throw err
    }
    cluster.startedAtMs = Date.now()
    return cluster
  }

  /** When the last member of the initial set had started. */
  startedAtMs = 0

  /**
   * The first epoch of a topic in which every member was up and a truth was known: the
   * epochs before it may lack workers (a slow start) and say nothing about the network.
   */
  firstFullEpoch(topicId: string): number {
    const t = this.topics.find((x) => x.config.id === topicId)
    if (t === undefined) throw new Error(`unknown topic ${topicId}`)
    return Math.max(t.config.groundTruthLag, t.clock.epochAt(this.startedAtMs) + 1)
  }

  /** Start (or restart, with the same key and data dir) a planned member. */
  async startMember(p: Planned): Promise<ClusterMember> {
    const participant = toHex(p.identity.publicKey)
    const clock = p.spec.chaos?.clock
    // A member with a clock of its own sees every topic's epochs by it.
    const runtimes =
      clock === undefined
        ? this.topics
        : this.topics.map((t) => ({
            config: t.config,
            clock: new EpochClock(t.clock.genesisMs, t.clock.epochMs, clock),
          }))
    const topics = runtimes.filter((t) => p.spec.topics === undefined || p.spec.topics.includes(t.config.id))
    const models = new Map<string, WorkerModel>()
    let modelName: string | undefined
    if (p.spec.role === 'worker') {
      const specs = this.options.models ?? DEFAULT_POPULATION
      for (const t of topics) {
        const model = createModel(p.spec.model ?? specs[p.index % specs.length], {
          groundTruth: this.groundTruth.get(t.config.id),
        })
        modelName = model.name
        models.set(t.config.id, model)
      }
    }
    const consensus: ConsensusOptions = {
      genesis: this.genesis,
      dataDir: this.options.dataDir === undefined ? undefined : join(this.options.dataDir, participant.slice(0, 16)),
      timeouts: this.options.timeouts,
      ...(clock === undefined ? {} : { clock }),
    }
    const node = await this.createNode(participant, {
      role: p.spec.role,
      topics: runtimes,
      serves: p.spec.topics,
      groundTruth: this.groundTruth,
      models,
      consensus,
      byzantine: p.spec.byzantine,
      p2p: {
        chainId: this.genesis.chainId,
        identity: p.identity,
        ...LOOPBACK_TUNING,
        verifiedCache: processVerified,
        ...(p.spec.chaos?.faults === undefined ? {} : { faults: p.spec.chaos.faults }),
      },
    })
    // Every member dials every coordinator up (the committee is what `chorus node` bootstraps
    // to), and the member started last: a network whose peers all hang off one node falls
    // apart when that node does.
    const peers = [...this.coordinators(), this.members.at(-1)].filter((m): m is ClusterMember => m !== undefined)
    // A member that a chaos run keeps cut off from a peer does not dial it: its fault layer
    // dials it again when the cut heals.
    // One peer reached is enough to join (gossip finds the rest); only a member that reaches
    // none of them fails to start.
    const cut = (peer: ClusterMember): boolean => p.spec.chaos?.faults?.isCut(peer.node.node.peerId) === true
    const targets = [...new Set(peers)].filter((peer) => !cut(peer))
    const dials = await Promise.allSettled(
      targets.map((peer) => node.node.dial(peer.node.node.multiaddrs()[0], { keepAlive: true })),
    )
    // A cut that began while the dials were under way refused them: the fault layer dials again
    // when it heals, so only a failure no cut explains, with no dial through, fails the start.
    const failed = dials.filter((d, i): d is PromiseRejectedResult => d.status === 'rejected' && !cut(targets[i]))
    if (failed.length > 0 && !dials.some((d) => d.status === 'fulfilled')) {
      await node.stop()
      throw failed[0].reason
    }
    node.start()
    if (this.options.log !== undefined) {
      const n = 1 + this.planned.filter((q) => q.spec.role === p.spec.role).indexOf(p)
      logNode(node, this.options.log.child({ node: `${p.spec.role}-${n}` }))
    }
    const member: ClusterMember = { role: p.spec.role, node, model: modelName, identity: p.identity, spec: p.spec }
    this.members.push(member)
    this.observe(member)
    if (p.spec.role === 'coordinator') this.commits.watch(participant, node.driver)
    return member
  }

  /** A member's node, on the port it had before when it restarts (any port if that one is taken now). */
  private async createNode(participant: string, options: RoleNodeOptions): Promise<RoleNode> {
    const port = this.ports.get(participant)
    let node: RoleNode | undefined
    if (port !== undefined)
      node = await RoleNode.create({
        ...options,
        p2p: { ...options.p2p, listen: [`/ip4/127.0.0.1/tcp/${port}`] },
      }).catch(() => undefined)
    node ??= await RoleNode.create(options)
    const listening = node.node.multiaddrs()[0]?.match(/\/tcp\/(\d+)/)?.[1]
    if (listening !== undefined) this.ports.set(participant, listening)
    return node
  }

  /** The first coordinator started reports decisions and commits for the whole cluster. */
  private observe(member: ClusterMember): void {
    if (member.role !== 'coordinator' || this.members.filter((m) => m.role === 'coordinator').length !== 1) return
    member.node.driver.events.on('commit', (commit) => {
      // Decisions first: a listener that ends a run on a commit has heard every decision in it.
      for (const t of this.topics) for (const d of decisionsOfBlock(commit.block, t.config.id)) this.emit(d)
      this.events.emit('commit', commit)
    })
  }

  private emit(decision: EpochDecision): void {
    this.events.emit('decision', decision)
  }

  /** Stop one member (e.g. to test that epochs go on without it). */
  async removeMember(member: ClusterMember): Promise<void> {
    const i = this.members.indexOf(member)
    if (i >= 0) this.members.splice(i, 1)
    await member.node.stop()
  }

  /** Restart a stopped member with its key (and, for a coordinator, its data dir). */
  async restartMember(member: Pick<ClusterMember, 'identity' | 'spec'>): Promise<ClusterMember> {
    const p = this.planned.find((x) => x.identity === member.identity) ?? {
      spec: member.spec,
      identity: member.identity,
      index: 0,
    }
    return this.startMember(p)
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.node.stop()))
    for (const truth of this.groundTruth.values()) await truth.close?.()
  }
}

/** The network as `chorus init` lays it out (genesis, a key per member, the faucet), to run it again. */
async function writeNetworkFiles(
  dir: string,
  genesis: Genesis,
  faucet: NodeIdentity,
  planned: readonly Planned[],
): Promise<{ readonly genesis: string; readonly faucetKey: string }> {
  const files = { genesis: join(dir, 'genesis.json'), faucetKey: join(dir, 'keys', 'faucet.key') }
  await mkdir(dir, { recursive: true })
  await writeFile(files.genesis, `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`)
  await saveIdentity(files.faucetKey, faucet)
  const counts = new Map<Role, number>()
  for (const p of planned) {
    const n = (counts.get(p.spec.role) ?? 0) + 1
    counts.set(p.spec.role, n)
    await saveIdentity(join(dir, 'keys', `${p.spec.role}-${n}.key`), p.identity)
  }
  return files
}
