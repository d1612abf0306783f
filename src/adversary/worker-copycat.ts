/**
 * A worker that copies: its inference is another worker's, not its model's. It picks the
 * victim the network scores best (the lowest recent consensus loss among the other inferers)
 * and answers with the victim's value for the same epoch when it can see it in time, else with
 * the victim's latest committed value; its forecast stays its own model's.
 *
 * What the protocol lets it get away with: on a plain topic inferences are public inside the
 * submission window, so the copy of the current value is taken (a copy adds nothing the
 * one-out losses can see, so copy and original share what one of them would earn). On a
 * commit-reveal topic only commitments travel in the window: a reveal must open its own
 * signer's commitment (the signer is in the hash), and reveals come after the window, too late
 * to commit to. The best a copier can do there is the victim's value of an epoch already
 * decided, a stale answer scored like any other.
 */
import type { ModelContext, WorkerModel } from '../roles/plugins.js'
import type { Scheduler } from '../util/timers.js'
import type { TopicRuntime } from '../topic/windows.js'
import { toHex, topicChannel } from '../wire/index.js'
import type { AdversaryNode } from './node.js'

/** Settled epochs whose consensus losses pick the victim. */
export const VICTIM_WINDOW = 8

/**
 * The inferer other than `context.self` with the lowest mean consensus log10 loss over the
 * latest VICTIM_WINDOW settled epochs (ties: the lower id); before any settlement, the lowest id
 * of the last epoch's inferers. Undefined when there is nobody to copy.
 */
export function victimOf(context: ModelContext): string | undefined {
  const totals = new Map<string, { sum: number; n: number }>()
  for (const { losses } of context.inferenceLosses.slice(-VICTIM_WINDOW)) {
    for (const [id, loss] of Object.entries(losses)) {
      if (id === 'network' || id === context.self || !Number.isFinite(loss)) continue
      const t = totals.get(id) ?? { sum: 0, n: 0 }
      totals.set(id, { sum: t.sum + loss, n: t.n + 1 })
    }
  }
  let best: { id: string; mean: number } | undefined
  for (const [id, { sum, n }] of [...totals].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const mean = sum / n
    if (best === undefined || mean < best.mean) best = { id, mean }
  }
  if (best !== undefined) return best.id
  return [...context.inferers].filter((id) => id !== context.self).sort()[0]
}

/** The victim's latest committed value before `context.epoch`, if the context holds one. */
export function staleValueOf(context: ModelContext, victim: string): number | undefined {
  const decided = context.inferences ?? []
  for (let i = decided.length - 1; i >= 0; i--) {
    const v = decided[i].values[victim]
    if (typeof v === 'number') return v
  }
  return undefined
}

/** Inferences of the current epochs as they pass on gossip, by (epoch, signer). */
export class LiveInferences {
  private readonly values = new Map<number, Map<string, number>>()
  private readonly waiters = new Set<{ epoch: number; signer: string; resolve: (v: number | undefined) => void }>()

  constructor(private readonly scheduler: Scheduler) {}

  /** Listen to a topic's inference channel on `node` (a plain topic's: see the module comment). */
  static listen(node: Pick<AdversaryNode, 'subscribe'>, topicId: string, scheduler: Scheduler): LiveInferences {
    const live = new LiveInferences(scheduler)
    node.subscribe(topicChannel(topicId, 'inferences'), ({ envelope }) => {
      const value = (envelope.payload as { value?: unknown }).value
      if (envelope.type === 'inference' && typeof value === 'number')
        live.add(envelope.epoch, toHex(envelope.signer), value)
    })
    return live
  }

  add(epoch: number, signer: string, value: number): void {
    let epochValues = this.values.get(epoch)
    if (epochValues === undefined) {
      this.values.set(epoch, (epochValues = new Map()))
      // Only the epochs being answered matter; older ones go.
      for (const e of this.values.keys()) if (e < epoch - 2) this.values.delete(e)
    }
    if (!epochValues.has(signer)) epochValues.set(signer, value)
    for (const w of this.waiters)
      if (w.epoch === epoch && w.signer === signer) {
        this.waiters.delete(w)
        w.resolve(value)
      }
  }

  /** The signer's value for the epoch once it arrives, or undefined at `untilMs`. */
  waitFor(epoch: number, signer: string, untilMs: number): Promise<number | undefined> {
    const seen = this.values.get(epoch)?.get(signer)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve) => {
      const waiter = { epoch, signer, resolve }
      this.waiters.add(waiter)
      this.scheduler.at(untilMs, () => {
        if (this.waiters.delete(waiter)) resolve(undefined)
      })
    })
  }
}

/** Share of the submission window the copier waits for the victim's value (the worker's model timeout is 80%). */
export const COPY_WAIT_SHARE = 0.5

/** A worker model that answers with the victim's value (see the module comment). */
export class CopycatModel implements WorkerModel {
  readonly name: string

  constructor(
    private readonly honest: WorkerModel,
    private readonly topic: TopicRuntime,
    /** Current values off gossip; undefined on a commit-reveal topic, where none travel in time. */
    private readonly live: LiveInferences | undefined,
    private readonly onClose: () => void = () => {},
  ) {
    this.name = `copycat(${honest.name})`
  }

  async infer(context: ModelContext): Promise<number> {
    const victim = victimOf(context)
    if (victim === undefined) return this.honest.infer(context)
    const { config, clock } = this.topic
    const until = clock.startOf(context.epoch) + Math.floor(config.submissionWindowMs * COPY_WAIT_SHARE)
    const current = await this.live?.waitFor(context.epoch, victim, until)
    return current ?? staleValueOf(context, victim) ?? this.honest.infer(context)
  }

  forecast(context: ModelContext): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>> {
    return this.honest.forecast(context)
  }

  async close(): Promise<void> {
    this.onClose()
    await this.honest.close?.()
  }
}
