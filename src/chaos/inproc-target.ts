/**
 * A chaos target whose nodes live in this process (a LocalCluster): each member is built with
 * a fault layer of its own and a clock the run can skew; a crash drops the node object and a
 * restart builds it again from its data dir.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ByzantineFault } from '../adversary/faults.js'
import { LocalCluster, type ClusterMember, type MemberSpec } from '../cluster/local-cluster.js'
import { generateIdentity, NetworkFaults, peerIdOfParticipant, type NodeIdentity } from '../p2p/index.js'
import { hash32 } from '../roles/prng.js'
import { DEFAULT_POPULATION } from '../roles/simulation.js'
import type { TopicConfig } from '../topic/config.js'
import { toHex } from '../wire/index.js'
import { answerQuery, observe } from '../node/chaos-control.js'
import type { Observation } from '../node/observations.js'
import { genesisHoldings, parseHoldings } from './holdings.js'
import { nodeNames, roleOfName, type ClusterShape, type LinkConditions } from './scenario.js'
import type { ChaosTarget, Holding, TargetStats } from './target.js'

export interface InprocTargetOptions {
  readonly shape: ClusterShape
  readonly topic: TopicConfig
  readonly seed: number
  /** Time from start to epoch 0. @default 2000 */
  readonly startDelayMs?: number
}

interface Slot {
  readonly name: string
  readonly identity: NodeIdentity
  readonly faults: NetworkFaults
  member: ClusterMember | undefined
  /** Counters of the node objects this slot had before (a restart starts them at zero). */
  readonly pastRejected: Map<string, number>
}

export class InprocTarget implements ChaosTarget {
  readonly mode = 'inproc' as const
  readonly level = 'libp2p' as const
  private readonly listeners: ((o: Observation) => void)[] = []

  private constructor(
    private readonly cluster: LocalCluster,
    private readonly slots: ReadonlyMap<string, Slot>,
    private readonly dataDir: string,
    private readonly byzantine: ReadonlyMap<string, ByzantineFault>,
    private readonly models: ReadonlyMap<string, string>,
    /** Clock offset of each node, read by its clock on every call. */
    private readonly offsets: Map<string, number>,
  ) {
    for (const slot of slots.values()) if (slot.member !== undefined) this.watch(slot, slot.member)
  }

  static async start(o: InprocTargetOptions): Promise<InprocTarget> {
    const names = nodeNames(o.shape)
    const dataDir = await mkdtemp(join(tmpdir(), 'chorus-chaos-'))
    const offsets = new Map<string, number>()
    const slots = new Map<string, Slot>()
    const specs: MemberSpec[] = []
    const models = new Map<string, string>()
    const firstHonestWorker = names.find((n) => roleOfName(n) === 'worker' && !o.shape.byzantine.has(n))
    for (const name of names) {
      const identity = await generateIdentity()
      const faults = new NetworkFaults({ seed: hash32(o.seed, name) })
      slots.set(name, { name, identity, faults, member: undefined, pastRejected: new Map() })
      const role = roleOfName(name)
      const byzantine = o.shape.byzantine.get(name)
      // A Byzantine worker runs the model of the first honest worker, so their earnings compare.
      const modelOf = (worker: string): (typeof DEFAULT_POPULATION)[number] =>
        DEFAULT_POPULATION[(Number(worker.slice('worker-'.length)) - 1) % DEFAULT_POPULATION.length]
      const model =
        role !== 'worker'
          ? undefined
          : modelOf(byzantine !== undefined && firstHonestWorker !== undefined ? firstHonestWorker : name)
      specs.push({
        role,
        identity,
        ...(model === undefined ? {} : { model }),
        ...(byzantine === undefined ? {} : { byzantine }),
        chaos: { faults, clock: () => Date.now() + (offsets.get(name) ?? 0) },
      })
    }
    let cluster: LocalCluster | undefined
    try {
      cluster = await LocalCluster.start({
        topics: [o.topic],
        coordinators: 0,
        workers: 0,
        reputers: 0,
        extraMembers: specs,
        dataDir,
        startDelayMs: o.startDelayMs ?? 2000,
        chainId: `chorus-chaos-${o.seed}`,
      })
    } catch (err) {
      await rm(dataDir, { recursive: true, force: true })
      throw err
    }
    for (const m of cluster.members) {
      const slot = [...slots.values()].find((s) => s.identity === m.identity)
      if (slot !== undefined) {
        slot.member = m
        if (m.model !== undefined) models.set(slot.name, m.model)
      }
    }
    return new InprocTarget(cluster, slots, dataDir, o.shape.byzantine, models, offsets)
  }

  get genesisMs(): number {
    return this.cluster.topics[0].clock.genesisMs
  }
  get firstEpoch(): number {
    return this.cluster.firstFullEpoch(this.topicIds[0])
  }
  get epochMs(): number {
    return this.cluster.topics[0].config.epochMs
  }
  get submissionWindowMs(): number {
    return this.cluster.topics[0].config.submissionWindowMs
  }
  get topicIds(): readonly string[] {
    return this.cluster.topics.map((t) => t.config.id)
  }
  get names(): readonly string[] {
    return [...this.slots.keys()]
  }
  get chainId(): string {
    return this.cluster.genesis.chainId
  }

