/**
 * A local cluster in which every node is a `chorus node` process of its own: the network is
 * written to disk (genesis and keys, as `chorus init` writes it), the coordinators start one
 * after another, each dialling those before it, then every other node at once, dialling every
 * coordinator. This process follows the chain with a node of its own,
 * which reports the decisions and commits. A child stops when this process stops, or when
 * it goes away by any means: the child's stdin is a pipe whose end this process holds.
 */
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { checkConservation } from '../consensus/ledger/index.js'
import { loadNetworkGenesis } from '../node/genesis-file.js'
import { readNetwork, writeNetwork, type NetworkFiles, type NetworkKey } from '../node/network-files.js'
import { RoleNode } from '../node/role-node.js'
import { generateIdentity, LOOPBACK_TUNING } from '../p2p/index.js'
import { decisionsOfBlock } from '../roles/decisions.js'
import { createGroundTruth } from '../roles/ground-truth/registry.js'
import type { ModelSpec } from '../roles/models/registry.js'
import type { GroundTruthSource } from '../roles/plugins.js'
import { DEFAULT_POPULATION } from '../roles/simulation.js'
import type { TopicConfig } from '../topic/config.js'
import { EpochClock } from '../topic/epoch-clock.js'
import type { TopicRuntime } from '../topic/windows.js'
import type { ClusterEvents } from './local-cluster.js'
import { NodeProcess, nodeArgs, startNetwork } from './node-process.js'
import { ByzantineFaultError, checkFaultForRole, type ByzantineFault } from '../adversary/index.js'

export interface ProcessClusterOptions {
  readonly topics: readonly TopicConfig[]
  readonly coordinators: number
  readonly workers: number
  readonly reputers: number
  readonly models?: readonly ModelSpec[]
  /** The network's files and every node's store. */
  readonly dir: string
  /** The command that runs the chorus CLI: [executable, ...arguments before the subcommand]. */
  readonly cli: readonly string[]
  /** Where relative paths of ground-truth specs are resolved. */
  readonly baseDir: string
  readonly signal?: AbortSignal
  /** Lines a child prints on stderr (for diagnosis). */
  readonly onChildError?: (name: string, line: string) => void
  /** @default 30000 */
  readonly startTimeoutMs?: number
  /** The first coordinator serves the consumer API here (`HOST:PORT`). @default none */
  readonly api?: string
  /** Byzantine nodes by name (`worker-2`: role and index of its key), each with a fault of its role. @default none */
  readonly byzantine?: ReadonlyMap<string, ByzantineFault>
  /** The nodes' structured logs: a level, and one file for all (else each its own, in its data dir). @default silent */
  readonly log?: { readonly level: string; readonly file?: string }
}

interface Child {
  readonly name: string
  readonly key: NetworkKey
  readonly process: NodeProcess
  readonly model?: string
  /** Block hash per height, as the child reported them. */
  readonly hashes: Map<number, string>
  /** When the child committed each height (ms since the Unix epoch). */
  readonly committedAt: Map<number, number>
}

/** Every Byzantine node named is a node of the network, with a fault of its role. */
function checkByzantine(files: NetworkFiles, byzantine: ReadonlyMap<string, ByzantineFault> | undefined): void {
  const roles = new Map(files.keys.flatMap((k) => (k.role === 'faucet' ? [] : [[`${k.role}-${k.index}`, k.role]])))
  for (const [name, fault] of byzantine ?? []) {
    const role = roles.get(name)
    if (role === undefined)
      throw new ProcessClusterError(
        `byzantine: no node "${name}" in this network (nodes: ${[...roles.keys()].join(', ')})`,
      )
    try {
      checkFaultForRole(role, fault)
    } catch (err) {
      throw err instanceof ByzantineFaultError ? new ProcessClusterError(`byzantine: ${name}: ${err.message}`) : err
    }
  }
}

/** A child did not come up (exited, or printed no address in time). */
export class ProcessClusterError extends Error {
  override readonly name = 'ProcessClusterError'
}

export class ProcessCluster {
  readonly events = new EventEmitter<ClusterEvents>()
  /** (topic, epoch) pairs committed. */
  readonly committedEpochs = new Set<string>()
  conservation = true
  startedAtMs = 0
  /** The consumer API of the first coordinator, when `api` was given. */
  apiUrl: string | undefined
  private readonly children: Child[] = []
  private observer: RoleNode | undefined
  private stopping: Promise<void> | undefined

