/**
 * The topic loss functions (docs/spec/math.md §2): what a reputer charges a prediction once the
 * truth is known. Reputers report log10 of the loss, so every log here is the project's
 * deterministic one: two honest reputers must report the same bits.
 */
import { ln, log10 } from '../synthesis/detmath.js'

/** Loss functions a topic can use; reputers report log10 of the loss (docs/spec/math.md §2). */
export const LOSS_FUNCTIONS = ['squared-error', 'absolute-error', 'squared-log-error', 'squared-return-error'] as const
export type LossFunctionName = (typeof LOSS_FUNCTIONS)[number]

export class LossError extends Error {
  override readonly name = 'LossError'
}

/**
 * The absolute floor of a loss before its log is taken: log10(0) would be −Infinity, and a
 * non-finite value cannot enter a loss bundle (epoch-json §1). 1e-30 is far below any
 * meaningful loss on float64 data of ordinary scale, so it only ever catches exact hits.
 * The loss bundle raises the floor per epoch (see `epochLossFloor`).
 */
export const LOSS_FLOOR = 1e-30

/**
 * How far (as a factor) below the epoch's median inferer loss the bundle floors a loss:
 * 1e-4 is four decades, well inside the spread that the noise of a single squared error
 * already produces, so an exact hit on a discrete series (counts, prices in cents) earns a
 * large but ordinary regret instead of a 30-decade one that would dominate the regret EMA
 * for dozens of epochs.
 */
export const RELATIVE_LOSS_FLOOR = 1e-4

function checkFinite(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new LossError(`${what} must be a finite number (got ${String(value)})`)
}

/**
 * The loss (≥ 0, in the units of the loss function, not log) of `prediction` against
 * `truth`. `previousTruth` is the truth of the epoch before, needed only by
 * `squared-return-error`, which compares simple returns: ((prediction − truth) / previous)².
 * `squared-log-error` compares natural logs; the truth must be positive, and a non-positive
 * prediction is charged as if it were the smallest positive double (a huge, finite loss),
 * because a worker's bad answer must not stop the reputer from scoring everyone else.
 */
export function loss(name: LossFunctionName, prediction: number, truth: number, previousTruth?: number): number {
  checkFinite(prediction, 'prediction')
  checkFinite(truth, 'truth')
  switch (name) {
    case 'squared-error': {
      const d = prediction - truth
      return d * d
    }
    case 'absolute-error':
      return Math.abs(prediction - truth)
    case 'squared-log-error': {
      if (!(truth > 0)) throw new LossError(`squared-log-error needs a positive truth (got ${truth})`)
      const d = ln(prediction > 0 ? prediction : Number.MIN_VALUE) - ln(truth)
      return d * d
    }
    case 'squared-return-error': {
      if (previousTruth === undefined) throw new LossError('squared-return-error needs the previous truth')
      checkFinite(previousTruth, 'previous truth')
      if (previousTruth === 0) throw new LossError('squared-return-error needs a non-zero previous truth')
      const d = (prediction - truth) / previousTruth
      return d * d
    }
    default: {
      const unknown: never = name
      throw new LossError(`unknown loss function "${String(unknown)}"`)
    }
  }
}

/** log10 of the loss, floored at `floor` (default LOSS_FLOOR) so an exact hit stays finite. */
export function log10Loss(
  name: LossFunctionName,
  prediction: number,
  truth: number,
  previousTruth?: number,
  floor = LOSS_FLOOR,
): number {
  return log10OfLoss(loss(name, prediction, truth, previousTruth), floor)
}

/** log10(max(value, floor)); overflowing losses (a wild prediction) are capped at the largest double. */
export function log10OfLoss(value: number, floor = LOSS_FLOOR): number {
  const capped = value > Number.MAX_VALUE ? Number.MAX_VALUE : value
  return log10(capped > floor ? capped : floor)
}

/**
 * The floor for one epoch: RELATIVE_LOSS_FLOOR times the median of the inferers' losses
 * (never below LOSS_FLOOR). It depends only on the epoch's values and the truth, so every
 * reputer computes the same floor.
 */
export function epochLossFloor(infererLosses: readonly number[]): number {
  if (infererLosses.length === 0) return LOSS_FLOOR
  const sorted = [...infererLosses].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  const relative = median * RELATIVE_LOSS_FLOOR
  return relative > LOSS_FLOOR && Number.isFinite(relative) ? relative : LOSS_FLOOR
}
