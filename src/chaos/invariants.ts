/**
 * The invariants of a chaos run, checked from what the run observed (commits, inferences sent,
 * restarts) and, at the end, the ledger of an honest node:
 * - safety: no two honest nodes commit different blocks at a height, or different outputs for
 *   a (topic, epoch);
 * - liveness: after the last fault heals, every topic commits an inference within
 *   LIVENESS_EPOCHS epochs;
 * - conservation: every honest node's ledger conserves tokens (no negative balance) and keeps
 *   its committee schedule within bounds at every height it commits (checkLedgerInvariants);
 * - nothing lost: a restarted node's store holds every block it had committed before, and an
 *   inference an honest worker sent in time is in its committed epoch (or the report says why
 *   not: a fault was active, the epoch did not commit);
 * - byzantine: a Byzantine node is slashed or earns less than the median honest node of its role
 *   (for a worker: of the same model).
 */
import type { CommitSeen, PublishedSeen } from '../node/observations.js'
import { LIVENESS_EPOCHS } from './scenario.js'
import { nodesOf, type ScheduledFault } from './schedule.js'

export type Verdict = 'PASS' | 'FAIL'
export const INVARIANTS = ['safety', 'liveness', 'conservation', 'nothingLost', 'byzantine'] as const
export type InvariantName = (typeof INVARIANTS)[number]

export interface InvariantResult {
  readonly verdict: Verdict
  /** What failed (empty on a pass, or what a pass excused). */
  readonly details: readonly string[]
}

export interface RunTimeline {
  /** The chain's genesis: epoch e starts at genesisMs + e·epochMs. */
  readonly genesisMs: number
  /** The scenario's time 0 (fault times count from it). */
  readonly originMs: number
  readonly epochMs: number
  readonly submissionWindowMs: number
  readonly topicIds: readonly string[]
  /** Wall-clock time the run stopped observing. */
  readonly endMs: number
}

/** A restarted node's store, checked against what it had committed before it went down. */
export interface StoreCheck {
  readonly node: string
  readonly fault: number
  /** Heights whose stored hash is missing or differs after the restart. */
  readonly missing: readonly number[]
  readonly checked: number
}

/** A node's earnings over the run: (balance + stake) now − at genesis; slashed if its stake fell. */
export interface Earnings {
  readonly earned: bigint
  readonly slashed: boolean
}

export interface ByzantineComparison {
  readonly node: string
  readonly fault: string
  readonly earnings: Earnings
  /** The honest node it is compared with (the median of its kind), and its earnings; undefined when none fits. */
  readonly honest?: { readonly node: string; readonly earnings: Earnings }
}

export class InvariantChecker {
  private readonly hashAt = new Map<number, { node: string; hash: string }>()
  /** `topic/epoch` → the first honest output digest seen, and the inferers. */
  private readonly outputs = new Map<
    string,
    { node: string; output: string | null; inferers: Set<string>; atMs: number }
  >()
  /** `topic/epoch` → first time an honest node committed it with an output. */
  readonly committedAt = new Map<string, number>()
  /** When honest nodes committed an inference of each topic (one entry per block). */
  private readonly commitTimes = new Map<string, number[]>()
  private readonly safety: string[] = []
  private readonly conservation: string[] = []
  private readonly published: PublishedSeen[] = []
  private readonly storeChecks: StoreCheck[] = []
  commits = 0

  constructor(
    private readonly honest: (node: string) => boolean,
    private readonly timeline: RunTimeline,
    private readonly schedule: readonly ScheduledFault[],
  ) {}

