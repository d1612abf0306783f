/**
 * e^x, ported from FreeBSD msun / Sun fdlibm e_exp.c (error < 1 ulp). Only + − × ÷ and word
 * access, no fused operations, so every IEEE-754 machine rounds each step identically.
 *
 * Method (fdlibm): reduce x = k·ln2 + r with |r| ≤ 0.5·ln2, ln2 split in hi + lo so that k·hi
 * is exact; approximate e^r by the rational form 1 + 2r/(2 − R(r)) where R is a degree-5
 * Remez polynomial in r² (|error| < 2^-59); scale by 2^k, exactly unless the result is
 * subnormal.
 */
import { highWord, lowWord, scale } from './bits.js'

const O_THRESHOLD = 7.09782712893383973096e2 /* 0x40862E42 FEFA39EF: above, e^x overflows */
const U_THRESHOLD = -7.4513321910194110842e2 /* 0xC0874910 D52D3051: below, e^x < 2^-1075 rounds to 0 */
/** ln2 = LN2_HI + LN2_LO; LN2_HI has 32 trailing zero bits so k·LN2_HI is exact for |k| < 2^20. */
const LN2_HI = 6.9314718036912381649e-1 /* 0x3FE62E42 FEE00000 */
const LN2_LO = 1.90821492927058770002e-10 /* 0x3DEA39EF 35793C76 */
const INV_LN2 = 1.442695040888963387 /* 0x3FF71547 652B82FE */
const P1 = 1.66666666666666019037e-1 /* 0x3FC55555 5555553E */
const P2 = -2.77777777770155933842e-3 /* 0xBF66C16C 16BEBD93 */
const P3 = 6.61375632143793436117e-5 /* 0x3F11566A AF25DE2C */
const P4 = -1.6533902205465251539e-6 /* 0xBEBBBD41 C5D26BF1 */
const P5 = 4.13813679705723846039e-8 /* 0x3E663769 72BEA4D0 */

export function exp(x: number): number {
  const signed = highWord(x)
  const negative = signed < 0
  const hx = signed & 0x7fffffff

  // Non-finite arguments and the overflow / underflow thresholds (|x| ≥ 709.78...).
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | lowWord(x)) !== 0) return x + x // NaN
      return negative ? 0 : x // e^-∞ = 0, e^+∞ = +∞
    }
    if (x > O_THRESHOLD) return Infinity
    if (x < U_THRESHOLD) return 0
  }

  if (hx < 0x3e300000) {
    // |x| < 2^-28: e^x = 1 + x to within half an ulp.
    return 1 + x
  }

  // Argument reduction: x = k·ln2 + (hi − lo), |hi − lo| ≤ 0.5·ln2; fdlibm skips it (k = 0,
  // hi = x, lo = 0) for |x| ≤ 0.5·ln2 by the high word. C's (int) cast truncates;
  // |INV_LN2·x ± 0.5| < 1100 so `| 0` is the same truncation.
  // Written without fdlibm's branches on the argument's range (its shortcut for k = ±1 and its
  // separate formula for k = 0 give the same bits as the general path: k·LN2_HI and k·LN2_LO
  // are exact for |k| ≤ 1, and (x·c)/(c − 2) = −(x·c)/(2 − c) exactly): in a loop over mixed
  // arguments, as the weight function runs it, those branches are mispredicted often.
  const reduced = (INV_LN2 * x + (negative ? -0.5 : 0.5)) | 0
  const k = hx > 0x3fd62e42 ? reduced : 0
  const hi = x - k * LN2_HI
  const lo = k * LN2_LO
  x = hi - lo

  // x is now in the primary range; e^x = 1 + 2x/(2 − c) written to keep the rounding low.
  const t = x * x
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))))
  const y = 1 - (lo - (x * c) / (2 - c) - hi)
  // y·2^k rounded once (exact for k = 0); fdlibm likewise splits k = 1024 and subnormal
  // results in two steps.
  return scale(y, k)
}
