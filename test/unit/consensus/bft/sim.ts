/**
 * A deterministic in-memory network of BFT machines. A seeded PRNG picks which queued message
 * is delivered next; during a chaos phase it also drops, duplicates and partitions messages,
 * fires timeouts early, and crashes honest nodes (which come back by replaying their
 * write-ahead log). After the chaos phase every message gets through and timeouts fire only
 * when the queue is idle, which is the partial synchrony liveness needs. Every `TICK` ms of
 * virtual time each node re-sends its own messages of the height (all rounds) and the proof of
 * lock of its validValue to peers at its height, and its commit certificates to peers still
 * below: the catch-up gossip and sync give a real node (Tendermint's "eventual delivery").
 * Byzantine members are in `sim-byzantine.ts`; the checks are in `sim-monitor.ts`.
 */
import {
  Committee,
  ConsensusMachine,
  type ConsensusAction,
  type ConsensusEvent,
  Step,
  type Timeouts,
} from '../../../../src/consensus/bft/index.js'
import { memberId } from './helpers.js'
import { type Msg, byzantineSend, chaosMessages, msgHeight, toEvent } from './sim-byzantine.js'
import { Monitor } from './sim-monitor.js'
import { type Item, Rng, type SimConfig, SimNode, type SimResult, type Timer } from './sim-node.js'

export type { Behaviour } from './sim-byzantine.js'
export type { SimConfig, SimResult } from './sim-node.js'
export { SimNode } from './sim-node.js'

export const SIM_TIMEOUTS: Timeouts = { propose: 30, prevote: 15, precommit: 15, delta: 10 }
const TICK = 40
const BUFFER_CAP = 256

export class Sim {
  readonly committee: Committee
  readonly nodes: SimNode[]
  readonly rng: Rng
  /** Every block ever built: hash → height and validity. */
  readonly blocks = new Map<string, { readonly height: number; readonly valid: boolean }>()
  readonly invalid = new Set<string>()
  /** Block hashes by height, in creation order. */
  readonly built = new Map<number, string[]>()
  private readonly monitor: Monitor
  private readonly cfg: Required<Omit<SimConfig, 'behaviours'>>
  private queue: Item[] = []
  private now = 0
  private nextTick = TICK
  private step = 0
  private side: number[] | undefined
  private calm = false
  private readonly violations: string[] = []

  constructor(config: SimConfig) {
    this.cfg = {
      heights: 1,
      maxFutureRounds: 2,
      chaosSteps: 0,
      dropRate: 0,
      dupRate: 0,
      earlyTimeoutRate: 0,
      crashRate: 0,
      partitionRate: 0,
      untimelyRate: 0,
      maxSteps: 50_000,
      ...config,
    }
    this.rng = new Rng(config.seed)
    this.committee = new Committee(Object.fromEntries(config.powers.map((p, i) => [memberId(i), p])))
    this.nodes = config.powers.map((_, i) => new SimNode(i, memberId(i), config.behaviours?.[i] ?? 'honest'))
    this.monitor = new Monitor(this.committee, this.invalid, new Set(this.honest().map((n) => n.id)))
  }

  run(): SimResult {
    for (const node of this.nodes) this.startHeight(node, 1)
    let calmAt = 0
    while (this.step < this.cfg.maxSteps && !this.allDecided()) {
      this.step++
      const chaos = this.step <= this.cfg.chaosSteps
      if (chaos) this.chaosTurn()
      else if (!this.calm) {
        this.calmDown()
        calmAt = this.step
      }
      if (chaos && this.rng.chance(this.cfg.earlyTimeoutRate) && this.fireTimer(true)) continue
      if (this.queue.length > 0) this.deliverNext(chaos)
      else this.advanceClock()
    }
    return this.result(calmAt)
  }

  /** A fresh valid (or invalid) block hash at `height`. */
  newBlock(height: number, valid: boolean): string {
    const hash = (this.blocks.size + 1)
      .toString(16)
      .padStart(8, '0')
      .padEnd(64, valid ? 'a' : 'f')
    this.blocks.set(hash, { height, valid })
    const atHeight = this.built.get(height) ?? []
    atHeight.push(hash)
    this.built.set(height, atHeight)
    if (!valid) this.invalid.add(hash)
    return hash
  }

  send(from: SimNode, msg: Msg, to?: Iterable<number>): void {
    for (const i of to ?? this.peers(from)) this.queue.push({ from: from.index, to: i, msg })
  }

  peers(node: SimNode): number[] {
    return this.nodes.filter((n) => n !== node).map((n) => n.index)
  }

  private honest(): SimNode[] {
    return this.nodes.filter((n) => n.behaviour === 'honest')
  }

  private allDecided(): boolean {
    return this.honest().every((n) => n.decisions.size === this.cfg.heights)
  }

