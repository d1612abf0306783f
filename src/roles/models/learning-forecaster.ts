/**
 * A forecaster that learns: for each inferer, a linear model fitted online (ridge regression
 * with exponential forgetting) that predicts how the inferer will rank among the epoch's
 * inferers from features of what was known before the epoch (learner-features.ts). The
 * target is, by default, the inferer's z-score: its log10 loss minus the epoch's mean, over
 * the spread of the epoch's log10 losses, which is the regret z-score with the sign turned
 * (regrets are the network's loss minus the inferer's). A z-score carries only the ranking
 * and the margin, which is what the protocol's weights read (§5 normalises regrets by their
 * spread); the losses themselves swing with every surprise of the series.
 *
 * The forecast turns a predicted z back into a log10 loss with recent averages of the
 * epoch level and spread. The model is replayed from the context's history on every call, so
 * it holds no state between epochs and gives the same forecast after a restart.
 *
 * The other targets are there to compare, as is a single `global` model shared by every
 * inferer: `regret` (the regret minus the epoch's mean regret, not scaled: the log10 loss
 * minus the epoch's mean, sign turned), `share` (the loss over the epoch's mean loss, each
 * sample weighted by the epoch's loss level, so it ranks by mean loss as the topic's summary
 * does) and `loss` (the log10 loss itself).
 */
import type { ModelContext } from '../plugins.js'
import type { Forecaster } from './compose.js'
import { ModelSpecError } from './errors.js'
import { FEATURE_COUNT, InfererTrack, seriesRow } from './learner-features.js'
import { coverPlausible, lossHistory, type EpochLosses } from './loss-history.js'
import { solve, stepsAhead } from './series.js'

export const LEARNING_TARGETS = ['zscore', 'regret', 'loss', 'share'] as const
export type LearningTarget = (typeof LEARNING_TARGETS)[number]
export const LEARNING_SCOPES = ['inferer', 'global'] as const
export type LearningScope = (typeof LEARNING_SCOPES)[number]

export interface LearningForecasterOptions {
  /** @default 'zscore' */
  readonly target?: LearningTarget
  /** One model per inferer, or one for all. @default 'inferer' */
  readonly scope?: LearningScope
  /** Epochs after which a sample counts half. @default 100 */
  readonly halflife?: number
  /** Ridge penalty, in samples' worth of shrinkage towards "average". @default 10 */
  readonly ridge?: number
  /** Forecast only inferers within this factor of the lowest expected loss. @default 1 */
  readonly cover?: number
}

/** Normal equations of one weighted least-squares fit, aged as samples arrive. */
export class Fit {
  private readonly A = new Float64Array(FEATURE_COUNT * FEATURE_COUNT)
  private readonly b = new Float64Array(FEATURE_COUNT)
  private epoch = Number.NaN

  constructor(private readonly decay: number) {}

  add(epoch: number, x: Float64Array, y: number, weight = 1): void {
    if (epoch !== this.epoch) {
      const f = Number.isNaN(this.epoch) ? 1 : this.decay ** (epoch - this.epoch)
      if (f !== 1) {
        for (let i = 0; i < this.A.length; i++) this.A[i] *= f
        for (let i = 0; i < FEATURE_COUNT; i++) this.b[i] *= f
      }
      this.epoch = epoch
    }
    for (let i = 0; i < FEATURE_COUNT; i++) {
      this.b[i] += weight * x[i] * y
      for (let j = 0; j < FEATURE_COUNT; j++) this.A[i * FEATURE_COUNT + j] += weight * x[i] * x[j]
    }
  }

  coefficients(ridge: number): number[] | undefined {
    const A: number[][] = []
    for (let i = 0; i < FEATURE_COUNT; i++) {
      const row = Array.from(this.A.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT))
      // The intercept is shrunk too: an inferer with little history is forecast as average.
      row[i] += ridge
      A.push(row)
    }
    return solve(A, Array.from(this.b), 0)
  }
}

export class LearningForecaster implements Forecaster {
  readonly name: string
  readonly target: LearningTarget
  readonly scope: LearningScope
  readonly halflife: number
  readonly ridge: number
  readonly cover: number

  constructor(options: LearningForecasterOptions = {}) {
    this.target = options.target ?? 'zscore'
    this.scope = options.scope ?? 'inferer'
    this.halflife = options.halflife ?? 100
    this.ridge = options.ridge ?? 10
    this.cover = options.cover ?? 1
    if (!(this.halflife > 0)) throw new ModelSpecError(`learn: halflife must be > 0 (got ${this.halflife})`)
    if (!(this.ridge > 0)) throw new ModelSpecError(`learn: ridge must be > 0 (got ${this.ridge})`)
    if (!(this.cover >= 1)) throw new ModelSpecError(`learn: cover must be >= 1 (got ${this.cover})`)
    this.name = `learn:target=${this.target},scope=${this.scope},halflife=${this.halflife},ridge=${this.ridge},cover=${this.cover}`
  }

