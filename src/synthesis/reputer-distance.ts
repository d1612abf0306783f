/**
 * Distances of reputers' loss vectors to the adjusted-stake consensus (docs/spec/math.md §3.2, §3.3,
 * §11.2), for many sets of adjusted stakes over one fixed loss matrix.
 *
 * The listening-coefficient descent (§11.3) evaluates the consensus 2·R times per iteration;
 * at 1000 inferers and 100 forecasters a reputer vector has ~10^5 coordinates, so computing
 * ‖ℓ_m − L̄‖ coordinate by coordinate each time would cost ~10^9 operations. Instead:
 *
 * - Coordinates are grouped by which reputers reported them. Inside a group the consensus is
 *   L̄ = Σ c_i ℓ_i with one weight vector c (the adjusted stakes of the group's reporters,
 *   normalised), and a non-reporter's padded value is the lowest reported value (the "most
 *   distant" one: argmax L̄_j − ℓ_mj is the smallest ℓ_mj whatever the weights), so it is fixed
 *   once and for all.
 * - Per group, the vectors are centred on a reference z close to the consensus (so reputers
 *   that agree with the majority are exact zeros) and their Gram matrix G is computed once
 *   (consensus-groups.ts).
 *   Then ‖ṽ − Σ c ṽ_i‖² = G_vv − 2 (Gc)_v + cᵀGc and ‖L̄‖² = ‖z‖² + 2 Σ c_i⟨z, ṽ_i⟩ + cᵀGc
 *   cost O(R²) per evaluation.
 * - Where that difference cancels badly (a distance tiny next to the vectors it came from) it
 *   is recomputed coordinate by coordinate; small groups are always evaluated that way.
 *
 * Results agree with the direct formula to ~1e-10 relative; the algorithm is fixed, so every
 * node computes the same bits.
 */
import { buildGroups, type DirectGroup, type GramGroup, type Group } from './consensus-groups.js'
import type { LossMatrix } from './consensus-losses.js'

/** Below this fraction of its error bound, a Gram distance is recomputed directly. */
const CANCELLATION_LIMIT = 1e-3

/** Evaluates distances to the consensus for any adjusted stakes over one loss matrix. */
export class ConsensusDistances {
  private readonly groups: readonly Group[]
  private readonly reputerCount: number
  private readonly stakes: Float64Array
  private readonly weights: Float64Array
  private readonly gc: Float64Array
  private readonly consensus: Float64Array

  /**
   * Takes over `matrix.values`: the coordinates every reputer reported are centred in place
   * (so compute the §3.1 consensus first). Usable until the next one is built: copies of
   * partially reported coordinates live in a kept kernel arena (consensus-groups.ts).
   */
  constructor(matrix: LossMatrix) {
    this.reputerCount = matrix.reputers.length
    this.stakes = matrix.stakes
    const { groups, longest } = buildGroups(matrix)
    this.groups = groups
    this.weights = new Float64Array(this.reputerCount)
    this.gc = new Float64Array(this.reputerCount + 1)
    this.consensus = new Float64Array(longest)
  }

  /**
   * Fill `dist2[m]` with ‖ℓ_m − L̄‖² (padded values substituted) for adjusted stakes `adjusted`
   * (by row) and return ‖L̄‖².
   */
  evaluate(adjusted: Float64Array, dist2: Float64Array): number {
    dist2.fill(0)
    let norm2 = 0
    for (const g of this.groups) {
      let weights = adjusted
      let total = 0
      for (let i = 0; i < g.members.length; i++) total += adjusted[g.members[i]]
      if (!(total > 0)) {
        // Every reporter of these values is listened to with a = 0, where the chain divides
        // by zero and fails the epoch. Equal coefficients make the weights proportional to
        // raw stake, so that is the limit used here (= the §3.1 consensus of these values).
        weights = this.stakes
        total = 0
        for (let i = 0; i < g.members.length; i++) total += weights[g.members[i]]
      }
      norm2 +=
        g.kind === 'gram' ? this.evaluateGram(g, weights, total, dist2) : this.evaluateDirect(g, weights, total, dist2)
    }
    return norm2
  }

  private evaluateGram(g: GramGroup, adjusted: Float64Array, total: number, dist2: Float64Array): number {
    const k = g.members.length
    const K = g.vectors.length
    const c = this.weights
    const gc = this.gc
    for (let i = 0; i < k; i++) c[i] = adjusted[g.members[i]] / total
    let spread = 0
    for (let i = 0; i < k; i++) spread += c[i] * g.norms[i]
    for (let a = 0; a < K; a++) {
      let s = 0
      for (let b = 0; b < k; b++) s += g.gram[a * K + b] * c[b]
      gc[a] = s
    }
    let q = 0
    let centreCross = 0
    for (let i = 0; i < k; i++) {
      q += c[i] * gc[i]
      centreCross += c[i] * g.centreDots[i]
    }
    let consensusReady = false
    const distanceOf = (a: number): number => {
      const d2 = g.gram[a * K + a] - 2 * gc[a] + q
      const bound = (g.norms[a] + spread) * (g.norms[a] + spread)
      if (d2 >= CANCELLATION_LIMIT * bound) return d2
      if (!consensusReady) {
        this.centredConsensus(g, c)
        consensusReady = true
      }
      const v = g.vectors[a]
      const L = this.consensus
      let s = 0
      for (let t = 0; t < g.count; t++) {
        const d = v[t] - L[t]
        s += d * d
      }
      return s
    }
    for (let i = 0; i < k; i++) dist2[g.members[i]] += distanceOf(i)
    if (K > k) {
      const d2 = distanceOf(k)
      let i = 0
      for (let m = 0; m < this.reputerCount; m++) {
        if (i < k && g.members[i] === m) i++
        else dist2[m] += d2
      }
    }
    return g.centreNorm2 + 2 * centreCross + q
  }

  /** L̄ − z of a Gram group, coordinate by coordinate, into `this.consensus`. */
  private centredConsensus(g: GramGroup, c: Float64Array): void {
    const L = this.consensus
    L.fill(0, 0, g.count)
    for (let i = 0; i < g.members.length; i++) {
      const v = g.vectors[i]
      const w = c[i]
      for (let t = 0; t < g.count; t++) L[t] += w * v[t]
    }
  }

  private evaluateDirect(g: DirectGroup, adjusted: Float64Array, total: number, dist2: Float64Array): number {
    const k = g.members.length
    let norm2 = 0
    for (let t = 0; t < g.count; t++) {
      let num = 0
      for (let i = 0; i < k; i++) num += adjusted[g.members[i]] * g.values[t * k + i]
      const L = num / total
      norm2 += L * L
      for (let m = 0; m < this.reputerCount; m++) {
        const p = g.positions[m]
        const d = (p >= 0 ? g.values[t * k + p] : g.padded[t]) - L
        dist2[m] += d * d
      }
    }
    return norm2
  }
}
