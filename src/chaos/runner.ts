/**
 * One chaos run: start the scenario's cluster, apply its faults on schedule, watch the
 * invariants all along, and report. Faults that overlap compose: a link cut by a partition
 * and by a pause heals only when both have healed, a node crashed by two faults comes back
 * when both have.
 */
import { loadTopicConfig, type TopicConfig } from '../topic/config.js'
import { packageFile } from '../util/package-files.js'
import { type Hostile, ignoredFloodPeer, sybilBurst } from './hostile.js'
import { InprocTarget } from './inproc-target.js'
import { NetnsNetwork, netnsSupport } from './netns.js'
import { ProcessTarget } from './process-target.js'
import { type ByzantineComparison, type Earnings, InvariantChecker } from './invariants.js'
import { buildReport, type ChaosReport, type FaultRecord } from './report.js'
import { LIVENESS_EPOCHS, nodeNames, ScenarioError, type Scenario } from './scenario.js'
import { crossPairs, describe, linkPairs, waitUntil } from './run-helpers.js'
import { scheduleOf, type ScheduledFault } from './schedule.js'
import type { ChaosTarget } from './target.js'

export interface RunOptions {
  readonly scenario: Scenario
  readonly seed: number
  readonly mode?: 'inproc' | 'process'
  /** One line per thing that happens (a fault, a heal, a node back up). */
  readonly onProgress?: (line: string) => void
  /** Ends the run early (Ctrl-C): the cluster is stopped and the report covers what ran. */
  readonly signal?: AbortSignal
  /** The command that runs the chorus CLI ([executable, ...arguments before the subcommand]): process mode runs `chorus node` with it. */
  readonly cli?: readonly string[]
  /** Lines the node processes print on stderr (process mode). */
  readonly onChildError?: (name: string, line: string) => void
  /** Process mode: each node in a network namespace, partitions by nftables, where the machine allows it. */
  readonly netns?: boolean
  /** Builds the target instead (tests observe a run through it). @default by `mode` */
  readonly target?: (topic: TopicConfig) => Promise<ChaosTarget>
}

async function startTarget(o: RunOptions, topic: TopicConfig): Promise<ChaosTarget> {
  if (o.target !== undefined) return o.target(topic)
  const shape = o.scenario.cluster
  if ((o.mode ?? 'inproc') === 'inproc') return InprocTarget.start({ shape, topic, seed: o.seed })
  if (o.cli === undefined) throw new Error('process mode needs the command that runs the chorus CLI')
  let netns: NetnsNetwork | undefined
  if (o.netns === true) {
    const support = await netnsSupport()
    if (support.ok) netns = await NetnsNetwork.create(nodeNames(shape), o.seed + process.pid)
    else o.onProgress?.(`the netns level is not available here (${support.reason}): faults at the libp2p level`)
  }
  try {
    return await ProcessTarget.start({ shape, topic, seed: o.seed, cli: o.cli, onChildError: o.onChildError, netns })
  } catch (err) {
    await netns?.destroy()
    throw err
  }
}

/** A scenario's topic, with the scenario's epoch length (and the window scaled to it). */
export async function scenarioTopic(scenario: Scenario): Promise<TopicConfig> {
  const name = scenario.cluster.topic
  const path = /[/.]/.test(name) ? name : packageFile(`configs/topics/${name}.json`)
  const topic = await loadTopicConfig(path)
  const epochMs = scenario.cluster.epochMs
  if (epochMs === undefined) return topic
  return {
    ...topic,
    epochMs,
    submissionWindowMs: Math.max(1, Math.floor((topic.submissionWindowMs * epochMs) / topic.epochMs)),
  }
}

/** Faults must heal early enough for the liveness check to have its epochs. */
export function checkTiming(scenario: Scenario, schedule: readonly ScheduledFault[], epochMs: number): void {
  const limit = (scenario.epochs - LIVENESS_EPOCHS) * epochMs
  for (const f of schedule) {
    const index = scenario.faults.indexOf(f.fault)
    const field = index >= 0 ? `faults.${index}` : `random (drawn fault ${f.n})`
    if (f.startMs >= scenario.epochs * epochMs)
      throw new ScenarioError(`${scenario.source}: ${field}.at: starts after the run's ${scenario.epochs} epochs`)
    if (f.endMs !== null && f.endMs > limit)
      throw new ScenarioError(
        `${scenario.source}: ${field}.for: heals at ${f.endMs} ms, later than ${LIVENESS_EPOCHS} epochs before the end (${limit} ms): the liveness check needs those epochs`,
      )
  }
}