  forecast(context: ModelContext): Record<string, number> {
    const history = lossHistory(context)
    if (history.length === 0) return {}
    const lag = stepsAhead(context)
    const values = context.truth.map((p) => p.value)
    const truthEpochs = context.truth.map((p) => p.epoch)
    const errors = signedErrors(context)
    const decay = 0.5 ** (1 / this.halflife)
    const tracks = new Map<string, InfererTrack>()
    const fits = new Map<string, Fit>()
    const trackOf = (id: string): InfererTrack => {
      let t = tracks.get(id)
      if (t === undefined) tracks.set(id, (t = new InfererTrack()))
      return t
    }
    const fitOf = (id: string): Fit => {
      const key = this.scope === 'global' ? '' : id
      let f = fits.get(key)
      if (f === undefined) fits.set(key, (f = new Fit(decay)))
      return f
    }
    const levels = new Levels()
    let folded = 0
    let known = 0
    // Folds the epochs ≤ `upTo` into the tracks and the levels: what a forecast for
    // epoch upTo + lag could have known.
    const fold = (upTo: number): void => {
      for (; folded < history.length && history[folded].epoch <= upTo; folded++) {
        const h = history[folded]
        const sd = spreadOf(h)
        levels.add(h, sd)
        const e = errors.get(h.epoch)
        for (const [id, d] of h.deviations)
          trackOf(id).add(sd > 0 ? d / sd : 0, e?.get(id), h.raw.get(id) as number, h.level)
      }
      while (known < truthEpochs.length && truthEpochs[known] <= upTo) known++
    }
    const x = new Float64Array(FEATURE_COUNT)
    for (const h of history) {
      fold(h.epoch - lag)
      const series = seriesRow(values, known)
      const sd = spreadOf(h)
      // A share sample counts by the epoch's loss level, so the fit ranks by mean loss.
      const weight = this.target === 'share' && levels.raw > 0 ? Math.min(h.level / levels.raw, 20) : 1
      for (const [id, d] of h.deviations)
        fitOf(id).add(h.epoch, trackOf(id).row(series, x), sampleOf(this.target, h, id, d, sd), weight)
    }
    fold(context.epoch - lag)
    const series = seriesRow(values, known)
    const out: Record<string, number> = {}
    for (const id of context.inferers) {
      const beta = fits.get(this.scope === 'global' ? '' : id)?.coefficients(this.ridge)
      const row = trackOf(id).row(series, x)
      let predicted = 0
      if (beta !== undefined) for (let i = 0; i < FEATURE_COUNT; i++) predicted += beta[i] * row[i]
      const forecast = beta === undefined ? levels.log : forecastOf(this.target, predicted, levels)
      if (Number.isFinite(forecast)) out[id] = forecast
    }
    return coverPlausible(out, this.cover)
  }
}

/** What the fit of `target` learns from inferer `id` in epoch `h` (d: its log10 deviation). */
function sampleOf(target: LearningTarget, h: EpochLosses, id: string, d: number, sd: number): number {
  switch (target) {
    case 'zscore':
      return sd > 0 ? d / sd : 0
    case 'regret':
      return d
    case 'share':
      return (h.shares.get(id) as number) - 1
    case 'loss':
      return d + h.logLevel
  }
}

/** A log10 loss from a fit's prediction of `target`. */
function forecastOf(target: LearningTarget, predicted: number, levels: Levels): number {
  switch (target) {
    case 'zscore':
      return levels.log + predicted * levels.spread
    case 'regret':
      return levels.log + predicted
    case 'share':
      return Math.log10(levels.raw * Math.max(1 + predicted, MIN_SHARE))
    case 'loss':
      return predicted
  }
}

/** No inferer is forecast less than this share of the epoch's mean loss. */
const MIN_SHARE = 1e-3
/** Weight of the newest epoch in the recent levels: they move with every surprise of the series. */
const LEVEL_ALPHA = 0.3

/** Recent averages of the epochs' mean log10 loss, mean loss and spread of log10 losses. */
class Levels {
  log = Number.NaN
  raw = Number.NaN
  spread = Number.NaN

  add(h: EpochLosses, spread: number): void {
    const first = Number.isNaN(this.log)
    const mix = (old: number, v: number): number => (first ? v : LEVEL_ALPHA * v + (1 - LEVEL_ALPHA) * old)
    this.log = mix(this.log, h.logLevel)
    this.raw = mix(this.raw, h.level)
    this.spread = mix(this.spread, spread)
  }
}

/** The spread of an epoch's log10 losses (root mean square of the deviations). */
function spreadOf(h: EpochLosses): number {
  let ss = 0
  for (const d of h.deviations.values()) ss += d * d
  return h.deviations.size > 1 ? Math.sqrt(ss / h.deviations.size) : 0
}

/**
 * Per past epoch, each inferer's signed error (inference − truth) over the root mean square
 * error of the epoch's inferers: which side of the truth it missed on, scale-free.
 */
function signedErrors(context: ModelContext): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>()
  if (context.inferences === undefined) return out
  const truth = new Map(context.truth.map((p) => [p.epoch, p.value]))
  for (const entry of context.inferences) {
    const x = truth.get(entry.epoch)
    if (x === undefined) continue
    const ids = Object.keys(entry.values)
    let ss = 0
    for (const id of ids) ss += (entry.values[id] - x) ** 2
    const rms = Math.sqrt(ss / Math.max(1, ids.length))
    if (!(rms > 0)) continue
    out.set(entry.epoch, new Map(ids.map((id) => [id, (entry.values[id] - x) / rms])))
  }
  return out
}
