/**
 * Deterministic exp, ln, log10 and pow for consensus-relevant math (docs/spec/math.md §1).
 * `Math.exp` and friends are implementation-defined approximations that may differ between
 * engines and versions; these are ports of FreeBSD msun / Sun fdlibm built only from
 * IEEE-754 + − × ÷ and sqrt (each correctly rounded, never fused by JS engines) and float64
 * bit access, so every machine computes the same bits. Accuracy is fdlibm's: < 1 ulp.
 * Special cases follow ECMAScript's Math.* so these are drop-in replacements.
 */
import { exp } from './detmath/exp.js'
import { log1p } from './detmath/log.js'

export { exp } from './detmath/exp.js'
export { ln, log10 } from './detmath/log.js'
export { pow } from './detmath/pow.js'

/** Above this, e^-z < ½ulp(z) (e^-36 ≈ 2.3e-16 < 2^-48), so ln(1 + e^z) rounds to z. */
const SOFTPLUS_LINEAR_FROM = 36

/** softplus: ln(1 + e^z) without overflow for large z and without losing tiny values (like log1p(exp(z))). */
export function log1pExp(z: number): number {
  if (z > SOFTPLUS_LINEAR_FROM) return z
  // ln(1 + e^z) = z + ln(1 + e^-z): the exponential never exceeds 1, so it cannot overflow, and
  // log1p keeps e^z whole when it is far below 1 (very negative z gives e^z itself).
  if (z > 0) return z + log1p(exp(-z))
  return log1p(exp(z))
}