  private startHeight(node: SimNode, height: number): void {
    Object.assign(node, { height, wal: [], walOut: [], own: [], timers: [] })
    if (node.behaviour === 'silent' || node.behaviour === 'chaos') return
    node.machine = new ConsensusMachine({
      committee: this.committee,
      self: node.id,
      height,
      timeouts: SIM_TIMEOUTS,
      maxFutureRounds: this.cfg.maxFutureRounds,
    })
    this.input(node, { type: 'start' })
    const early = node.buffer.filter((m) => msgHeight(m) === height)
    node.buffer = node.buffer.filter((m) => msgHeight(m) > height)
    for (const msg of early) this.receive(node, msg)
  }

  private receive(node: SimNode, msg: Msg): void {
    if (node.behaviour === 'chaos') return chaosMessages(this, node, msg)
    const h = msgHeight(msg)
    if (node.machine === undefined || h < node.height) return
    // A Byzantine node's machine must not be shown the conflicting messages its owner signed.
    if (node.behaviour !== 'honest' && (msg.kind === 'vote' ? msg.vote.voter : msg.proposal.proposer) === node.id)
      return
    if (h > node.height) {
      if (node.buffer.length < BUFFER_CAP) node.buffer.push(msg)
      return
    }
    this.input(node, toEvent(msg))
  }

  private input(node: SimNode, event: ConsensusEvent): void {
    const machine = node.machine!
    if (node.behaviour === 'honest' && machine.step !== Step.Commit)
      this.monitor.input(node.id, node.height, machine.round, event)
    node.wal.push(event)
    const out = machine.handle(event)
    node.walOut.push(out)
    let decided = false
    for (const action of out) {
      if (node.behaviour === 'honest') this.monitor.output(node.id, node.height, action)
      decided = this.perform(node, action) || decided
    }
    if (decided && node.height < this.cfg.heights) this.startHeight(node, node.height + 1)
  }

  /** The driver's side of one action; true on a commit. */
  private perform(node: SimNode, a: ConsensusAction): boolean {
    switch (a.type) {
      case 'broadcastProposal':
        byzantineSend(this, node, { kind: 'proposal', proposal: a.proposal })
        // A re-proposal travels with the prevotes of its polRound, as CometBFT's reactor sends them.
        if (a.proposal.polRound >= 0) this.sendPol(node, a.proposal.polRound, a.proposal.blockHash, this.peers(node))
        return false
      case 'broadcastVote':
        byzantineSend(this, node, { kind: 'vote', vote: a.vote })
        return false
      case 'scheduleTimeout':
        node.timers.push({ fireAt: this.now + a.ms, height: a.height, round: a.round, step: a.step })
        return false
      case 'requestBlock': {
        const blockHash = this.newBlock(a.height, node.behaviour !== 'invalidProposer')
        this.queue.push({
          to: node.index,
          height: a.height,
          local: { type: 'proposalValue', blockHash, round: a.round },
        })
        return false
      }
      case 'validateBlock': {
        const block = this.blocks.get(a.blockHash)
        const valid = block?.valid === true && block.height === a.height
        const timely = !this.rng.chance(this.cfg.untimelyRate)
        this.queue.push({
          to: node.index,
          height: a.height,
          local: { type: 'blockVerdict', blockHash: a.blockHash, valid, timely },
        })
        return false
      }
      case 'commit':
        node.decisions.set(a.height, { round: a.round, blockHash: a.blockHash, certificate: a.certificate })
        node.certificates.set(a.height, a.certificate)
        return true
      case 'evidence':
        return false
    }
  }

  private deliverNext(chaos: boolean): void {
    const i = this.rng.int(this.queue.length)
    const item = this.queue[i]
    this.queue[i] = this.queue[this.queue.length - 1]
    this.queue.pop()
    const node = this.nodes[item.to]
    if (node.down) return
    if ('local' in item) {
      if (item.height === node.height && node.machine !== undefined) this.input(node, item.local)
      return
    }
    if (this.side !== undefined && this.side[item.from] !== this.side[item.to]) return
    if (chaos && this.rng.chance(this.cfg.dropRate)) return
    if (chaos && this.rng.chance(this.cfg.dupRate)) this.queue.push(item)
    this.receive(node, item.msg)
  }

  /** Idle: move virtual time to the next timer or gossip tick. */
  private advanceClock(): void {
    const next = this.earliestTimer()
    if (next !== undefined && next.timer.fireAt <= this.nextTick) {
      this.now = Math.max(this.now, next.timer.fireAt)
      this.fire(next.node, next.timer)
      return
    }
    this.now = this.nextTick
    this.nextTick += TICK
    this.gossip()
  }

  private earliestTimer(): { node: SimNode; timer: Timer } | undefined {
    let best: { node: SimNode; timer: Timer } | undefined
    for (const node of this.nodes) {
      if (node.down) continue
      for (const timer of node.timers)
        if (best === undefined || timer.fireAt < best.timer.fireAt) best = { node, timer }
    }
    return best
  }