  onCommit(c: CommitSeen): void {
    if (!this.honest(c.node)) return
    this.commits++
    const first = this.hashAt.get(c.height)
    if (first === undefined) this.hashAt.set(c.height, { node: c.node, hash: c.hash })
    else if (first.hash !== c.hash && this.safety.length < 20)
      this.safety.push(
        `height ${c.height}: ${first.node} committed ${first.hash.slice(0, 12)}…, ${c.node} ${c.hash.slice(0, 12)}…`,
      )
    for (const te of c.topicEpochs) {
      const key = `${te.topicId}/${te.epoch}`
      const seen = this.outputs.get(key)
      if (seen === undefined)
        this.outputs.set(key, { node: c.node, output: te.output, inferers: new Set(te.inferers), atMs: c.atMs })
      else if (seen.output !== te.output && this.safety.length < 20)
        this.safety.push(`${key}: ${seen.node} and ${c.node} committed different outputs`)
      if (te.output !== null && !this.committedAt.has(key)) {
        this.committedAt.set(key, c.atMs)
        const times = this.commitTimes.get(te.topicId) ?? []
        if (times.at(-1) !== c.atMs) times.push(c.atMs)
        this.commitTimes.set(te.topicId, times)
      }
    }
    if (!c.ledgerOk && this.conservation.length < 20)
      this.conservation.push(`${c.node}: ${c.ledgerProblem ?? 'ledger check failed'}`)
  }

  onPublished(p: PublishedSeen): void {
    if (this.honest(p.node)) this.published.push(p)
  }

  onStoreCheck(check: StoreCheck): void {
    this.storeChecks.push(check)
  }

  /** When the last fault healed (wall clock); the genesis when there was none. */
  lastHealMs(): number {
    const { originMs } = this.timeline
    return originMs + Math.max(0, ...this.schedule.map((f) => f.endMs ?? f.startMs))
  }

  /** The first commit of a topic's inference after `afterMs`, if any. */
  firstCommitAfter(topicId: string, afterMs: number): number | undefined {
    let best: number | undefined
    for (const [key, at] of this.committedAt)
      if (key.startsWith(`${topicId}/`) && at > afterMs && (best === undefined || at < best)) best = at
    return best
  }

  /** Epoch-long stretches of [from, to) in which no honest node committed an inference of the topic. */
  epochsWithoutCommit(topicId: string, from: number, to: number): number {
    const times = this.commitTimes.get(topicId) ?? []
    let missed = 0
    for (let t = from; t + this.timeline.epochMs <= to; t += this.timeline.epochMs)
      if (!times.some((at) => at >= t && at < t + this.timeline.epochMs)) missed++
    return missed
  }

  results(byzantine: readonly ByzantineComparison[]): Record<InvariantName, InvariantResult> {
    return {
      safety: result(this.safety),
      liveness: this.liveness(),
      conservation: result(this.conservation),
      nothingLost: this.nothingLost(),
      byzantine: byzantineResult(byzantine),
    }
  }

  private liveness(): InvariantResult {
    const { epochMs, topicIds, endMs } = this.timeline
    const healed = this.lastHealMs()
    const deadline = healed + LIVENESS_EPOCHS * epochMs
    const failures: string[] = []
    if (this.commits === 0) failures.push('no honest node committed a block')
    for (const t of topicIds) {
      const at = this.firstCommitAfter(t, healed)
      if (at === undefined || at > deadline)
        failures.push(
          `topic ${t}: no inference committed within ${LIVENESS_EPOCHS} epochs of the last heal` +
            (at === undefined
              ? endMs < deadline
                ? ' (the run ended first)'
                : ''
              : ` (first after ${at - healed} ms)`),
        )
    }
    return result(failures)
  }

