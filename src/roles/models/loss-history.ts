/**
 * The committed loss history as forecasters use it: per past epoch, each inferer's consensus
 * log10 loss split into the epoch's common level (the mean over that epoch's inferers) and
 * the inferer's deviation from it. Every inferer shares the truth's surprise of an epoch, so
 * deviations are far less noisy than raw losses and are what ranking needs.
 */
import type { ModelContext } from '../plugins.js'

export interface RelativeLosses {
  readonly epoch: number
  /** Mean log10 loss over the epoch's inferers. */
  readonly level: number
  /** inferer id → its log10 loss minus `level`, in ascending id order. */
  readonly deviations: ReadonlyMap<string, number>
}

/** The key under which ModelContext.inferenceLosses carries the network's loss. */
export const NETWORK_KEY = 'network'

export function relativeLosses(context: ModelContext): RelativeLosses[] {
  const out: RelativeLosses[] = []
  for (const entry of context.inferenceLosses) {
    const ids = Object.keys(entry.losses)
      .filter((id) => id !== NETWORK_KEY && Number.isFinite(entry.losses[id]))
      .sort()
    if (ids.length === 0) continue
    let level = 0
    for (const id of ids) level += entry.losses[id]
    level /= ids.length
    const deviations = new Map<string, number>()
    for (const id of ids) deviations.set(id, entry.losses[id] - level)
    out.push({ epoch: entry.epoch, level, deviations })
  }
  return out
}

/** An exponential moving average with a count of the values folded in. */
export class Ema {
  value = 0
  count = 0

  constructor(private readonly alpha: number) {}

  add(x: number): void {
    // The first value starts the average, so early estimates are not pulled towards 0.
    this.value = this.count === 0 ? x : this.alpha * x + (1 - this.alpha) * this.value
    this.count++
  }
}

/** The median of the values (0 when there are none). */
export function medianOr0(values: readonly number[]): number {
  if (values.length === 0) return 0
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
