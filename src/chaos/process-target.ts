/**
 * A chaos target whose nodes are `chorus node` processes (`--mode process`): a crash is a
 * SIGKILL, a pause SIGSTOP and SIGCONT, a restart a new process on the same key and data dir.
 * Each child is driven over its IPC channel (src/node/chaos-control.ts): its fault layer, its
 * clock, questions about its store and ledger; it reports its commits there. A node that comes
 * back gets the faults of the run that still concern it again.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeProcess, nodeArgs, startNetwork } from '../cluster/node-process.js'
import type { ChaosAnswer } from '../node/chaos-control.js'
import { writeNetwork, type NetworkFiles, type NetworkKey } from '../node/network-files.js'
import type { Observation } from '../node/observations.js'
import { type LinkConditions, peerIdOfParticipant } from '../p2p/index.js'
import { hash32 } from '../roles/prng.js'
import { DEFAULT_POPULATION } from '../roles/simulation.js'
import type { TopicConfig } from '../topic/config.js'
import { EpochClock } from '../topic/epoch-clock.js'
import { genesisHoldings, parseHoldings } from './holdings.js'
import { nodeNames, roleOfName, type ClusterShape } from './scenario.js'
import type { NetnsNetwork } from './netns.js'
import type { ChaosTarget, FaultLevel, Holding, TargetStats } from './target.js'

export interface ProcessTargetOptions {
  readonly shape: ClusterShape
  readonly topic: TopicConfig
  readonly seed: number
  /** The command that runs the chorus CLI: [executable, ...arguments before the subcommand]. */
  readonly cli: readonly string[]
  readonly onChildError?: (name: string, line: string) => void
  /** Run each node in a network namespace of its own, partitions by nftables (the netns level). */
  readonly netns?: NetnsNetwork
}

/** How long a node may take to answer the run (a paused one does not answer until resumed). */
const ANSWER_TIMEOUT_MS = 10_000

interface Slot {
  readonly name: string
  readonly key: NetworkKey
  readonly args: readonly string[]
  process: NodeProcess | undefined
  /** The port it first listened on: it comes back there, so its peers' redials find it. */
  port: string | undefined
  /** What the run has set on this node, replayed when it comes back. */
  readonly cut: Set<string>
  readonly links: Map<string, LinkConditions>
  skewMs: number
  /** Counters of its earlier processes (a restart starts them at zero); a crash loses them. */
  readonly past: { rejected: Record<string, number>; faults: Record<string, number> }
}

export class ProcessTarget implements ChaosTarget {
  readonly mode = 'process' as const
  private readonly listeners: ((o: Observation) => void)[] = []
  private readonly pending = new Map<number, (a: ChaosAnswer) => void>()
  private seq = 0
  firstEpoch = 0

  private constructor(
    private readonly o: ProcessTargetOptions,
    private readonly files: NetworkFiles,
    private readonly slots: ReadonlyMap<string, Slot>,
    private readonly models: ReadonlyMap<string, string>,
  ) {}

