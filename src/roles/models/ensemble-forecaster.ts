/**
 * A forecaster whose forecast-implied inference is an ensemble: the equal-weight average of
 * the group of inferers that has lately predicted best *as a group*.
 *
 * Why groups: averaging inferers whose errors partly cancel beats each of them, and which
 * group cancels best changes with the series (a trend follower and a smoother cancel in a
 * noisy trend, the last value alone is best on a random walk). Why equal weights: the §6
 * weighting maps forecasts onto weights through the spread of the forecasts (docs/spec/math.md
 * §5), so the only combination a forecaster can ask for exactly, whatever the network's
 * last loss and the other forecasts, is "these inferers, equally": it forecasts the same log10
 * loss for every member (the group's expected loss) and leaves the others out, and §5 then
 * gives every member the same weight (equal regrets all cap, or all shift, together).
 *
 * How it learns, replayed from the context each epoch (stateless, like the other
 * forecasters): from the committed inferences and the truth it computes, for every group of
 * the inferers it may cover (never itself), the loss its average got in each past epoch, in
 * the topic's loss function. Several experts keep discounted sums of these losses, each with
 * its own half-life (a short one follows regime changes, a long one is not fooled by noise),
 * and each picks the group with the lowest sum. Their picks are scored like the adaptive
 * forecaster's experts (an EMA of the loss the pick then got) and the best-scoring expert's
 * group is the forecast.
 */
import { loss } from '../../topic/losses.js'
import type { LossFunctionName, ModelContext } from '../plugins.js'
import type { Forecaster } from './compose.js'
import { ModelSpecError } from './errors.js'
import { Ema, NETWORK_KEY } from './loss-history.js'

export interface EnsembleForecasterOptions {
  /** Half-lives (epochs) of the experts' discounted losses, fast to slow. @default [2, 4, 8, 16, 64] */
  readonly halflives?: readonly number[]
  /** EMA weight of an expert's latest pick loss in its score. @default 0.05 */
  readonly meta?: number
  /** Most inferers considered (the ones with the lowest long-run loss); groups are all subsets of them. @default 7 */
  readonly maxInferers?: number
  /**
   * What the experts average: `mean` the loss itself (ranks groups by mean loss, as a
   * topic's summary does), `log` its log10 (ranks by typical loss, the space the network's
   * regrets live in, so the network sees the group's advantage sooner). @default 'mean'
   */
  readonly statistic?: EnsembleStatistic
}

export const ENSEMBLE_STATISTICS = ['mean', 'log'] as const
export type EnsembleStatistic = (typeof ENSEMBLE_STATISTICS)[number]

export const DEFAULT_HALFLIVES: readonly number[] = Object.freeze([2, 4, 8, 16, 64])

/** Loss used when the context names no loss function (the topics' default). */
const DEFAULT_LOSS: LossFunctionName = 'squared-error'
/** The smallest loss a log is taken of. */
const TINY = 1e-300
/** 2^10 subsets at most: the cost per epoch stays in the tens of thousands of operations. */
const MAX_INFERERS = 10

export interface EnsemblePick {
  /** Ids of the chosen group, ascending. */
  readonly members: readonly string[]
  /** Half-life of the expert that chose it. */
  readonly halflife: number
  /** That expert's discounted mean loss of the group (loss units; log10 units for `log`). */
  readonly expectedLoss: number
}

export class EnsembleForecaster implements Forecaster {
  readonly name: string
  readonly halflives: readonly number[]
  readonly meta: number
  readonly maxInferers: number
  readonly statistic: EnsembleStatistic

  constructor(options: EnsembleForecasterOptions = {}) {
    this.statistic = options.statistic ?? 'mean'
    this.halflives = options.halflives ?? DEFAULT_HALFLIVES
    this.meta = options.meta ?? 0.05
    this.maxInferers = options.maxInferers ?? 7
    if (this.halflives.length === 0 || !this.halflives.every((h) => h > 0 && Number.isFinite(h))) {
      throw new ModelSpecError(`ensemble: halflives must be finite numbers > 0 (got ${this.halflives.join(',')})`)
    }
    if (!(this.meta > 0 && this.meta <= 1))
      throw new ModelSpecError(`ensemble: meta must be in (0, 1] (got ${this.meta})`)
    if (!Number.isInteger(this.maxInferers) || this.maxInferers < 1 || this.maxInferers > MAX_INFERERS) {
      throw new ModelSpecError(
        `ensemble: maxInferers must be an integer in [1, ${MAX_INFERERS}] (got ${this.maxInferers})`,
      )
    }
    this.name = `ensemble:halflives=${this.halflives.join('/')},meta=${this.meta},statistic=${this.statistic}`
  }

  forecast(context: ModelContext): Record<string, number> {
    const pick = this.pick(context)
    if (pick === undefined) return {}
    const value = this.statistic === 'log' ? pick.expectedLoss : Math.log10(Math.max(pick.expectedLoss, TINY))
    return Object.fromEntries(pick.members.map((id) => [id, value]))
  }