  private nothingLost(): InvariantResult {
    const failures: string[] = []
    const excused: string[] = []
    const kept: string[] = []
    for (const s of this.storeChecks)
      if (s.missing.length > 0)
        failures.push(
          `${s.node} after fault ${s.fault}: ${s.missing.length} of ${s.checked} blocks committed before it went down are not in its store (heights ${s.missing.slice(0, 5).join(', ')}…)`,
        )
      else kept.push(`${s.node} after fault ${s.fault}: all ${s.checked} blocks it had committed are in its store`)
    const { genesisMs, epochMs, submissionWindowMs } = this.timeline
    const lastEpochStart = this.timeline.endMs - 2 * epochMs
    for (const p of this.published) {
      const start = genesisMs + p.epoch * epochMs
      if (start > lastEpochStart) continue // the run ended before the epoch could commit
      // Before every node was up (the run's epoch 0): the network was still starting.
      if (start < this.timeline.originMs) continue
      const key = `${p.topicId}/${p.epoch}`
      const committed = this.outputs.get(key)
      if (committed?.inferers.has(p.participant) === true) continue
      // The epoch is at stake from its start until it is committed: a fault after its end but
      // before its block can still cost it inferences (a proposer that lost its pool).
      const fault = this.faultDuring(p.node, start, Math.max(start + epochMs, committed?.atMs ?? 0), p.topicId)
      const why =
        committed === undefined
          ? 'its epoch did not commit'
          : fault !== undefined
            ? `fault ${fault.n} (${fault.fault.kind}) was active`
            : p.atMs > start + submissionWindowMs
              ? `it was sent ${p.atMs - start} ms into the epoch, after the ${submissionWindowMs} ms window`
              : undefined
      const line = `${p.node}'s inference of ${key}`
      if (why === undefined)
        failures.push(`${line}, sent in time by an unfaulted worker, is not in the committed epoch`)
      else excused.push(`${line} is missing: ${why}`)
    }
    return failures.length > 0
      ? { verdict: 'FAIL', details: [...failures.slice(0, 20), ...summarise(excused)] }
      : { verdict: 'PASS', details: [...kept, ...summarise(excused)] }
  }

  /**
   * A fault active at some time in [from, to) that touches this node, the committee or the whole
   * network. A fault counts until the network has recovered from it: LIVENESS_EPOCHS epochs
   * after it heals, the time liveness grants (a healed link must be dialled again, the peers
   * must learn each other's subscriptions and rebuild the gossip mesh), or until the first
   * inference committed after the heal if that is later (the committee was still catching up).
   */
  private faultDuring(node: string, from: number, to: number, topicId: string): ScheduledFault | undefined {
    const { originMs, epochMs } = this.timeline
    return this.schedule.find((f) => {
      const start = originMs + f.startMs
      const healed = f.endMs === null ? Number.POSITIVE_INFINITY : originMs + f.endMs
      const end = Math.max(
        healed + LIVENESS_EPOCHS * epochMs,
        this.firstCommitAfter(topicId, healed) ?? Number.POSITIVE_INFINITY,
      )
      if (start >= to || end <= from) return false
      const touched = nodesOf(f.fault)
      // A fault on no node in particular (a flood, a Sybil burst) or on a coordinator can cost
      // any worker its inference; a fault on another worker or a reputer cannot.
      return touched.length === 0 || touched.includes(node) || touched.some((n) => n.startsWith('coordinator-'))
    })
  }
}

function result(failures: readonly string[]): InvariantResult {
  return { verdict: failures.length === 0 ? 'PASS' : 'FAIL', details: failures }
}

/** At most a few lines of excuses, then a count. */
function summarise(lines: readonly string[]): string[] {
  return lines.length <= 5 ? [...lines] : [...lines.slice(0, 5), `… and ${lines.length - 5} more excused`]
}

function byzantineResult(comparisons: readonly ByzantineComparison[]): InvariantResult {
  const failures: string[] = []
  const notes: string[] = []
  for (const c of comparisons) {
    const own = `${c.node} (${c.fault}) earned ${c.earnings.earned}${c.earnings.slashed ? ' and was slashed' : ''}`
    if (c.earnings.slashed) notes.push(own)
    else if (c.honest === undefined) failures.push(`${own}; no honest node of its kind to compare with`)
    else if (c.earnings.earned < c.honest.earnings.earned)
      notes.push(`${own} < ${c.honest.node}'s ${c.honest.earnings.earned}`)
    else failures.push(`${own}, not less than honest ${c.honest.node}'s ${c.honest.earnings.earned}`)
  }
  return failures.length > 0 ? { verdict: 'FAIL', details: failures } : { verdict: 'PASS', details: notes }
}