  private constructor(
    readonly files: NetworkFiles,
    readonly topics: readonly TopicRuntime[],
    readonly groundTruth: ReadonlyMap<string, GroundTruthSource>,
    private readonly options: ProcessClusterOptions,
  ) {}

  static async start(options: ProcessClusterOptions): Promise<ProcessCluster> {
    // Time for every process to start before epoch 0 (about a second of CPU each, from source).
    const nodes = options.coordinators + options.workers + options.reputers
    // A directory holding a network already: run that network again (its nodes resume from their stores).
    const files = existsSync(join(options.dir, 'genesis.json'))
      ? await readNetwork(options.dir)
      : await writeNetwork({
          dir: options.dir,
          coordinators: options.coordinators,
          workers: options.workers,
          reputers: options.reputers,
          topics: options.topics,
          chainId: 'chorus-local',
          genesisTime: Date.now() + 3000 + 600 * nodes,
        })
    checkByzantine(files, options.byzantine)
    const genesisTime = files.genesis.genesisTime as number
    // The genesis says which topics run (on a network run again, not the options).
    const configs = (await loadNetworkGenesis({ from: files.genesisPath, cwd: options.dir })).topics
    const topics = configs.map((config) => ({ config, clock: new EpochClock(genesisTime, config.epochMs) }))
    const groundTruth = new Map<string, GroundTruthSource>()
    for (const t of configs) groundTruth.set(t.id, await createGroundTruth(t.groundTruth, { baseDir: options.baseDir }))
    const cluster = new ProcessCluster(files, topics, groundTruth, options)
    try {
      await cluster.startAll()
    } catch (err) {
      await cluster.stop()
      throw err
    }
    cluster.startedAtMs = Date.now()
    return cluster
  }

  private async startAll(): Promise<void> {
    const models = this.options.models ?? DEFAULT_POPULATION
    const nodes = this.files.keys
      .filter((k) => k.role !== 'faucet')
      .map((key, i) => ({
        key,
        isCoordinator: key.role === 'coordinator',
        // The first coordinator serves the API.
        api: i === 0 ? this.options.api : undefined,
        model: key.role === 'worker' ? models[(key.index - 1) % models.length] : undefined,
      }))
    await startNetwork(
      nodes,
      async (n, bootstrap) => (await this.spawnNode(n.key, bootstrap, n.model, n.api)).addrs,
      () => this.abortIfAsked(),
    )
    this.abortIfAsked()
    await this.observe()
    await this.presentChain()
  }