  /** Fires a random pending timer before its time (asynchrony); false when there is none. */
  private fireTimer(early: boolean): boolean {
    const live = this.nodes.filter((n) => !n.down && n.timers.length > 0)
    if (!early || live.length === 0) return false
    const node = live[this.rng.int(live.length)]
    this.fire(node, node.timers[this.rng.int(node.timers.length)])
    return true
  }

  private fire(node: SimNode, timer: Timer): void {
    node.timers = node.timers.filter((t) => t !== timer)
    if (timer.height === node.height && node.machine !== undefined)
      this.input(node, { type: 'timeout', height: timer.height, round: timer.round, step: timer.step })
  }

  private gossip(): void {
    for (const node of this.nodes) {
      if (node.down || node.behaviour === 'silent') continue
      if (node.behaviour === 'chaos') {
        chaosMessages(this, node, undefined)
        continue
      }
      // Every own message of the height, old rounds too: a re-proposal needs its proof-of-lock
      // prevotes, and a message lost in the chaos phase must still arrive eventually.
      const sameHeight = this.peers(node).filter((i) => this.nodes[i].height === node.height)
      for (const { msg, to } of node.own)
        this.send(
          node,
          msg,
          sameHeight.filter((i) => to === undefined || to.has(i)),
        )
      const machine = node.machine
      const { validRound, validValue } = machine?.state ?? {}
      if (node.behaviour === 'honest' && validRound !== undefined && validValue)
        this.sendPol(node, validRound, validValue, sameHeight)
      for (const [h, certificate] of node.certificates) {
        const behind = this.peers(node).filter((i) => !this.nodes[i].decisions.has(h) && this.nodes[i].height <= h)
        for (const vote of certificate) this.send(node, { kind: 'vote', vote }, behind)
      }
    }
  }

  /** Relays the prevotes for `blockHash` in `round` that `node` holds (a proof of lock). */
  private sendPol(node: SimNode, round: number, blockHash: string, to: readonly number[]): void {
    for (const vote of node.machine?.votesAt(round, 'prevote') ?? [])
      if (vote.blockHash === blockHash) this.send(node, { kind: 'vote', vote }, to)
  }

  private chaosTurn(): void {
    for (const node of this.nodes) if (node.down && node.downUntil <= this.step) this.recover(node)
    if (this.rng.chance(this.cfg.crashRate)) {
      const up = this.honest().filter((n) => !n.down)
      if (up.length === this.honest().length) this.crash(up[this.rng.int(up.length)])
    }
    if (this.rng.chance(this.cfg.partitionRate)) {
      this.side = this.side === undefined ? this.nodes.map(() => this.rng.int(2)) : undefined
    }
  }

  private calmDown(): void {
    this.calm = true
    this.side = undefined
    for (const node of this.nodes) if (node.down) this.recover(node)
  }

  private crash(node: SimNode): void {
    node.downUntil = this.step + 50 + this.rng.int(400)
    node.machine = undefined
    node.timers = []
    node.buffer = []
  }

  /** Rebuilds the machine from its write-ahead log, as a restarted driver would. */
  private recover(node: SimNode): void {
    node.downUntil = -1
    const machine = new ConsensusMachine({
      committee: this.committee,
      self: node.id,
      height: node.height,
      timeouts: SIM_TIMEOUTS,
      maxFutureRounds: this.cfg.maxFutureRounds,
    })
    const replayed = node.wal.map((e) => machine.handle(e))
    if (JSON.stringify(replayed) !== JSON.stringify(node.walOut)) this.violations.push(`${node.id}: replay diverged`)
    node.machine = machine
    for (const a of replayed.flat()) {
      // Timers died with the process; requests in flight may have been lost: ask again (answers are idempotent).
      if (a.type === 'scheduleTimeout' && a.round === machine.round)
        node.timers.push({ fireAt: this.now + a.ms, height: a.height, round: a.round, step: a.step })
      if (a.type === 'validateBlock' || a.type === 'requestBlock') this.perform(node, a)
    }
  }

  private result(calmAt: number): SimResult {
    const honest = this.honest()
    const safetyViolations: string[] = []
    for (let h = 1; h <= this.cfg.heights; h++) {
      const hashes = new Set(honest.flatMap((n) => (n.decisions.has(h) ? [n.decisions.get(h)!.blockHash] : [])))
      if (hashes.size > 1) safetyViolations.push(`height ${h}: ${[...hashes].join(' vs ')}`)
    }
    return {
      honest: honest.map((n) => n.id),
      decisions: new Map(honest.map((n) => [n.id, n.decisions])),
      allDecided: this.allDecided(),
      steps: this.step,
      stepsAfterChaos: this.allDecided() ? this.step - calmAt : Infinity,
      safetyViolations,
      violations: [...this.violations, ...this.monitor.violations],
      missingEvidence: this.monitor.missingEvidence(),
      evidenceReports: [...this.monitor.reported.values()].reduce((n, s) => n + s.size, 0),
      invalidBlocks: this.invalid,
    }
  }
}

export function runSim(config: SimConfig): SimResult {
  return new Sim(config).run()
}
