/**
 * The committee of one height: member id → voting power, and the two thresholds every rule
 * uses. Powers are safe integers (the driver maps stake to power, as CometBFT divides stake by
 * a power reduction), so tallies are exact in float64 and need no bigint.
 */

export class CommitteeError extends Error {
  override readonly name = 'CommitteeError'
}

const MEMBER_ID = /^[0-9a-f]+$/

export class Committee {
  /** Member ids in ascending code-unit order: the one order every node iterates in. */
  readonly ids: readonly string[]
  readonly total: number
  /** Smallest power strictly above 2/3 of the total (the paper's 2f+1). */
  readonly quorum: number
  /**
   * Smallest power strictly above 1/3 of the total (the paper's f+1): with Byzantine power
   * below a third, any set this heavy holds an honest member.
   */
  readonly oneThird: number
  private readonly powers: ReadonlyMap<string, number>

  constructor(members: ReadonlyMap<string, number> | Readonly<Record<string, number>>) {
    const entries = members instanceof Map ? [...members.entries()] : Object.entries(members)
    if (entries.length === 0) throw new CommitteeError('a committee needs at least one member')
    let total = 0
    for (const [id, power] of entries) {
      if (!MEMBER_ID.test(id)) throw new CommitteeError(`member id must be lowercase hex: ${JSON.stringify(id)}`)
      if (!Number.isSafeInteger(power) || power <= 0)
        throw new CommitteeError(`power of ${id} must be a positive integer, got ${power}`)
      total += power
    }
    if (!Number.isSafeInteger(total)) throw new CommitteeError('total power exceeds 2^53 - 1; scale powers down')
    this.ids = entries.map(([id]) => id).sort(compareIds)
    this.powers = new Map(entries)
    this.total = total
    // floor(2t/3) + 1 computed as 2q + floor(2r/3) + 1 (t = 3q + r), so 2t is never formed
    // and cannot leave the safe-integer range.
    const q = Math.floor(total / 3)
    const r = total % 3
    this.quorum = 2 * q + (r === 2 ? 1 : 0) + 1
    this.oneThird = q + 1
  }

  has(id: string): boolean {
    return this.powers.has(id)
  }

  /** Voting power of `id`, 0 for a non-member. */
  power(id: string): number {
    return this.powers.get(id) ?? 0
  }

  get size(): number {
    return this.ids.length
  }
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