  /**
   * Wait until the chain commits one epoch at a time again: nodes that took long to start
   * leave a backlog of epochs the first blocks commit without inferences, and a run counts
   * from the present, not from those.
   */
  private presentChain(): Promise<void> {
    const node = this.observer as RoleNode
    const longest = Math.max(...this.topics.map((t) => t.config.epochMs))
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        node.driver.events.off('commit', onCommit)
        resolve()
      }
      const onCommit = (c: { block: { timeMs: number; topicEpochs: readonly { topicId: string }[] } }): void => {
        const perTopic = new Set(c.block.topicEpochs.map((e) => e.topicId)).size
        if (c.block.topicEpochs.length === perTopic && c.block.timeMs >= Date.now() - 2 * longest) done()
      }
      // A chain that never gets there is the run's to report, not the start's.
      const timer = setTimeout(done, 30 * longest + 30_000)
      node.driver.events.on('commit', onCommit)
      this.options.signal?.addEventListener('abort', done, { once: true })
    })
  }

  private abortIfAsked(): void {
    if (this.options.signal?.aborted === true) throw new ProcessClusterError('the cluster start was aborted')
  }

  /** The coordinators' addresses: where every node (and a joiner) bootstraps. */
  bootstrap(): string[] {
    return this.children.filter((c) => c.key.role === 'coordinator').flatMap((c) => c.process.addrs)
  }

  /** The model of a worker, by participant id. */
  modelOf(participantId: string): string | undefined {
    return this.children.find((c) => c.key.participantId === participantId)?.model
  }

  /** Process ids of the running nodes (for tests that check none is left behind). */
  pids(): number[] {
    return this.children.flatMap((c) => (c.process.pid === undefined ? [] : [c.process.pid]))
  }

  firstFullEpoch(topicId: string): number {
    const t = this.topics.find((x) => x.config.id === topicId)
    if (t === undefined) throw new Error(`unknown topic ${topicId}`)
    return Math.max(t.config.groundTruthLag, t.clock.epochAt(this.startedAtMs) + 1)
  }

  /** When the last coordinator committed `height` (ms since the Unix epoch), if all did. */
  committedByAll(height: number): number | undefined {
    const coordinators = this.children.filter((c) => c.key.role === 'coordinator')
    const times = coordinators.map((c) => c.committedAt.get(height))
    return times.every((t) => t !== undefined) ? Math.max(...(times as number[])) : undefined
  }

  /** Heights at which two nodes reported different block hashes. */
  forks(): number[] {
    const first = new Map<number, string>()
    const forks = new Set<number>()
    for (const c of this.children) {
      for (const [h, hash] of c.hashes) {
        const seen = first.get(h)
        if (seen === undefined) first.set(h, hash)
        else if (seen !== hash) forks.add(h)
      }
    }
    return [...forks].sort((a, b) => a - b)
  }

  private async spawnNode(
    key: NetworkKey,
    bootstrap: readonly string[],
    model?: ModelSpec,
    api?: string,
  ): Promise<NodeProcess> {
    const name = `${key.role}-${key.index}`
    const { node, up } = NodeProcess.start({
      name,
      cli: this.options.cli,
      args: [
        ...nodeArgs({
          genesisPath: this.files.genesisPath,
          role: key.role === 'faucet' ? 'worker' : key.role,
          keyFile: key.file,
          dataDir: join(this.files.dir, 'nodes', name),
          ...(typeof model === 'string' ? { model } : {}),
          ...(api === undefined ? {} : { api }),
          ...(this.options.byzantine?.has(name) === true ? { byzantine: this.options.byzantine.get(name) } : {}),
          ...(this.options.log === undefined || this.options.log.level === 'silent'
            ? {}
            : {
                logLevel: this.options.log.level,
                logFile: this.options.log.file ?? join(this.files.dir, 'nodes', name, 'node.log'),
              }),
        }),
        ...bootstrap.flatMap((a) => ['--bootstrap', a]),
      ],
      startTimeoutMs: this.options.startTimeoutMs,
    })
    const entry: Child = {
      name,
      key,
      process: node,
      model: typeof model === 'string' ? model : undefined,
      hashes: new Map(),
      committedAt: new Map(),
    }
    this.children.push(entry)
    node.events.on('stderr', (line) => this.options.onChildError?.(name, line))
    node.events.on('report', (report) => {
      if (report.type === 'node' && typeof report.api === 'string') this.apiUrl = report.api
      if (report.type !== 'epoch' || report.height === undefined || report.hash === undefined) return
      entry.hashes.set(report.height, report.hash)
      if (report.atMs !== undefined) entry.committedAt.set(report.height, report.atMs)
      // Forks are checked over a window: older heights leave memory.
      entry.hashes.delete(report.height - 1024)
      entry.committedAt.delete(report.height - 1024)
    })
    try {
      await up
    } catch (err) {
      throw new ProcessClusterError((err as Error).message)
    }
    return node
  }

  /** A node of this process that follows the chain and reports what it commits. */
  private async observe(): Promise<void> {
    const network = await loadNetworkGenesis({ from: this.files.genesisPath, cwd: this.files.dir })
    const node = await RoleNode.create({
      role: 'coordinator',
      topics: this.topics,
      serves: [],
      groundTruth: new Map(),
      consensus: { genesis: network.genesis },
      p2p: { chainId: network.genesis.chainId, identity: await generateIdentity(), ...LOOPBACK_TUNING },
    })
    this.observer = node
    for (const address of this.bootstrap()) await node.node.dial(address, { keepAlive: true })
    node.driver.events.on('commit', (commit) => {
      for (const t of this.topics)
        for (const d of decisionsOfBlock(commit.block, t.config.id)) {
          this.committedEpochs.add(`${d.topicId}/${d.epoch}`)
          this.events.emit('decision', d)
        }
      if (!checkConservation(node.driver.chain.ledger).ok) this.conservation = false
      this.events.emit('commit', commit)
    })
    node.start()
  }

  /** Stop every node: SIGTERM, then SIGKILL for any still running after `graceMs`. */
  stop(graceMs = 10_000): Promise<void> {
    this.stopping ??= this.stopAll(graceMs)
    return this.stopping
  }

  private async stopAll(graceMs: number): Promise<void> {
    await this.observer?.stop()
    await Promise.all(this.children.map((c) => c.process.stop(graceMs)))
    for (const truth of this.groundTruth.values()) await truth.close?.()
  }
}
