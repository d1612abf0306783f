/**
 * Reputer consensus scores and listening coefficients (docs/spec/math.md §11.1–§11.3;
 * epoch-json §6.10, §6.11).
 *
 * A reputer scores by how close its reported losses are to the consensus of the others, where
 * the consensus weighs each reputer by its adjusted stake: its raw stake scaled by how much
 * the network "listens" to it (a_m). The coefficients a move by a few steps of gradient
 * descent on the stake-weighted total score each epoch, so reputers that drift away from the
 * consensus are listened to less.
 */
import { SynthesisError } from './errors.js'
import type { LossMatrix } from './consensus-losses.js'
import { ConsensusDistances } from './reputer-distance.js'
import type { SynthesisParams } from './types.js'

/** The chain's finite-difference step for ∂(total score)/∂a_l (not a parameter there either). */
const COEFFICIENT_STEP = 0.001

type DescentParams = Pick<
  SynthesisParams,
  | 'learningRate'
  | 'gradientDescentMaxIters'
  | 'maxGradientThreshold'
  | 'minStakeFraction'
  | 'epsilonReputer'
  | 'epsilonSafeDiv'
>

/**
 * §11.1: Ŝ_m = min(N_r·a_m·S_m / Σ a·S, 1), into `out`. Capping at 1 bounds the weight any
 * single reputer can have in the consensus.
 */
export function adjustedStakes(
  stakes: ArrayLike<number>,
  coefficients: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  const r = stakes.length
  let listened = 0
  for (let m = 0; m < r; m++) listened += coefficients[m] * stakes[m]
  if (!(listened > 0)) throw new SynthesisError('ZERO_LISTENED_STAKE', 'the listened stake Σ a_m·S_m is zero')
  for (let m = 0; m < r; m++) {
    const s = (r * coefficients[m] * stakes[m]) / listened
    out[m] = s < 1 ? s : 1
  }
  return out
}

/** §11.2: T_m = 1 / (‖ℓ_m − L̄‖ / ‖L̄‖ + ε_rep), ‖L̄‖ replaced by ε_div when it is 0. */
function scoresFromDistances(
  dist2: Float64Array,
  norm2: number,
  params: DescentParams,
  out: Float64Array,
): Float64Array {
  const norm = norm2 > 0 ? Math.sqrt(norm2) : params.epsilonSafeDiv
  for (let m = 0; m < dist2.length; m++) out[m] = 1 / (Math.sqrt(dist2[m]) / norm + params.epsilonReputer)
  return out
}

/**
 * Consensus scores T for any coefficients over one loss matrix (takes over `matrix.values`;
 * usable until the next scorer is built, see ConsensusDistances).
 */
export class ReputerScorer {
  private readonly distances: ConsensusDistances
  private readonly dist2: Float64Array
  readonly stakes: Float64Array

  constructor(
    matrix: LossMatrix,
    private readonly params: DescentParams,
  ) {
    this.distances = new ConsensusDistances(matrix)
    this.stakes = matrix.stakes
    this.dist2 = new Float64Array(matrix.reputers.length)
  }

  /** Scores for adjusted stakes `adjusted`, into `out`. */
  scoresForAdjusted(adjusted: Float64Array, out: Float64Array): Float64Array {
    const norm2 = this.distances.evaluate(adjusted, this.dist2)
    return scoresFromDistances(this.dist2, norm2, this.params, out)
  }
}

export interface ReputerOutput {
  /** T_m with the coefficients at the start of the last iteration (§11.3 QUIRK). */
  readonly scores: Float64Array
  /** Ŝ_m for those same coefficients. */
  readonly adjustedStakes: Float64Array
  /** The final coefficients, stored for the next epoch. */
  readonly coefficients: Float64Array
}

function weightedSum(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}

/**
 * §11.3, GetAllReputersOutput. Gradient of the stake-weighted total score by finite
 * differences, one step of size η per iteration, clamped to [0, 1]; a step that would leave
 * less than `minStakeFraction` of the stake listened to is scaled back to exactly that
 * fraction. Stops when the largest coefficient change is below `maxGradientThreshold`·η.
 * Takes over `matrix.values` (centred in place): compute the §3.1 consensus first.
 */
export function listeningDescent(matrix: LossMatrix, initial: ArrayLike<number>, params: DescentParams): ReputerOutput {
  const r = matrix.reputers.length
  const scorer = new ReputerScorer(matrix, params)
  const S = matrix.stakes
  let totalStake = 0
  for (let m = 0; m < r; m++) totalStake += S[m]
  const eta = params.learningRate
  const minFraction = params.minStakeFraction

  const a = Float64Array.from(initial)
  const aOld = new Float64Array(r)
  const aNew = new Float64Array(r)
  const perturbed = new Float64Array(r)
  const adjusted = new Float64Array(r)
  const adjustedPerturbed = new Float64Array(r)
  const scores = new Float64Array(r)
  const scoresPerturbed = new Float64Array(r)
  const gradient = new Float64Array(r)
  let evaluated = false

  let maxGradient = 1
  for (let it = 0; maxGradient >= params.maxGradientThreshold && it < params.gradientDescentMaxIters; it++) {
    aOld.set(a)
    adjustedStakes(S, a, adjusted)
    scorer.scoresForAdjusted(adjusted, scores)
    evaluated = true
    const base = weightedSum(S, scores)
    for (let l = 0; l < r; l++) {
      const step = a[l] === 1 ? -COEFFICIENT_STEP : COEFFICIENT_STEP
      perturbed.set(a)
      perturbed[l] = a[l] + step
      adjustedStakes(S, perturbed, adjustedPerturbed)
      scorer.scoresForAdjusted(adjustedPerturbed, scoresPerturbed)
      gradient[l] = (1 - base / weightedSum(S, scoresPerturbed)) / step
    }
    for (let l = 0; l < r; l++) {
      const v = a[l] + eta * gradient[l]
      aNew[l] = v < 0 ? 0 : v > 1 ? 1 : v
    }
    const fOld = weightedSum(aOld, S) / totalStake
    const fNew = weightedSum(aNew, S) / totalStake
    let stop = false
    if (fNew < minFraction) {
      if (fNew === fOld) {
        stop = true
      } else {
        const t = (minFraction - fOld) / (fNew - fOld)
        for (let l = 0; l < r; l++) {
          // Clamped because a stored fraction already below the minimum makes t negative and
          // the chain's extrapolation could then leave [0, 1].
          const v = aOld[l] + (aNew[l] - aOld[l]) * t
          a[l] = v < 0 ? 0 : v > 1 ? 1 : v
        }
      }
    } else {
      a.set(aNew)
    }
    let largest = 0
    for (let l = 0; l < r; l++) {
      const d = Math.abs(a[l] - aOld[l])
      if (d > largest) largest = d
    }
    maxGradient = largest / eta
    if (stop) break
  }
  if (!evaluated) {
    // No iteration ran (threshold above the initial 1): score with the initial coefficients.
    adjustedStakes(S, a, adjusted)
    scorer.scoresForAdjusted(adjusted, scores)
  }
  for (let m = 0; m < r; m++) {
    if (!Number.isFinite(scores[m]) || !Number.isFinite(a[m]))
      throw new SynthesisError('NON_FINITE', 'reputer scores are not finite')
  }
  return { scores, adjustedStakes: adjusted, coefficients: a }
}
