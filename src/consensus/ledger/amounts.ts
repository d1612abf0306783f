/**
 * Exact token arithmetic. Amounts are bigint in the smallest unit; they travel as decimal
 * strings because they exceed 2^53. Where a float (a topic weight share, a synthesis reward)
 * must scale an amount, the float is read as the exact dyadic rational it is, so the result
 * is the same on every node and never rounds up: Σ floor(...) ≤ the amount being split.
 */

/** Upper bound on digits: 10^40 is far above any supply and bounds the parse cost. */
export const MAX_AMOUNT_DIGITS = 40

/** One spelling per amount: no sign, no point, no exponent, no leading zeros. */
export const AMOUNT_PATTERN = new RegExp(`^(0|[1-9][0-9]{0,${MAX_AMOUNT_DIGITS - 1}})$`)
export const POSITIVE_AMOUNT_PATTERN = new RegExp(`^[1-9][0-9]{0,${MAX_AMOUNT_DIGITS - 1}}$`)
export const AMOUNT_RULE = `a decimal string of at most ${MAX_AMOUNT_DIGITS} digits, no sign, point or leading zeros`

/** Parts per million: how genesis fractions (committee share, slash fraction) are kept exact. */
export const PPM = 1_000_000n

/** a · ppm / 10^6, rounded down. */
export function ppmOf(amount: bigint, ppm: number): bigint {
  return (amount * BigInt(ppm)) / PPM
}

/** A fraction in [0, 1] as whole parts per million, or undefined if it has finer digits. */
export function fractionToPpm(fraction: number): number | undefined {
  if (!(fraction >= 0 && fraction <= 1)) return undefined
  const ppm = Math.round(fraction * 1e6)
  return Math.abs(fraction * 1e6 - ppm) < 1e-6 ? ppm : undefined
}

interface Dyadic {
  /** The value is mantissa · 2^exponent exactly. */
  readonly mantissa: bigint
  readonly exponent: number
}

const view = new DataView(new ArrayBuffer(8))

/** The exact value of a finite non-negative float64 (IEEE-754 bit layout). */
function dyadic(x: number): Dyadic {
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const biased = Number((bits >> 52n) & 0x7ffn)
  const fraction = bits & 0xfffffffffffffn
  // Subnormals have no implicit leading 1 and the smallest exponent.
  return biased === 0
    ? { mantissa: fraction, exponent: -1074 }
    : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 }
}

/** floor(amount · x) for amount ≥ 0 and finite x ≥ 0, exactly. */
export function mulFloor(amount: bigint, x: number): bigint {
  if (!(x > 0) || !Number.isFinite(x) || amount <= 0n) return 0n
  const { mantissa, exponent } = dyadic(x)
  return exponent >= 0 ? amount * (mantissa << BigInt(exponent)) : (amount * mantissa) >> BigInt(-exponent)
}

/**
 * Integers proportional to the given floats, exactly: each positive finite x becomes
 * mantissa · 2^(exponent − smallest exponent). Zero, negative and non-finite values give 0
 * (they are not payments).
 */
export function exactProportions(values: readonly number[]): bigint[] {
  const parts = values.map((x) => (x > 0 && Number.isFinite(x) ? dyadic(x) : undefined))
  let least = Infinity
  for (const p of parts) if (p !== undefined && p.exponent < least) least = p.exponent
  return parts.map((p) => (p === undefined ? 0n : p.mantissa << BigInt(p.exponent - least)))
}

/** floor(total · w_i / Σw) for each i; Σ result ≤ total, the difference is the remainder. */
export function splitProportional(total: bigint, weights: readonly bigint[]): bigint[] {
  let sum = 0n
  for (const w of weights) sum += w
  if (sum <= 0n || total <= 0n) return weights.map(() => 0n)
  return weights.map((w) => (w > 0n ? (total * w) / sum : 0n))
}

export function sumOf(values: Iterable<bigint>): bigint {
  let total = 0n
  for (const v of values) total += v
  return total
}