export async function runScenario(o: RunOptions): Promise<ChaosReport> {
  const topic = await scenarioTopic(o.scenario)
  const schedule = scheduleOf(o.scenario, topic.epochMs, o.seed)
  checkTiming(o.scenario, schedule, topic.epochMs)
  const progress = o.onProgress ?? (() => {})
  const target = await startTarget(o, topic)
  const run = new Run(o.scenario, target, schedule, progress)
  try {
    await run.play(o.signal)
    return await run.report(o.seed)
  } finally {
    await run.cleanUp()
    await target.stop()
  }
}

class Run {
  private readonly checker: InvariantChecker
  /** Heights and hashes each node has committed (what its store must keep). */
  private readonly committed = new Map<string, Map<number, string>>()
  /** How many active faults cut each link (`a|b`, names sorted). */
  private readonly cuts = new Map<string, number>()
  private readonly hostiles = new Map<number, Hostile>()
  /** Each node's lifecycle steps, in order. */
  private readonly lifecycle = new Map<string, Promise<void>>()
  /** How many active faults keep each node down (crash, restart) or paused. */
  private readonly downs = new Map<string, number>()
  private readonly pauses = new Map<string, number>()
  private readonly records = new Map<number, { applied: boolean; healedAtMs: number | null; error?: string }>()
  private readonly honest: (name: string) => boolean

  constructor(
    private readonly scenario: Scenario,
    private readonly target: ChaosTarget,
    private readonly schedule: readonly ScheduledFault[],
    private readonly progress: (line: string) => void,
  ) {
    this.honest = (name) => !scenario.cluster.byzantine.has(name)
    this.checker = new InvariantChecker(
      this.honest,
      {
        genesisMs: target.genesisMs,
        originMs: this.originMs,
        epochMs: target.epochMs,
        submissionWindowMs: target.submissionWindowMs,
        topicIds: target.topicIds,
        endMs: this.endMs,
      },
      schedule,
    )
    target.onObservation((obs) => {
      if (obs.type === 'published') return this.checker.onPublished(obs)
      let log = this.committed.get(obs.node)
      if (log === undefined) this.committed.set(obs.node, (log = new Map()))
      log.set(obs.height, obs.hash)
      this.checker.onCommit(obs)
    })
  }

  /** The scenario's time 0: the start of the first epoch every node was up for. */
  get originMs(): number {
    return this.target.genesisMs + this.target.firstEpoch * this.target.epochMs
  }

  /** The run observes every epoch and then one more, for the last one to commit. */
  get endMs(): number {
    return this.originMs + (this.scenario.epochs + 1) * this.target.epochMs
  }

  /**
   * Each fault on its own time line (start, then heal), all at once: a slow step (a node that
   * takes seconds to start again) must not push the faults after it back.
   */
  async play(signal?: AbortSignal): Promise<void> {
    await Promise.all(
      this.schedule.map(async (f) => {
        if (!(await waitUntil(this.originMs + f.startMs, signal))) return
        await this.act(f, false)
        if (f.endMs === null || !(await waitUntil(this.originMs + f.endMs, signal))) return
        await this.act(f, true)
      }),
    )
    await waitUntil(this.endMs, signal)
  }

  private async act(f: ScheduledFault, heal: boolean): Promise<void> {
    const epoch = Math.floor((Date.now() - this.originMs) / this.target.epochMs)
    this.progress(`epoch ${epoch}: ${heal ? 'heal' : 'fault'} ${f.n} ${describe(f.fault)}`)
    // Recovery counts from when the heal began: a node's time to start again is part of it.
    const at = Date.now()
    try {
      if (heal) await this.heal(f)
      else await this.apply(f)
      const record = this.records.get(f.n) ?? { applied: false, healedAtMs: null }
      this.records.set(f.n, heal ? { ...record, healedAtMs: at } : { ...record, applied: true })
    } catch (err) {
      const message = (err as Error).message
      this.progress(`  fault ${f.n} could not be ${heal ? 'healed' : 'applied'}: ${message}`)
      this.records.set(f.n, { applied: !heal, healedAtMs: null, error: message })
    }
  }