  static async start(o: ProcessTargetOptions): Promise<ProcessTarget> {
    const dir = await mkdtemp(join(tmpdir(), 'chorus-chaos-'))
    const names = nodeNames(o.shape)
    const files = await writeNetwork({
      dir,
      coordinators: o.shape.coordinators,
      workers: o.shape.workers,
      reputers: o.shape.reputers,
      topics: [o.topic],
      chainId: `chorus-chaos-${o.seed}`,
      // Time for every process to start before epoch 0 (about a second of CPU each, from source).
      genesisTime: Date.now() + 3000 + 600 * names.length,
    })
    const firstHonestWorker = names.find((n) => roleOfName(n) === 'worker' && !o.shape.byzantine.has(n))
    const models = new Map<string, string>()
    const slots = new Map<string, Slot>()
    for (const name of names) {
      const key = files.keys.find((k) => `${k.role}-${k.index}` === name) as NetworkKey
      const byzantine = o.shape.byzantine.get(name)
      const modelFrom = byzantine !== undefined && firstHonestWorker !== undefined ? firstHonestWorker : name
      const model =
        key.role === 'worker'
          ? DEFAULT_POPULATION[(Number(modelFrom.slice('worker-'.length)) - 1) % DEFAULT_POPULATION.length]
          : undefined
      if (typeof model === 'string') models.set(name, model)
      const args = nodeArgs({
        genesisPath: files.genesisPath,
        role: roleOfName(name),
        keyFile: key.file,
        dataDir: join(dir, 'nodes', name),
        ...(typeof model === 'string' ? { model } : {}),
        ...(byzantine === undefined ? {} : { byzantine }),
      })
      slots.set(name, {
        name,
        key,
        args,
        process: undefined,
        port: undefined,
        cut: new Set(),
        links: new Map(),
        skewMs: 0,
        past: { rejected: {}, faults: {} },
      })
    }
    const target = new ProcessTarget(o, files, slots, models)
    try {
      await startNetwork(
        [...slots.values()].map((slot) => ({ slot, isCoordinator: slot.key.role === 'coordinator' })),
        async ({ slot }, bootstrap) => (await target.spawn(slot, bootstrap)).addrs,
      )
    } catch (err) {
      await target.stop()
      throw err
    }
    const clock = new EpochClock(files.genesis.genesisTime as number, o.topic.epochMs)
    await target.present(clock)
    target.firstEpoch = Math.max(o.topic.groundTruthLag, clock.epochAt(Date.now()) + 1)
    return target
  }

  /**
   * Wait until the chain commits the present epochs: processes that took long to start leave a
   * backlog the first blocks commit at once, and a run counts from the present, not from those.
   */
  private present(clock: EpochClock): Promise<void> {
    return new Promise((resolve) => {
      let done = false
      const timer = setTimeout(finish, 30 * this.o.topic.epochMs + 30_000)
      function finish(): void {
        done = true
        clearTimeout(timer)
        resolve()
      }
      this.onObservation((o) => {
        if (done || o.type !== 'commit') return
        const latest = Math.max(...o.topicEpochs.map((e) => e.epoch))
        if (latest >= clock.epochAt(Date.now()) - 2) finish()
      })
    })
  }

  get level(): FaultLevel {
    return this.o.netns === undefined ? 'libp2p' : 'netns'
  }

  get genesisMs(): number {
    return this.files.genesis.genesisTime as number
  }
  get epochMs(): number {
    return this.o.topic.epochMs
  }
  get submissionWindowMs(): number {
    return this.o.topic.submissionWindowMs
  }
  get topicIds(): readonly string[] {
    return [this.o.topic.id]
  }
  get names(): readonly string[] {
    return [...this.slots.keys()]
  }
  get chainId(): string {
    return this.files.genesis.chainId
  }

  participantOf(name: string): string {
    return this.slot(name).key.participantId
  }
  modelOf(name: string): string | undefined {
    return this.models.get(name)
  }
  onObservation(listener: (o: Observation) => void): void {
    this.listeners.push(listener)
  }

  async crash(name: string): Promise<void> {
    const slot = this.slot(name)
    const child = slot.process
    if (child === undefined) return
    slot.process = undefined
    const exited = new Promise<void>((resolve) => child.events.once('exit', () => resolve()))
    child.kill('SIGKILL')
    await exited
  }

  async stopNode(name: string): Promise<void> {
    const slot = this.slot(name)
    const child = slot.process
    if (child === undefined) return
    const stats = (await this.ask(slot, { type: 'chaos-query', what: 'stats' }).catch(() => undefined)) as
      | { rejected: Record<string, number>; faults: Record<string, number> }
      | undefined
    if (stats !== undefined) {
      addInto(slot.past.rejected, stats.rejected)
      addInto(slot.past.faults, stats.faults)
    }
    slot.process = undefined
    await child.stop()
  }

