/**
 * Weights from regrets (docs/spec/math.md §5).
 *
 * The hot path of synthesis: a 1000-inferer epoch evaluates the weight function over a
 * million times, so the constants are computed once per epoch (`WeightKernel`) and regret
 * sets are passed as Float64Arrays in the order the spec sums them (inferers by ascending
 * id, then forecasters by ascending id).
 */
import { exp } from './detmath.js'
import { SynthesisError } from './errors.js'

/** The epoch-constant pieces of §5; build with `weightKernel`. */
export interface WeightKernel {
  readonly p: number
  readonly c: number
  /** ε: added to |σ| before normalising. */
  readonly epsilon: number
  /** c + 6.75/p: normalised regrets are capped here. */
  readonly cap: number
  /** c − 8.25/p: a set whose best regret lies below this is shifted up to it. */
  readonly floor: number
  /** c − 17.25/p: below this the weight is exactly 0. */
  readonly clip: number
}

/** Counts weight-function evaluations so the benchmark can time the same number in a loop. */
export interface WorkCounter {
  weightEvaluations: number
}

export function weightKernel(p: number, c: number, epsilon: number): WeightKernel {
  return { p, c, epsilon, cap: c + 6.75 / p, floor: c - 8.25 / p, clip: c - 17.25 / p }
}

/**
 * φ'_p of one normalised regret, given the set's (pre-cap) maximum normalised regret.
 * The cap comes before the shift, as the chain does it, so a capped regret is shifted too.
 */
export function weightOf(k: WeightKernel, normalizedRegret: number, maxNormalizedRegret: number): number {
  let r = normalizedRegret > k.cap ? k.cap : normalizedRegret
  if (maxNormalizedRegret < k.floor) r = r - maxNormalizedRegret + k.floor
  if (r < k.clip) return 0
  return k.p / (exp(k.p * (k.c - r)) + 1)
}

/** The chain's CalcWeightFromNormalizedRegret with explicit p and c (tests, worked examples). */
export function weightFromNormalizedRegret(
  normalizedRegret: number,
  maxNormalizedRegret: number,
  p: number,
  c: number,
): number {
  return weightOf(weightKernel(p, c, 0), normalizedRegret, maxNormalizedRegret)
}

/**
 * |σ| + ε of a regret set of `n` values from sums taken in one pass, relative to the set's
 * first regret K (the shifted-data algorithm): `sum` = Σ(r − K), `squares` = Σ(r − K)², in
 * the set's order. σ is the sample standard deviation (0 for one value):
 * σ² = (squares − sum²/n) / (n − 1). Shifting by a member of the set keeps the regrets'
 * common offset out of every square (when K lies far from the rest, the rounding error grows
 * with n: ~1e-11 relative at 2000 regrets), and one pass instead of the textbook two halves
 * the serial sums of the hottest loop of the epoch. Every caller
 * gathers the sums exactly so (inline, in the set's order), so every caller gets the same
 * bits for the same set.
 *
 * When a one-pass sum overflows (stored regrets near 1e154 and beyond: never from bounded
 * log losses, but a state may hold any finite number), σ is taken by the textbook two passes
 * over `regrets[0..n)` instead: sum² can overflow while σ is finite (then the remainder
 * squares − ∞ would read as σ = 0, silently), and Σ(r − K)² overflows for a set whose first
 * member is far out although Σ(r − mean)² does not. Only such sets take that path, so every
 * other set keeps its bits; a σ that is itself not finite is an error.
 */
export function regretScale(k: WeightKernel, regrets: Float64Array, n: number, sum: number, squares: number): number {
  let sigma = 0
  if (n > 1) {
    const sumSquared = sum * sum
    // Both finite (false for NaN too): the one-pass formula.
    if (sumSquared < Infinity && squares < Infinity) {
      const centred = squares - sumSquared / n
      // Rounding can leave a tiny negative remainder for a set of equal regrets.
      sigma = Math.sqrt((centred > 0 ? centred : 0) / (n - 1))
    } else {
      sigma = twoPassStdDev(regrets, n)
    }
  }
  // An overflowing spread would quietly normalise every regret to 0 (equal weights).
  if (!Number.isFinite(sigma)) throw new SynthesisError('NON_FINITE', 'standard deviation of regrets is not finite')
  return Math.abs(sigma) + k.epsilon
}

/** The sample standard deviation of `values[0..n)` (n ≥ 2) by two passes, sums in index order. */
function twoPassStdDev(values: Float64Array, n: number): number {
  let total = 0
  for (let i = 0; i < n; i++) total += values[i]
  const mean = total / n
  let squares = 0
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean
    squares += d * d
  }
  return Math.sqrt(squares / (n - 1))
}