  private async apply(f: ScheduledFault): Promise<void> {
    const t = this.target
    const fault = f.fault
    switch (fault.kind) {
      case 'crash':
        for (const n of fault.nodes) if (this.hold(this.downs, n)) await this.serial(n, () => t.crash(n))
        return
      case 'restart':
        for (const n of fault.nodes) if (this.hold(this.downs, n)) await this.serial(n, () => t.stopNode(n))
        if (f.endMs === null) for (const n of fault.nodes) if (this.release(this.downs, n)) await this.bringBack(n, f.n)
        return
      case 'pause':
        for (const n of fault.nodes) if (this.hold(this.pauses, n)) await this.serial(n, () => t.pause(n))
        return
      case 'partition':
        for (const [a, b] of crossPairs(fault.groups)) await this.cut(a, b)
        return
      case 'link':
        for (const [a, b] of linkPairs(fault.nodes, fault.to ?? t.names)) await t.setLink(a, b, fault.conditions)
        return
      case 'clock-skew':
        for (const n of fault.nodes) await t.skewClock(n, fault.offsetMs)
        return
      case 'sybil':
        this.hostiles.set(f.n, await sybilBurst(this.hostileTarget(), fault.count, f.n))
        return
      case 'ignored-flood':
        this.hostiles.set(f.n, await ignoredFloodPeer(this.hostileTarget(), fault.ratePerSecond, f.n))
        return
    }
  }

  private async heal(f: ScheduledFault): Promise<void> {
    const t = this.target
    const fault = f.fault
    switch (fault.kind) {
      case 'crash':
      case 'restart':
        for (const n of fault.nodes) if (this.release(this.downs, n)) await this.bringBack(n, f.n)
        return
      case 'pause':
        for (const n of fault.nodes) if (this.release(this.pauses, n)) await this.serial(n, () => t.resume(n))
        return
      case 'partition':
        for (const [a, b] of crossPairs(fault.groups)) await this.uncut(a, b)
        return
      case 'link':
        for (const [a, b] of linkPairs(fault.nodes, fault.to ?? t.names)) await t.setLink(a, b, null)
        return
      case 'clock-skew':
        for (const n of fault.nodes) await t.skewClock(n, 0)
        return
      case 'sybil':
      case 'ignored-flood':
        await this.hostiles.get(f.n)?.stop()
        this.hostiles.delete(f.n)
        return
    }
  }

  /** Start a node again, then check its store still holds what it had committed. */
  /** One more fault holds the node; true if it is the first (the node must go down now). */
  private hold(counts: Map<string, number>, name: string): boolean {
    const n = (counts.get(name) ?? 0) + 1
    counts.set(name, n)
    return n === 1
  }

  /** One fault less holds the node; true if it was the last (the node may come back now). */
  private release(counts: Map<string, number>, name: string): boolean {
    const n = (counts.get(name) ?? 0) - 1
    if (n <= 0) counts.delete(name)
    else counts.set(name, n)
    return n === 0
  }

  /**
   * Run one step of a node's life after the ones before it: faults run at once, and two that
   * overlap on one node (a crash inside a restart) must not start it twice with one key.
   */
  private serial(name: string, step: () => Promise<void>): Promise<void> {
    const done = (this.lifecycle.get(name) ?? Promise.resolve()).then(step)
    this.lifecycle.set(
      name,
      done.catch(() => {}),
    )
    return done
  }

  private bringBack(name: string, fault: number): Promise<void> {
    return this.serial(name, () => this.startAndCheck(name, fault))
  }

  private async startAndCheck(name: string, fault: number): Promise<void> {
    if (this.target.isUp(name)) return
    const before = new Map(this.committed.get(name) ?? [])
    await this.target.startNode(name)
    const heights = [...before.keys()]
    const stored = await this.target.storedHashes(name, heights)
    const missing = heights.filter((h) => stored.get(h) !== before.get(h)).sort((a, b) => a - b)
    this.checker.onStoreCheck({ node: name, fault, missing, checked: heights.length })
  }

  private async cut(a: string, b: string): Promise<void> {
    const key = [a, b].sort().join('|')
    const n = this.cuts.get(key) ?? 0
    this.cuts.set(key, n + 1)
    if (n === 0) await this.target.cut(a, b)
  }

  private async uncut(a: string, b: string): Promise<void> {
    const key = [a, b].sort().join('|')
    const n = this.cuts.get(key) ?? 0
    if (n <= 1) {
      this.cuts.delete(key)
      if (n === 1) await this.target.heal(a, b)
    } else this.cuts.set(key, n - 1)
  }

