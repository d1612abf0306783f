/**
 * A worker of one topic: every epoch it asks its model for an inference and a forecast and
 * publishes both, signed, inside the submission window (on a commit-reveal topic: a
 * commitment in the window, the reveal right after it). A model failure skips the epoch,
 * never the node.
 *
 * A block takes an epoch once its submission window has closed (windows.ts), and usually
 * commits before the next epoch opens, but not always: a worker that asked its model at the
 * very start of epoch e without e − 1's block would have its forecaster score every inferer
 * an epoch late. It waits for that block, at most half the submission window, and then asks
 * its model.
 */
import { EventEmitter } from 'node:events'
import type { RolePublisher } from './publisher.js'
import { INFERENCE_LIMIT } from '../synthesis/input-ranges.js'
import { forecastElements } from './forecast-elements.js'
import { graceMs, type TopicRuntime } from '../topic/windows.js'
import { commitmentOf, newSalt } from '../topic/commit-reveal.js'
import type { EpochDecision } from './decisions.js'
import { onDecisions, type CommitFeed } from './decisions.js'
import { Timers } from '../util/timers.js'
import type { ModelContext, WorkerModel } from './plugins.js'

/** What a worker remembers of the topic and how it turns it into a model context. */
export interface WorkerHistory {
  recordDecision(decision: EpochDecision): void
  contextFor(epoch: number, self: string): Promise<ModelContext> | ModelContext
}

export type WorkerCounter =
  | 'published'
  | 'model-error'
  | 'model-timeout'
  | 'publish-error'
  | 'topic-inactive'
  /** The previous epoch's block did not come within the wait: the model saw an older history. */
  | 'decision-late'

export interface WorkerOptions {
  /**
   * Longest a model may take; past it the epoch is skipped. @default 80% of the submission
   * window, less the time spent waiting for the previous epoch's block
   */
  readonly modelTimeoutMs?: number
  /**
   * Longest the worker waits, from the start of an epoch, for the block deciding the epoch
   * before it. @default half the submission window
   */
  readonly decisionWaitMs?: number
  /**
   * Whether the topic runs its epochs now (the committed ledger's verdict, §14.1); an epoch of
   * an inactive topic takes no inferences, so the worker spends nothing on it. @default always
   */
  readonly topicRunning?: () => boolean
}

/** What a worker reports, for observation only. */
export interface WorkerEvents {
  /** The model failed or timed out, so the worker skipped this epoch. */
  'epoch-skipped': [{ readonly epoch: number; readonly message: string }]
  /** The inference (on a commit-reveal topic: the commitment) of an epoch went out, at `atMs` by the topic's clock. */
  published: [{ readonly topicId: string; readonly epoch: number; readonly atMs: number }]
}

export class WorkerService {
  readonly counters = new Map<WorkerCounter, number>()
  readonly events = new EventEmitter<WorkerEvents>()
  private readonly timers: Timers
  private stopped = false
  /** The newest epoch a committed block decided, and the epochs waited for. */
  private decidedThrough = Number.NEGATIVE_INFINITY
  private readonly waiters = new Set<{ readonly epoch: number; readonly done: () => void }>()

  constructor(
    private readonly node: RolePublisher,
    readonly topic: TopicRuntime,
    private readonly model: WorkerModel,
    private readonly history: WorkerHistory,
    /** The blocks this node's chain adopts, from which the worker learns decided epochs. */
    private readonly commits: CommitFeed,
    private readonly options: WorkerOptions = {},
  ) {
    this.timers = new Timers(() => topic.clock.time())
  }

  start(): void {
    onDecisions(this.commits, this.topic.config.id, (d) => {
      this.history.recordDecision(d)
      this.decidedThrough = Math.max(this.decidedThrough, d.epoch)
      for (const w of this.waiters) if (w.epoch <= this.decidedThrough) w.done()
    })
    this.scheduleEpoch(Math.max(0, this.topic.clock.current() + 1))
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.timers.clear()
    for (const w of this.waiters) w.done()
    await this.model.close?.()
  }

  private count(counter: WorkerCounter): void {
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + 1)
  }

  private scheduleEpoch(epoch: number): void {
    if (this.stopped) return
    this.timers.at(this.topic.clock.startOf(epoch), () => {
      this.scheduleEpoch(epoch + 1)
      void this.runEpoch(epoch)
    })
  }

  /** Resolves once a block has decided `epoch` (true), or after `ms` (false). */
  private decided(epoch: number, ms: number): Promise<boolean> {
    if (this.decidedThrough >= epoch) return Promise.resolve(true)
    if (ms <= 0) return Promise.resolve(false)
    return new Promise((resolve) => {
      const waiter = {
        epoch,
        done: () => {
          this.waiters.delete(waiter)
          resolve(this.decidedThrough >= epoch)
        },
      }
      // Cancelled with the service's other timers on stop; a late call finds nothing to do.
      this.timers.at(this.topic.clock.time() + ms, waiter.done)
      this.waiters.add(waiter)
    })
  }

  private async runEpoch(epoch: number): Promise<void> {
    if (this.options.topicRunning?.() === false) return this.count('topic-inactive')
    const { config, clock } = this.topic
    const waitStart = clock.time()
    const fresh = await this.decided(
      epoch - 1,
      this.options.decisionWaitMs ?? Math.floor(config.submissionWindowMs / 2),
    )
    if (this.stopped) return
    if (!fresh) this.count('decision-late')
    const waited = clock.time() - waitStart
    const timeoutMs = this.options.modelTimeoutMs ?? Math.max(1, Math.floor(config.submissionWindowMs * 0.8) - waited)
    let value: number
    let losses: Readonly<Record<string, number>>
    try {
      const context = await this.history.contextFor(epoch, this.node.participantId)
      ;[value, losses] = await withTimeout(
        Promise.all([this.model.infer(context), this.model.forecast(context)]),
        timeoutMs,
      )
      if (!(Math.abs(value) <= INFERENCE_LIMIT))
        throw new Error(
          `model ${this.model.name} returned ${value}: an inference must be a finite number of magnitude at most ${INFERENCE_LIMIT}`,
        )
    } catch (err) {
      this.count(err instanceof TimeoutError ? 'model-timeout' : 'model-error')
      this.events.emit('epoch-skipped', { epoch, message: (err as Error).message })
      return
    }
    if (this.stopped) return
    const base = { chainId: this.node.chainId, topicId: config.id, epoch, nonce: new Uint8Array(0) }
    const elements = forecastElements(losses, this.node.participantId)
    try {
      if (config.commitReveal) {
        const salt = newSalt()
        await this.node.publish({
          ...base,
          type: 'inference-commit',
          payload: { commitment: commitmentOf(config.id, epoch, this.node.participantId, value, salt) },
        })
        this.timers.at(clock.startOf(epoch) + config.submissionWindowMs + Math.floor(graceMs(config) / 2), () => {
          if (!this.stopped)
            void this.node
              .publish({ ...base, type: 'inference', payload: { value, salt } })
              .catch(() => this.count('publish-error'))
        })
      } else {
        await this.node.publish({ ...base, type: 'inference', payload: { value } })
      }
      this.events.emit('published', { topicId: config.id, epoch, atMs: clock.time() })
      if (Object.keys(elements).length > 0)
        await this.node.publish({ ...base, type: 'forecast', payload: { losses: elements } })
      this.count('published')
    } catch {
      this.count('publish-error')
    }
  }
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError'
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`model took longer than ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
