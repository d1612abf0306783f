/**
 * The ranges of the numbers participants send, which keep one participant's absurd number
 * from failing a whole epoch for everyone.
 *
 * Log10 losses (docs/spec/math.md §2: forecasts and reputer losses are log10 losses).
 * A loss is a positive finite double, so its log10 lies in [log10(5e−324), log10(1.8e308)]
 * ≈ [−323.3, 308.3]: a value outside [−324, 309] is not the log10 of any loss. The bound is
 * also what keeps one participant's absurd number from failing a whole epoch: every regret,
 * σ and distance built from bounded log losses stays far from overflow (a forecast of 1e155
 * would make the σ of its forecast-implied regrets infinite, a reported loss of 1e300 every
 * reputer's distance).
 */
import { SynthesisError } from './errors.js'

export const LOG10_LOSS_MIN = -324
export const LOG10_LOSS_MAX = 309

/** `value` if it is a log10 loss; NON_FINITE (NaN, ±∞) or INVALID_INPUT naming `path` otherwise. */
export function log10Loss(value: unknown, path: string): number {
  if (typeof value !== 'number') throw new SynthesisError('INVALID_INPUT', `${path} must be a number`)
  if (!Number.isFinite(value)) throw new SynthesisError('NON_FINITE', `${path} is not finite (${value})`)
  if (value < LOG10_LOSS_MIN || value > LOG10_LOSS_MAX)
    throw new SynthesisError(
      'INVALID_INPUT',
      `${path} is not a log10 loss: ${value} is outside [${LOG10_LOSS_MIN}, ${LOG10_LOSS_MAX}]`,
    )
  return value
}

/**
 * Inferences: any number of magnitude up to 1e300. A network inference is a weighted sum
 * Σ w·I / Σ w with each weight at most pNorm; an inference near the largest double (1e308)
 * made that sum overflow, and the epoch fail, as soon as its worker's weight passed 1.8.
 */
export const INFERENCE_LIMIT = 1e300

/** `value` if it is a usable inference; NON_FINITE or INVALID_INPUT naming `path` otherwise. */
export function inferenceValue(value: unknown, path: string): number {
  if (typeof value !== 'number') throw new SynthesisError('INVALID_INPUT', `${path} must be a number`)
  if (!Number.isFinite(value)) throw new SynthesisError('NON_FINITE', `${path} is not finite (${value})`)
  if (!(Math.abs(value) <= INFERENCE_LIMIT))
    throw new SynthesisError('INVALID_INPUT', `${path}: ${value} is larger in magnitude than ${INFERENCE_LIMIT}`)
  return value
}