/**
 * The §5 weights of the regret set `regrets[0..n)` and the §8 weighted mean of `values` in one
 * pass: fills `weights[i] = weightOf(k, regrets[i] · (1 / scale), max · (1 / scale))` (`max`
 * is the set's raw maximum, `scale` its |σ| + ε) and returns Σ w·v / max(Σ w, floorDiv) over
 * the same entries in the same order (zero weights and NaN values skipped). This is the
 * innermost loop of the epoch (n² + f·e² evaluations, n²·f with full forecasts): every
 * network and every forecast-implied inference goes through it, with the constants hoisted
 * (V8 does not reliably inline the call chain down to `exp`).
 *
 * A regret is normalised by multiplying with the set's 1/(|σ| + ε), not by dividing: the loop
 * already divides twice per weight (in exp and in φ'), and a third division costs more than
 * the rest of the normalisation (the result differs from R/(|σ| + ε) by at most one rounding).
 * The max is taken by callers over raw regrets and scaled once: multiplication by a positive
 * number is monotone under round-to-nearest, so max(R)·s equals max(R·s) bit for bit.
 */
export function weightedCombination(
  k: WeightKernel,
  regrets: Float64Array,
  values: Float64Array,
  n: number,
  scale: number,
  max: number,
  weights: Float64Array,
  floorDiv: number,
): number {
  const { p, c, cap, floor, clip } = k
  const inverse = 1 / scale
  const maxHat = max * inverse
  let num = 0
  let den = 0
  // Two copies of the loop, without and with the §5 shift, so the shift test is not in the
  // loop: the same operations in the same order either way. Not more: V8 inlines `exp` into
  // each copy within a fixed budget per compiled function, and a copy past the budget calls
  // it instead, at ~1.8× the time (measured on Node 20 with four copies). Observed with
  // --trace-turbo-inlining: V8 has not inlined the two-copy version into its callers, while
  // the one-loop version was inlined into `combine` in some runs, and there the loop ran
  // slower (a 1000-inferer synthesize step took 27 or 33 ms by run).
  if (!(maxHat < floor)) {
    for (let i = 0; i < n; i++) {
      let r = regrets[i] * inverse
      if (r > cap) r = cap
      const w = r < clip ? 0 : p / (exp(p * (c - r)) + 1)
      weights[i] = w
      const v = values[i]
      if (w === 0 || v !== v) continue
      num += w * v
      den += w
    }
  } else {
    for (let i = 0; i < n; i++) {
      let r = regrets[i] * inverse
      if (r > cap) r = cap
      r = r - maxHat + floor
      const w = r < clip ? 0 : p / (exp(p * (c - r)) + 1)
      weights[i] = w
      const v = values[i]
      if (w === 0 || v !== v) continue
      num += w * v
      den += w
    }
  }
  return num / (den > floorDiv ? den : floorDiv)
}

/** Fill `out[0..n)` with the §5 weights of the whole regret set `regrets[0..n)`. */
export function weightsOfRegrets(
  k: WeightKernel,
  regrets: Float64Array,
  n: number,
  out: Float64Array,
  counter: WorkCounter | undefined,
): void {
  if (n === 0) throw new SynthesisError('INVALID_INPUT', 'weights of an empty regret set')
  const shift = regrets[0]
  let sum = 0
  let squares = 0
  let max = shift
  for (let i = 0; i < n; i++) {
    const r = regrets[i]
    const d = r - shift
    sum += d
    squares += d * d
    if (r > max) max = r
  }
  const scale = regretScale(k, regrets, n, sum, squares)
  // The values are a placeholder: only the weights are wanted.
  weightedCombination(k, regrets, regrets, n, scale, max, out, 1)
  if (counter !== undefined) counter.weightEvaluations += n
}

/**
 * The §8 weighted mean Σ w·v / max(Σ w, floorDiv) over `n` entries, skipping zero weights
 * and absent values (NaN marks a forecaster that has no value in this network but whose
 * regret still shaped σ and the max, epoch-json §6.6). Sums run in index order.
 * `combine` computes the same sums inline; a property test holds the two bit-equal.
 */
export function weightedMean(weights: Float64Array, values: Float64Array, n: number, floorDiv: number): number {
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    const w = weights[i]
    const v = values[i]
    if (w === 0 || v !== v) continue
    num += w * v
    den += w
  }
  return num / (den > floorDiv ? den : floorDiv)
}