  participantOf(name: string): string {
    return toHex(this.slot(name).identity.publicKey)
  }
  modelOf(name: string): string | undefined {
    return this.models.get(name)
  }
  onObservation(listener: (o: Observation) => void): void {
    this.listeners.push(listener)
  }

  async crash(name: string): Promise<void> {
    await this.stopNode(name)
  }

  async stopNode(name: string): Promise<void> {
    const slot = this.slot(name)
    const member = slot.member
    if (member === undefined) return
    slot.member = undefined
    for (const [k, v] of Object.entries(member.node.node.validator.counters.snapshot()))
      slot.pastRejected.set(k, (slot.pastRejected.get(k) ?? 0) + v)
    await this.cluster.removeMember(member)
  }

  async startNode(name: string): Promise<void> {
    const slot = this.slot(name)
    if (slot.member !== undefined) return
    const before = this.cluster.members.find((m) => m.identity === slot.identity)
    if (before !== undefined) return
    const member = await this.cluster.restartMember({
      identity: slot.identity,
      spec: { role: roleOfName(name), identity: slot.identity },
    })
    slot.member = member
    this.watch(slot, member)
  }

  async pause(name: string): Promise<void> {
    for (const other of this.names) if (other !== name) await this.cut(name, other)
  }

  async resume(name: string): Promise<void> {
    for (const other of this.names) if (other !== name) await this.heal(name, other)
  }

  async cut(a: string, b: string): Promise<void> {
    this.slot(a).faults.cut([this.peerOf(b)])
    this.slot(b).faults.cut([this.peerOf(a)])
  }

  async heal(a: string, b: string): Promise<void> {
    this.slot(a).faults.heal([this.peerOf(b)])
    this.slot(b).faults.heal([this.peerOf(a)])
    // The fault layers dial again the links the cut closed; a node that started while cut off
    // (a restart during a partition) never had that link, and listens on a new port: dial it.
    const [from, to] = [this.slot(a).member?.node.node, this.slot(b).member?.node.node]
    if (from !== undefined && to !== undefined && !from.connectedPeers().includes(to.peerId))
      await from.dial(to.multiaddrs()[0]).catch(() => {})
  }

  async setLink(a: string, b: string, conditions: LinkConditions | null): Promise<void> {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ])
      this.slot(from).faults.setLink(this.peerOf(to), conditions)
  }

  async skewClock(name: string, offsetMs: number): Promise<void> {
    this.slot(name)
    this.offsets.set(name, offsetMs)
  }

  async storedHashes(name: string, heights: readonly number[]): Promise<Map<number, string | undefined>> {
    const member = this.running(name)
    return new Map(
      heights.map((h) => {
        const stored = member.node.driver.storedBlock(h)
        return [h, stored === undefined ? undefined : toHex(stored.hash)]
      }),
    )
  }

  async holdings(name: string, ids: readonly string[]): Promise<Map<string, Holding>> {
    const slot = this.slot(name)
    return parseHoldings(answerQuery(this.running(name).node, slot.faults, { what: 'holdings', ids }))
  }

  genesisHoldings(ids: readonly string[]): Map<string, Holding> {
    return genesisHoldings(this.cluster.genesis, ids)
  }

  isUp(name: string): boolean {
    return this.slot(name).member !== undefined
  }

  bootstrap(): string[] {
    return this.cluster.bootstrapAddrs()
  }

  async stats(): Promise<TargetStats> {
    const rejected: Record<string, number> = {}
    const faults: Record<string, number> = {}
    const add = (into: Record<string, number>, k: string, v: number): void => {
      into[k] = (into[k] ?? 0) + v
    }
    for (const slot of this.slots.values()) {
      for (const [k, v] of Object.entries(slot.faults.stats())) add(faults, k, v)
      if (this.byzantine.has(slot.name)) continue
      const live = slot.member?.node.node.validator.counters.snapshot() ?? {}
      for (const [k, v] of [...slot.pastRejected, ...Object.entries(live)])
        if (!k.startsWith('accept:')) add(rejected, k, v)
    }
    return { rejected, faults }
  }

  async stop(): Promise<void> {
    try {
      await this.cluster.stop()
    } finally {
      await rm(this.dataDir, { recursive: true, force: true })
    }
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name)
    if (slot === undefined) throw new Error(`no node "${name}" in this cluster`)
    return slot
  }

  private running(name: string): ClusterMember {
    const member = this.slot(name).member
    if (member === undefined) throw new Error(`node ${name} is not running`)
    return member
  }

  private peerOf(name: string): string {
    return peerIdOfParticipant(this.participantOf(name))
  }

  private emit(o: Observation): void {
    for (const l of this.listeners) l(o)
  }

  private watch(slot: Slot, member: ClusterMember): void {
    observe(member.node, slot.name, (o) => this.emit(o))
  }
}