  /** The group this forecaster would forecast for `context` (tests, diagnostics). */
  pick(context: ModelContext): EnsemblePick | undefined {
    const lossFunction = context.lossFunction ?? DEFAULT_LOSS
    const truth = new Map(context.truth.map((p) => [p.epoch, p.value]))
    const past = (context.inferences ?? []).filter((e) => truth.has(e.epoch)).sort((a, b) => a.epoch - b.epoch)
    const ids = this.candidates(context, past, truth, lossFunction)
    if (ids.length === 0 || past.length === 0) return undefined
    const k = ids.length
    const groups = (1 << k) - 1
    const decays = this.halflives.map((h) => 0.5 ** (1 / h))
    // Per expert and group: discounted loss sum and weight sum.
    const sums = this.halflives.map(() => new Float64Array(groups + 1))
    const weights = this.halflives.map(() => new Float64Array(groups + 1))
    const scores = this.halflives.map(() => new Ema(this.meta))
    const values = new Float64Array(k)
    const present = new Uint8Array(k)
    const groupLoss = new Float64Array(groups + 1)
    const groupSeen = new Uint8Array(groups + 1)
    for (const entry of past) {
      const x = truth.get(entry.epoch) as number
      const previous = truth.get(entry.epoch - 1)
      for (let i = 0; i < k; i++) {
        const v = entry.values[ids[i]]
        present[i] = typeof v === 'number' && Number.isFinite(v) ? 1 : 0
        values[i] = present[i] === 1 ? v : 0
      }
      let usable = true
      for (let g = 1; g <= groups; g++) {
        let s = 0
        let n = 0
        for (let i = 0; i < k; i++) {
          if ((g >> i) & 1 && present[i] === 1) {
            s += values[i]
            n++
          }
        }
        groupSeen[g] = n > 0 ? 1 : 0
        if (n === 0) continue
        try {
          groupLoss[g] = loss(lossFunction, s / n, x, previous)
        } catch {
          usable = false // e.g. a return loss without the previous truth
          break
        }
        if (!Number.isFinite(groupLoss[g])) groupSeen[g] = 0
        else if (this.statistic === 'log') groupLoss[g] = Math.log10(Math.max(groupLoss[g], TINY))
      }
      if (!usable) continue
      // Score each expert's pick made before this epoch's loss was known, then update it.
      this.halflives.forEach((_, e) => {
        const g = bestGroup(sums[e], weights[e], groups)
        if (g > 0 && groupSeen[g] === 1) scores[e].add(groupLoss[g])
        const d = decays[e]
        for (let h = 1; h <= groups; h++) {
          sums[e][h] *= d
          weights[e][h] *= d
          if (groupSeen[h] === 1) {
            sums[e][h] += groupLoss[h]
            weights[e][h] += 1
          }
        }
      })
    }
    let best = -1
    for (let e = 0; e < scores.length; e++) {
      const g = bestGroup(sums[e], weights[e], groups)
      if (g === 0) continue
      if (best < 0 || (scores[e].count > 0 && (scores[best].count === 0 || scores[e].value < scores[best].value)))
        best = e
    }
    if (best < 0) return undefined
    const g = bestGroup(sums[best], weights[best], groups)
    const members = ids.filter((_, i) => (g >> i) & 1)
    return { members, halflife: this.halflives[best], expectedLoss: sums[best][g] / weights[best][g] }
  }

  /**
   * The inferers it may cover: expected this epoch, not itself, seen in the history; at most
   * `maxInferers`, those with the lowest mean loss over the history.
   */
  private candidates(
    context: ModelContext,
    past: readonly { readonly epoch: number; readonly values: Readonly<Record<string, number>> }[],
    truth: ReadonlyMap<number, number>,
    lossFunction: LossFunctionName,
  ): string[] {
    const seen = new Map<string, { sum: number; n: number }>()
    for (const entry of past) {
      const x = truth.get(entry.epoch) as number
      for (const id of Object.keys(entry.values)) {
        if (id === context.self || id === NETWORK_KEY || !context.inferers.includes(id)) continue
        let l: number
        try {
          l = loss(lossFunction, entry.values[id], x, truth.get(entry.epoch - 1))
        } catch {
          continue
        }
        if (!Number.isFinite(l)) continue
        const s = seen.get(id) ?? { sum: 0, n: 0 }
        s.sum += l
        s.n++
        seen.set(id, s)
      }
    }
    const ids = [...seen.keys()].sort()
    if (ids.length <= this.maxInferers) return ids
    const mean = (id: string): number =>
      (seen.get(id) as { sum: number; n: number }).sum / (seen.get(id) as { sum: number; n: number }).n
    return ids
      .slice()
      .sort((a, b) => mean(a) - mean(b) || (a < b ? -1 : 1))
      .slice(0, this.maxInferers)
      .sort()
  }
}

/** The group with the lowest discounted mean loss (0 when none has data); ties go to the lower mask. */
function bestGroup(sums: Float64Array, weights: Float64Array, groups: number): number {
  let best = 0
  let bestValue = Number.POSITIVE_INFINITY
  for (let g = 1; g <= groups; g++) {
    if (!(weights[g] > 0)) continue
    const v = sums[g] / weights[g]
    if (v < bestValue) {
      best = g
      bestValue = v
    }
  }
  return best
}