  private hostileTarget() {
    const t = this.target
    return {
      chainId: t.chainId,
      topicId: t.topicIds[0],
      genesisMs: t.genesisMs,
      epochMs: t.epochMs,
      bootstrap: () => t.bootstrap(),
    }
  }

  async cleanUp(): Promise<void> {
    await Promise.all([...this.hostiles.values()].map((h) => h.stop()))
    this.hostiles.clear()
  }

  async report(seed: number): Promise<ChaosReport> {
    const faults: FaultRecord[] = this.schedule.map((f) => this.effectOf(f))
    const byzantine = await this.byzantineComparisons()
    return buildReport({
      scenario: this.scenario,
      seed,
      mode: this.target.mode,
      level: this.target.level,
      invariants: this.checker.results(byzantine),
      faults,
      stats: await this.target.stats(),
      commits: this.checker.commits,
      epochsCommitted: [...this.checker.committedAt.keys()].filter((key) => {
        const epoch = Number(key.slice(key.lastIndexOf('/') + 1)) - this.target.firstEpoch
        return epoch >= 0 && epoch < this.scenario.epochs
      }).length,
    })
  }

  /**
   * Per fault: how many epochs passed without a commit from its start until the network had
   * recovered (the first commit after its heal), and how long that recovery took.
   */
  private effectOf(f: ScheduledFault): FaultRecord {
    const record = this.records.get(f.n)
    const start = this.originMs + f.startMs
    const healedAt = record?.healedAtMs ?? (f.endMs === null ? null : this.originMs + f.endMs)
    const topics = this.target.topicIds
    const recovered =
      healedAt === null
        ? undefined
        : Math.max(...topics.map((t) => this.checker.firstCommitAfter(t, healedAt) ?? Number.NaN))
    const until = recovered === undefined || Number.isNaN(recovered) ? (healedAt ?? this.endMs) : recovered
    const missed = topics.reduce(
      (n, t) => n + this.checker.epochsWithoutCommit(t, start, Math.min(until, this.endMs)),
      0,
    )
    return {
      n: f.n,
      kind: f.fault.kind,
      what: describe(f.fault),
      atMs: f.startMs,
      forMs: f.endMs === null ? null : f.endMs - f.startMs,
      applied: record?.applied ?? false,
      ...(record?.error === undefined ? {} : { error: record.error }),
      epochsWithoutCommit: missed,
      recoveryMs: healedAt === null || recovered === undefined || Number.isNaN(recovered) ? null : recovered - healedAt,
    }
  }

  /** Each Byzantine node against the median honest node of its role (for a worker: of its model). */
  private async byzantineComparisons(): Promise<ByzantineComparison[]> {
    if (this.scenario.cluster.byzantine.size === 0) return []
    const judge = this.target.names.find((n) => this.honest(n) && n.startsWith('coordinator-') && this.target.isUp(n))
    if (judge === undefined) return []
    const ids = this.target.names.map((n) => this.target.participantOf(n))
    const now = await this.target.holdings(judge, ids)
    const genesis = this.target.genesisHoldings(ids)
    const earnings = (name: string): Earnings => {
      const id = this.target.participantOf(name)
      const before = genesis.get(id) ?? { total: 0n, stake: 0n }
      const after = now.get(id) ?? { total: 0n, stake: 0n }
      return { earned: after.total - before.total, slashed: after.stake < before.stake }
    }
    return [...this.scenario.cluster.byzantine].map(([node, fault]) => {
      const role = node.slice(0, node.lastIndexOf('-'))
      const model = this.target.modelOf(node)
      const peers = this.target.names.filter(
        (n) => this.honest(n) && n.startsWith(`${role}-`) && (model === undefined || this.target.modelOf(n) === model),
      )
      // The median honest peer: one peer alone is noisy (which precommits a certificate
      // carries, which proposals landed), the median of several much less.
      const ranked = peers.map((n) => ({ node: n, earnings: earnings(n) }))
      ranked.sort((a, b) =>
        a.earnings.earned < b.earnings.earned ? -1 : a.earnings.earned > b.earnings.earned ? 1 : 0,
      )
      const median = ranked[Math.floor((ranked.length - 1) / 2)]
      return { node, fault, earnings: earnings(node), ...(median === undefined ? {} : { honest: median }) }
    })
  }
}