  async startNode(name: string): Promise<void> {
    const slot = this.slot(name)
    if (slot.process !== undefined) return
    await this.spawn(slot)
    // What the run set on this node before it went down still holds.
    if (slot.cut.size > 0) await this.faults(slot, { op: 'cut', peers: [...slot.cut] })
    for (const [peer, conditions] of slot.links) await this.faults(slot, { op: 'link', peer, conditions })
    if (slot.skewMs !== 0) await this.ask(slot, { type: 'chaos-clock', offsetMs: slot.skewMs })
  }

  async pause(name: string): Promise<void> {
    this.slot(name).process?.kill('SIGSTOP')
  }

  async resume(name: string): Promise<void> {
    this.slot(name).process?.kill('SIGCONT')
  }

  async cut(a: string, b: string): Promise<void> {
    if (this.o.netns !== undefined) return this.o.netns.cut(a, b)
    await this.bothWays(a, b, (slot, peer) => {
      slot.cut.add(peer)
      return { op: 'cut', peers: [peer] }
    })
  }

  async heal(a: string, b: string): Promise<void> {
    if (this.o.netns !== undefined) return this.o.netns.heal(a, b)
    await this.bothWays(a, b, (slot, peer) => {
      slot.cut.delete(peer)
      return { op: 'heal', peers: [peer] }
    })
  }

  async setLink(a: string, b: string, conditions: LinkConditions | null): Promise<void> {
    await this.bothWays(a, b, (slot, peer) => {
      if (conditions === null) slot.links.delete(peer)
      else slot.links.set(peer, conditions)
      return { op: 'link', peer, conditions }
    })
  }

