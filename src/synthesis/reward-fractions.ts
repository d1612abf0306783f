/**
 * Reward fractions within a task and the task entropies (docs/spec/math.md §11.4, §12.1, §12.2;
 * epoch-json §6.14, §6.17–§6.19).
 *
 * The payout uses the raw fractions; their EMA-smoothed, renormalised versions only measure
 * how spread out the rewards have been (entropy), which decides how a topic's reward is split
 * between the tasks.
 */
import { exp, ln, log1pExp, pow } from './detmath.js'
import { own } from './id-map.js'
import { ema, sampleStdDev } from './stats.js'
import type { IdMap } from './types.js'

/** §12.2: the entropy of a task with a single participant (a chain constant). */
export const SINGLE_PARTICIPANT_ENTROPY = 0.173286795139986

/**
 * §12.1: the spread sample is the newest `max` score entries of the task: this epoch's scores
 * (ascending id) followed by the stored history (newest epoch first). It is also the new
 * stored history (epoch-json §4.2 `score_history`).
 */
export function scoreSpreadSample(current: ArrayLike<number>, history: readonly number[], max: number): number[] {
  const out: number[] = []
  for (let i = 0; i < current.length && out.length < max; i++) out.push(current[i])
  for (let i = 0; i < history.length && out.length < max; i++) out.push(history[i])
  return out
}

/** u_n = x_n / Σ x, in order. */
function normalise(values: Float64Array): Float64Array {
  let total = 0
  for (let i = 0; i < values.length; i++) total += values[i]
  for (let i = 0; i < values.length; i++) values[i] = values[i] / total
  return values
}

function equalFractions(n: number): Float64Array {
  return new Float64Array(n).fill(1 / n)
}

/** Smallest positive normal float64: below it a sum of mapped scores has lost its precision. */
const MIN_NORMAL = 2.2250738585072014e-308

/**
 * §12.1: u_n = φ_p(T_n/(σ+ε)) / Σ φ_p(T/(σ+ε)) with φ_p(x) = ln(1 + e^{p(x − c)}), σ the
 * sample standard deviation of the spread sample. A spread below ε (scores that barely
 * differ, or too few entries) gives equal fractions.
 */
export function workerRewardFractions(
  scores: ArrayLike<number>,
  sample: readonly number[],
  p: number,
  c: number,
  epsilon: number,
): Float64Array {
  const n = scores.length
  if (n === 0) return new Float64Array(0)
  const sigma = sample.length > 1 ? Math.abs(sampleStdDev(sample)) : 0
  if (sigma < epsilon) return equalFractions(n)
  const den = sigma + epsilon
  const z = new Float64Array(n)
  const mapped = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    z[i] = p * (scores[i] / den - c)
    mapped[i] = log1pExp(z[i])
    total += mapped[i]
  }
  if (total >= MIN_NORMAL) return normalise(mapped)
  // Every score is so far below the others' spread that φ underflows. For z → −∞,
  // φ(z) ~ e^z, so the fractions tend to a softmax of z: use that limit instead of 0/0.
  let zMax = z[0]
  for (let i = 1; i < n; i++) if (z[i] > zMax) zMax = z[i]
  for (let i = 0; i < n; i++) mapped[i] = exp(z[i] - zMax)
  return normalise(mapped)
}

/**
 * §11.4: w_m = (S_m·T_m)^p / Σ (S·T)^p. The products are divided by their maximum first (the
 * ratio is unchanged), so stakes in the smallest token unit cannot overflow the power.
 */
export function reputerRewardFractions(stakes: ArrayLike<number>, scores: ArrayLike<number>, p: number): Float64Array {
  const n = stakes.length
  const x = new Float64Array(n)
  let largest = 0
  for (let m = 0; m < n; m++) {
    x[m] = stakes[m] * scores[m]
    if (x[m] > largest) largest = x[m]
  }
  for (let m = 0; m < n; m++) {
    const ratio = x[m] / largest
    x[m] = p === 1 ? ratio : pow(ratio, p)
  }
  return normalise(x)
}

/** N_eff = 1 / Σ f², the number of participants that effectively share the reward. */
export function numberRatio(fractions: ArrayLike<number>): number {
  let squares = 0
  for (let i = 0; i < fractions.length; i++) squares += fractions[i] * fractions[i]
  return 1 / squares
}

/**
 * −Σ f ln f · (N_eff / N)^β; 0·ln 0 is 0. One participant gives the chain's constant and no
 * participant gives 0 (the task then has nothing to pay).
 */
export function entropy(
  fractions: ArrayLike<number>,
  effectiveNumber: number,
  participants: number,
  beta: number,
): number {
  if (participants === 0) return 0
  if (participants === 1) return SINGLE_PARTICIPANT_ENTROPY
  let s = 0
  for (let i = 0; i < fractions.length; i++) {
    const f = fractions[i]
    if (f > 0) s += f * ln(f)
  }
  return -s * pow(effectiveNumber / participants, beta)
}

export interface SmoothedTask {
  /** f̂: the smoothed fractions renormalised to sum 1, stored for the next epoch. */
  readonly smoothed: Float64Array
  readonly entropy: number
}

/**
 * §12.2 for one task: f̃ = EMA(α, f, previous f̂) (f itself if none is stored), N_eff from the
 * un-normalised f̃, entropy of the renormalised f̂.
 */
export function smoothAndEntropy(
  alpha: number,
  beta: number,
  ids: readonly string[],
  fractions: ArrayLike<number>,
  previous: IdMap,
): SmoothedTask {
  const n = ids.length
  const tilde = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    const prev = own(previous, ids[i])
    tilde[i] = ema(alpha, fractions[i], prev ?? 0, prev === undefined)
    total += tilde[i]
  }
  // Only α = 0 with every stored fraction 0 gets here; the current fractions are the limit.
  if (!(total > 0)) for (let i = 0; i < n; i++) tilde[i] = fractions[i]
  const effective = numberRatio(tilde)
  const smoothed = normalise(Float64Array.from(tilde))
  return { smoothed, entropy: entropy(smoothed, effective, n, beta) }
}
