/**
 * The loss history as forecasters use it: per past epoch, each inferer's loss split into the
 * epoch's common level and the inferer's relative part. Every inferer shares the truth's
 * surprise of an epoch, so relative losses are far less noisy than raw ones, and ranking is
 * all a forecast-implied inference needs.
 *
 * Two sources, the fresher preferred: the past inferences with the truth and the topic's
 * loss function (when the context carries them; known one epoch after the truth), else the
 * consensus log10 losses of settled epochs.
 */
import { loss } from '../../topic/losses.js'
import type { ModelContext } from '../plugins.js'

/** The key under which ModelContext.inferenceLosses carries the network's loss. */
export const NETWORK_KEY = 'network'

export interface EpochLosses {
  readonly epoch: number
  /** Mean loss over the epoch's inferers (in loss units, not log). */
  readonly level: number
  /** inferer id → its loss, ascending id. */
  readonly raw: ReadonlyMap<string, number>
  /** inferer id → its loss divided by `level` (so the shares of an epoch average to 1), ascending id. */
  readonly shares: ReadonlyMap<string, number>
  /** inferer id → log10 of its loss minus the epoch's mean log10 loss. */
  readonly deviations: ReadonlyMap<string, number>
  /** Mean log10 loss of the epoch. */
  readonly logLevel: number
}

/** The smallest loss a share or log is taken of (an exact hit would give log10 0). */
const TINY = 1e-300

function epochLosses(epoch: number, raw: ReadonlyMap<string, number>): EpochLosses | undefined {
  const ids = [...raw.keys()].sort()
  if (ids.length === 0) return undefined
  let level = 0
  let logLevel = 0
  for (const id of ids) {
    level += raw.get(id) as number
    logLevel += Math.log10(Math.max(raw.get(id) as number, TINY))
  }
  level /= ids.length
  logLevel /= ids.length
  const shares = new Map<string, number>()
  const deviations = new Map<string, number>()
  for (const id of ids) {
    const l = raw.get(id) as number
    shares.set(id, level > 0 ? l / level : 1)
    deviations.set(id, Math.log10(Math.max(l, TINY)) - logLevel)
  }
  const sorted = new Map(ids.map((id) => [id, raw.get(id) as number]))
  return { epoch, level: Math.max(level, TINY), raw: sorted, shares, deviations, logLevel }
}

/** Per past epoch (ascending), the losses of its inferers. */
export function lossHistory(context: ModelContext): EpochLosses[] {
  const byEpoch = new Map<number, Map<string, number>>()
  for (const entry of context.inferenceLosses) {
    const raw = new Map<string, number>()
    for (const id of Object.keys(entry.losses)) {
      const v = entry.losses[id]
      if (id !== NETWORK_KEY && Number.isFinite(v)) raw.set(id, 10 ** v)
    }
    byEpoch.set(entry.epoch, raw)
  }
  if (context.inferences !== undefined && context.lossFunction !== undefined) {
    const truth = new Map(context.truth.map((p) => [p.epoch, p.value]))
    for (const entry of context.inferences) {
      const x = truth.get(entry.epoch)
      if (x === undefined) continue
      const raw = new Map<string, number>()
      try {
        for (const id of Object.keys(entry.values))
          raw.set(id, loss(context.lossFunction, entry.values[id], x, truth.get(entry.epoch - 1)))
      } catch {
        continue // e.g. a return loss without the previous truth: the consensus losses stand.
      }
      byEpoch.set(entry.epoch, raw)
    }
  }
  const out: EpochLosses[] = []
  for (const epoch of [...byEpoch.keys()].sort((a, b) => a - b)) {
    const e = epochLosses(epoch, byEpoch.get(epoch) as Map<string, number>)
    if (e !== undefined) out.push(e)
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

/**
 * Keep only the forecasts within `factor` of the lowest expected loss (log10 forecasts, so
 * within log10(factor) of the minimum). A forecaster's implied inference weighs every
 * inferer it covers, and the §5 weights of a handful of forecasts never fall below a few
 * percent, so covering an inferer it expects to do badly only leaks that inferer's error
 * into its own value. The protocol lets a forecaster cover any subset.
 */
export function coverPlausible(forecast: Record<string, number>, factor: number): Record<string, number> {
  if (!(factor < Number.POSITIVE_INFINITY)) return forecast
  const ids = Object.keys(forecast)
  if (ids.length === 0) return forecast
  let min = Number.POSITIVE_INFINITY
  for (const id of ids) min = Math.min(min, forecast[id])
  const limit = min + Math.log10(factor)
  const out: Record<string, number> = {}
  for (const id of ids) if (forecast[id] <= limit) out[id] = forecast[id]
  return out
}

/**
 * How an inferer's relative loss is averaged:
 * - `mean`: EMA of its loss over EMA of the mean loss, i.e. it ranks by mean loss, as the
 *   topic's summary does (but the rare large epochs dominate, so it learns slowly);
 * - `share`: EMA of its share of each epoch's loss (every epoch counts the same);
 * - `log`: EMA of its log10 loss minus the epoch's mean (ranks by typical loss, the space
 *   the network's regrets live in).
 */
export const STATISTICS = ['mean', 'share', 'log'] as const
export type Statistic = (typeof STATISTICS)[number]

/** Relative estimates are floored here before their log: no inferer is forecast a loss of 0. */
const MIN_RELATIVE = 1e-3

/** A log10 loss forecast from a level and a relative estimate of `statistic`. */
export function forecastOf(statistic: Statistic, level: number, relative: number): number {
  return statistic === 'log' ? level + relative : Math.log10(level * Math.max(relative, MIN_RELATIVE))
}

/** Running estimates of one group of epochs (a regime, all, or the recent ones). */
export class Estimates {
  private readonly byId = new Map<string, Ema>()
  private readonly level: Ema

  constructor(
    private readonly alpha: number,
    private readonly statistic: Statistic,
  ) {
    this.level = new Ema(alpha)
  }

  add(h: EpochLosses): void {
    const values = this.statistic === 'mean' ? h.raw : this.statistic === 'share' ? h.shares : h.deviations
    this.level.add(this.statistic === 'log' ? h.logLevel : h.level)
    for (const [id, v] of values) {
      let e = this.byId.get(id)
      if (e === undefined) this.byId.set(id, (e = new Ema(this.alpha)))
      e.add(v)
    }
  }

  /** The level forecasts are scaled by (loss units; log10 units for `log`). */
  get levelValue(): number {
    return this.level.value
  }

  /** id's loss relative to the group (a ratio, or a log10 difference for `log`). */
  relative(id: string): { value: number; count: number } | undefined {
    const e = this.byId.get(id)
    if (e === undefined) return undefined
    return { value: this.statistic === 'mean' ? e.value / (this.level.value || 1) : e.value, count: e.count }
  }

  ids(): string[] {
    return [...this.byId.keys()]
  }
}