  /**
   * A link change on both of its ends: `record` notes it on the node's slot (replayed when the
   * node comes back) and returns the fault command a running node gets now.
   */
  private async bothWays(a: string, b: string, record: (slot: Slot, peer: string) => unknown): Promise<void> {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ]) {
      const slot = this.slot(from)
      const command = record(slot, this.peerOf(to))
      if (slot.process !== undefined) await this.faults(slot, command)
    }
  }

  async skewClock(name: string, offsetMs: number): Promise<void> {
    const slot = this.slot(name)
    slot.skewMs = offsetMs
    if (slot.process !== undefined) await this.ask(slot, { type: 'chaos-clock', offsetMs })
  }

  async storedHashes(name: string, heights: readonly number[]): Promise<Map<number, string | undefined>> {
    const answer = (await this.ask(this.slot(name), { type: 'chaos-query', what: 'stored', heights })) as Record<
      string,
      string | null
    >
    return new Map(heights.map((h) => [h, answer[String(h)] ?? undefined]))
  }

  async holdings(name: string, ids: readonly string[]): Promise<Map<string, Holding>> {
    return parseHoldings(await this.ask(this.slot(name), { type: 'chaos-query', what: 'holdings', ids }))
  }

  genesisHoldings(ids: readonly string[]): Map<string, Holding> {
    return genesisHoldings(this.files.genesis, ids)
  }

  isUp(name: string): boolean {
    return this.slot(name).process !== undefined
  }

  bootstrap(): string[] {
    return [...this.slots.values()].filter((s) => s.key.role === 'coordinator').flatMap((s) => s.process?.addrs ?? [])
  }

  async stats(): Promise<TargetStats> {
    const rejected: Record<string, number> = {}
    const faults: Record<string, number> = {}
    for (const slot of this.slots.values()) {
      addInto(faults, slot.past.faults)
      if (!this.o.shape.byzantine.has(slot.name)) addInto(rejected, slot.past.rejected)
      if (slot.process === undefined) continue
      const now = (await this.ask(slot, { type: 'chaos-query', what: 'stats' }).catch(() => undefined)) as
        | { rejected: Record<string, number>; faults: Record<string, number> }
        | undefined
      if (now === undefined) continue
      addInto(faults, now.faults)
      if (!this.o.shape.byzantine.has(slot.name)) addInto(rejected, now.rejected)
    }
    for (const k of Object.keys(rejected)) if (k.startsWith('accept:')) delete rejected[k]
    return { rejected, faults }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.slots.values()].map((s) => s.process?.stop()))
    await this.o.netns?.destroy()
    await rm(this.files.dir, { recursive: true, force: true })
  }

  /**
   * Start a node process; a node that comes back dials every coordinator up, and listens on
   * its former port (on a fresh one if that is taken now).
   */
  private async spawn(slot: Slot, bootstrap: readonly string[] = this.bootstrap()): Promise<NodeProcess> {
    if (slot.port !== undefined) {
      const again = await this.spawnOn(slot, slot.port, bootstrap).catch(() => undefined)
      if (again !== undefined) return again
    }
    const node = await this.spawnOn(slot, '0', bootstrap)
    slot.port = node.addrs[0]?.match(/\/tcp\/(\d+)/)?.[1]
    return node
  }

  private async spawnOn(slot: Slot, port: string, bootstrap: readonly string[]): Promise<NodeProcess> {
    const netns = this.o.netns
    const host = netns === undefined ? '127.0.0.1' : netns.ipOf(slot.name)
    const { node, up } = NodeProcess.start({
      name: slot.name,
      cli: netns === undefined ? this.o.cli : netns.wrap(slot.name, this.o.cli),
      args: [...slot.args, '--listen', `/ip4/${host}/tcp/${port}`, ...bootstrap.flatMap((a) => ['--bootstrap', a])],
      env: { CHORUS_CHAOS_SEED: String(hash32(this.o.seed, slot.name)), CHORUS_CHAOS_NAME: slot.name },
      ipc: true,
    })
    node.events.on('stderr', (line) => this.o.onChildError?.(slot.name, line))
    node.events.on('message', (m) => this.onMessage(m))
    slot.process = node
    try {
      await up
    } catch (err) {
      slot.process = undefined
      await node.stop()
      throw err
    }
    return node
  }

  private onMessage(m: unknown): void {
    if (typeof m !== 'object' || m === null) return
    const message = m as { type?: string; seq?: number; observation?: Observation; ok?: boolean; error?: string }
    if (message.type === 'chaos-observation' && message.observation !== undefined)
      for (const l of this.listeners) l(message.observation)
    else if ((message.type === 'chaos-answer' || message.type === 'chaos-faults-ack') && message.seq !== undefined)
      this.pending.get(message.seq)?.(message as ChaosAnswer)
  }

  private async faults(slot: Slot, command: unknown): Promise<void> {
    await this.ask(slot, { type: 'chaos-faults', command })
  }

  /** Send a message to a node and wait for its answer. */
  private ask(slot: Slot, message: Record<string, unknown>): Promise<unknown> {
    const child = slot.process
    if (child === undefined) return Promise.reject(new Error(`node ${slot.name} is not running`))
    const seq = ++this.seq
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq)
        reject(new Error(`node ${slot.name} did not answer ${String(message.type)} within ${ANSWER_TIMEOUT_MS} ms`))
      }, ANSWER_TIMEOUT_MS)
      this.pending.set(seq, (answer) => {
        clearTimeout(timer)
        this.pending.delete(seq)
        if (answer.ok) resolve(answer.value)
        else reject(new Error(`node ${slot.name}: ${answer.error ?? 'refused'}`))
      })
      if (!child.send({ ...message, seq })) {
        clearTimeout(timer)
        this.pending.delete(seq)
        reject(new Error(`node ${slot.name} has no IPC channel`))
      }
    })
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name)
    if (slot === undefined) throw new Error(`no node "${name}" in this cluster`)
    return slot
  }

  private peerOf(name: string): string {
    return peerIdOfParticipant(this.participantOf(name))
  }
}

function addInto(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
}
