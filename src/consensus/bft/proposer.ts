/**
 * Proposer rotation: a pure function of (committee, height, round), so every honest node
 * names the same proposer without carrying state between heights (unlike CometBFT's
 * proposer-priority queue, which lives in the validator set).
 *
 * The rotation is a smooth weighted round-robin with period T (the total power): member i owns
 * the slots at times (2j+1)/(2·w_i) for j = 0..w_i-1 (the Sainte-Laguë divisor sequence), and
 * the slots are ordered by (time, member id). So over every T consecutive positions each member
 * proposes exactly w_i times, its turns are spread evenly rather than bunched, and every member
 * comes up within about T/w_i consecutive rounds. Position = (height + round) mod T.
 *
 * Finding the k-th slot without walking T slots: count(x), the number of slots at time ≤ x,
 * is monotone, so a binary search over the grid x = m/T² finds the first grid point with
 * count ≥ k+1. Distinct slot times differ by at least 2/T², so the grid cell (x - 1/T², x]
 * holds exactly one slot time t*; the members owning a slot at t* are those whose own count
 * steps up across the cell, and the k-th slot is among them in id order. Exact bigint
 * arithmetic: O(n · log T) per call, no floating point.
 */
import type { Committee } from './committee.js'

export function proposer(committee: Committee, height: number, round: number): string {
  if (!Number.isSafeInteger(height) || height < 0 || !Number.isSafeInteger(round) || round < 0) {
    throw new RangeError(`height and round must be non-negative integers, got ${height}, ${round}`)
  }
  const ids = committee.ids
  if (ids.length === 1) return ids[0]
  const weights = ids.map((id) => BigInt(committee.power(id)))
  const total = BigInt(committee.total)
  const grid = total * total
  const k = (BigInt(height) + BigInt(round)) % total

  const countOf = (w: bigint, m: bigint): bigint => (2n * m * w + grid) / (2n * grid)
  const countAll = (m: bigint): bigint => weights.reduce((sum, w) => sum + countOf(w, m), 0n)

  // Smallest m in [1, grid] with countAll(m) ≥ k + 1 (countAll(0) = 0, countAll(grid) = T).
  let lo = 1n
  let hi = grid
  while (lo < hi) {
    const mid = (lo + hi) / 2n
    if (countAll(mid) >= k + 1n) hi = mid
    else lo = mid + 1n
  }
  let rank = k - countAll(lo - 1n)
  for (let i = 0; i < ids.length; i++) {
    if (countOf(weights[i], lo) === countOf(weights[i], lo - 1n)) continue
    if (rank === 0n) return ids[i]
    rank -= 1n
  }
  // Unreachable while the grid is finer than the smallest gap between slot times.
  throw new Error('proposer: slot search failed')
}

/** The proposer sequence at one height, rounds 0..count-1 (for logs and tests). */
export function proposerSchedule(committee: Committee, height: number, count: number): string[] {
  return Array.from({ length: count }, (_, round) => proposer(committee, height, round))
}
