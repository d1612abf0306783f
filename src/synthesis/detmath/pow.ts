/**
 * x^y, ported from FreeBSD msun / Sun fdlibm e_pow.c ("nearly rounded", error < 1 ulp, exact
 * for integer powers that are representable). Only + − × ÷, sqrt and word access.
 *
 * Method (fdlibm): with x = 2^n·(1 + f),
 *  1. compute log2(x) = t1 + t2 in extra precision, t1 with 32 trailing zero bits;
 *  2. form y·log2(x) = n' + y' with |y'| ≤ 0.5, splitting y likewise so the products are exact;
 *  3. return 2^n'·e^(y'·ln2), using e_exp.c's rational approximation.
 *
 * Special cases follow ECMAScript's Math.pow (same as C99 except that 1^NaN and (±1)^±∞ are NaN),
 * so this is a drop-in replacement.
 */
import { clearLowWord, highWord, lowWord, pow2, scale } from './bits.js'

/** bp, dp_h, dp_l: the two reduction points 1 and 1.5, and log2(1.5) split in hi + lo. */
const BP = [1, 1.5] as const
const DP_H = [0, 5.84962487220764160156e-1] as const /* 0x3FE2B803 40000000 */
const DP_L = [0, 1.35003920212974897128e-8] as const /* 0x3E4CFDEB 43CFD006 */
const TWO53 = 9007199254740992 /* 0x43400000 00000000 */
/** Overflow and underflow are produced by arithmetic on these, as fdlibm does. */
const HUGE = 1e300
const TINY = 1e-300
/** Remez coefficients for (3/2)·(log(x) − 2s − (2/3)s³). */
const L1 = 5.99999999999994648725e-1 /* 0x3FE33333 33333303 */
const L2 = 4.28571428578550184252e-1 /* 0x3FDB6DB6 DB6FABFF */
const L3 = 3.33333329818377432918e-1 /* 0x3FD55555 518F264D */
const L4 = 2.72728123808534006489e-1 /* 0x3FD17460 A91D4101 */
const L5 = 2.30660745775561754067e-1 /* 0x3FCD864A 93C9DB65 */
const L6 = 2.06975017800338417784e-1 /* 0x3FCA7E28 4A454EEF */
/** e_exp.c's polynomial, for 2^y'. */
const P1 = 1.66666666666666019037e-1 /* 0x3FC55555 5555553E */
const P2 = -2.77777777770155933842e-3 /* 0xBF66C16C 16BEBD93 */
const P3 = 6.61375632143793436117e-5 /* 0x3F11566A AF25DE2C */
const P4 = -1.6533902205465251539e-6 /* 0xBEBBBD41 C5D26BF1 */
const P5 = 4.13813679705723846039e-8 /* 0x3E663769 72BEA4D0 */
const LG2 = 6.93147180559945286227e-1 /* 0x3FE62E42 FEFA39EF */
const LG2_H = 6.93147182464599609375e-1 /* 0x3FE62E43 00000000 */
const LG2_L = -1.90465429995776804525e-9 /* 0xBE205C61 0CA86C39 */
/** −(1024 − log2(max double + ½ulp)): decides overflow when y·log2(x) is exactly 1024 in its high part. */
const OVT = 8.0085662595372944372e-17
/** 2/(3·ln2), split so cp_h·p_h is exact. */
const CP = 9.61796693925975554329e-1 /* 0x3FEEC709 DC3A03FD */
const CP_H = 9.61796700954437255859e-1 /* 0x3FEEC709 E0000000 */
const CP_L = -7.02846165095275826516e-9 /* 0xBE3E2FE0 145B01F5 */
/** 1/ln2, split so ivln2_h·t is exact. */
const IVLN2 = 1.442695040888963387 /* 0x3FF71547 652B82FE */
const IVLN2_H = 1.44269502162933349609 /* 0x3FF71547 60000000 */
const IVLN2_L = 1.92596299112661746887e-8 /* 0x3E54AE0B F85DDF44 */

/** 0: y is not an integer, 1: odd integer, 2: even integer. For finite nonzero y. */
function integerKind(iy: number, ly: number): 0 | 1 | 2 {
  if (iy >= 0x43400000) return 2 // |y| ≥ 2^53: every double is an even integer
  if (iy < 0x3ff00000) return 0 // 0 < |y| < 1
  const e = (iy >> 20) - 0x3ff
  if (e > 20) {
    // The units bit lies in the low word.
    const j = ly >>> (52 - e)
    return (j << (52 - e)) >>> 0 === ly ? ((2 - (j & 1)) as 1 | 2) : 0
  }
  if (ly !== 0) return 0
  const j = iy >> (20 - e)
  return j << (20 - e) === iy ? ((2 - (j & 1)) as 1 | 2) : 0
}

export function pow(x: number, y: number): number {
  const hx = highWord(x)
  const lx = lowWord(x)
  const hy = highWord(y)
  const ly = lowWord(y)
  let ix = hx & 0x7fffffff
  const iy = hy & 0x7fffffff

  // x^±0 = 1, even for NaN x.
  if ((iy | ly) === 0) return 1
  // ECMAScript, unlike C99: y NaN gives NaN even for x = 1, and (±1)^±∞ is NaN.
  if (y !== y) return Number.NaN
  if (iy === 0x7ff00000 && ly === 0 && ix === 0x3ff00000 && lx === 0) return Number.NaN
  if (hx === 0x3ff00000 && lx === 0) return 1 // 1^y = 1
  if (x !== x) return Number.NaN

  const yisint = hx < 0 ? integerKind(iy, ly) : 0

  // Special values of y.
  if (ly === 0) {
    if (iy === 0x7ff00000) {
      // y = ±∞ (|x| = 1 handled above).
      if (ix >= 0x3ff00000) return hy >= 0 ? y : 0 // (|x| > 1)^±∞ = +∞, +0
      return hy < 0 ? -y : 0 // (|x| < 1)^−∞ = +∞, (|x| < 1)^+∞ = +0
    }
    if (iy === 0x3ff00000) return hy < 0 ? 1 / x : x // y = ±1
    if (hy === 0x40000000) return x * x // y = 2
    if (hy === 0x3fe00000 && hx >= 0) return Math.sqrt(x) // y = 0.5, x ≥ +0: sqrt is correctly rounded
  }

  let ax = Math.abs(x)
  // Special values of x: ±0, ±∞, ±1.
  if (lx === 0 && (ix === 0x7ff00000 || ix === 0 || ix === 0x3ff00000)) {
    let z = hy < 0 ? 1 / ax : ax
    if (hx < 0) {
      if (((ix - 0x3ff00000) | yisint) === 0)
        z = Number.NaN // (−1)^non-integer
      else if (yisint === 1) z = -z // (−|x|)^odd = −(|x|^odd)
    }
    return z
  }

  // (x < 0)^non-integer is NaN; (x < 0)^odd takes the sign.
  if (hx < 0 && yisint === 0) return Number.NaN
  const s = hx < 0 && yisint === 1 ? -1 : 1

  // log2(|x|) = t1 + t2, t1 with its low word clear.
  let t1: number
  let t2: number
  if (iy > 0x41e00000) {
    // |y| > 2^31
    if (iy > 0x43f00000) {
      // |y| > 2^64: certain overflow or underflow (the sign is lost: y is even).
      if (ix <= 0x3fefffff) return hy < 0 ? HUGE * HUGE : TINY * TINY
      if (ix >= 0x3ff00000) return hy > 0 ? HUGE * HUGE : TINY * TINY
    }
    // Overflow or underflow unless x is close to 1.
    if (ix < 0x3fefffff) return hy < 0 ? s * HUGE * HUGE : s * TINY * TINY
    if (ix > 0x3ff00000) return hy > 0 ? s * HUGE * HUGE : s * TINY * TINY
    // |1 − x| ≤ 2^-20: log(x) ≈ t − t²/2 + t³/3 − t⁴/4 with t = x − 1 exact (20 trailing zeros).
    const t = ax - 1
    const w = t * t * (0.5 - t * (0.3333333333333333333333 - t * 0.25))
    const u = IVLN2_H * t // IVLN2_H has 21 significant bits: exact
    const v = t * IVLN2_L - w * IVLN2
    t1 = clearLowWord(u + v)
    t2 = v - (t1 - u)
  } else {
    let n = 0
    if (ix < 0x00100000) {
      // Subnormal x: scale into the normal range.
      ax *= TWO53
      n -= 53
      ix = highWord(ax)
    }
    let e = (ix >> 20) - 0x3ff
    const j = ix & 0x000fffff
    // Reduce the mantissa to [1, √(3/2)) around 1 or [√(3/2), √3) around 1.5; past √3, halve
    // it to [√3/2, 1) around 1 (fdlibm rewrites the exponent bits; the power of two is exact).
    ix = j | 0x3ff00000
    let k: 0 | 1
    if (j <= 0x3988e) k = 0
    else if (j < 0xbb67a) k = 1
    else {
      k = 0
      e += 1
      ix -= 0x00100000
    }
    n += e
    ax *= pow2(-e)

    // ss = s_h + s_l = (ax − bp)/(ax + bp), s_h with its low word clear.
    const bp = BP[k]
    let u = ax - bp
    let v = 1 / (ax + bp)
    const ss = u * v
    const sH = clearLowWord(ss)
    // t_h = ax + bp with ax cut to its top 19 mantissa bits, so s_h·t_h is exact. fdlibm builds
    // it from ix's bits; here the cut-off bits (the low word and ix's last bit) are subtracted.
    const cut = ((ix & 1) * 0x100000000 + lowWord(ax)) * pow2((ix >> 20) - 0x3ff - 52)
    let tH = ax - cut + bp
    let tL = ax - (tH - bp)
    const sL = v * (u - sH * tH - sH * tL)
    // log(ax) via the series in ss.
    let s2 = ss * ss
    let r = s2 * s2 * (L1 + s2 * (L2 + s2 * (L3 + s2 * (L4 + s2 * (L5 + s2 * L6)))))
    r += sL * (sH + ss)
    s2 = sH * sH
    tH = clearLowWord(3 + s2 + r)
    tL = r - (tH - 3 - s2)
    // u + v = ss·(1 + ...)
    u = sH * tH
    v = sL * tH + tL * ss
    // 2/(3·ln2)·(ss + ...)
    const pH = clearLowWord(u + v)
    const pL = v - (pH - u)
    const zH = CP_H * pH
    const zL = CP_L * pH + pL * CP + DP_L[k]
    // log2(ax) = n + dp_h + z_h + z_l
    t1 = clearLowWord(zH + zL + DP_H[k] + n)
    t2 = zL - (t1 - n - DP_H[k] - zH)
  }

  // y·log2(|x|) = p_h + p_l with y = y1 + (y − y1), y1 with its low word clear.
  const y1 = clearLowWord(y)
  const pL = (y - y1) * t1 + y * t2
  let pH = y1 * t1
  let z = pL + pH
  const j = highWord(z)
  const i = lowWord(z)
  if (j >= 0x40900000) {
    // z ≥ 1024
    if (((j - 0x40900000) | i) !== 0) return s * HUGE * HUGE
    if (pL + OVT > z - pH) return s * HUGE * HUGE
  } else if ((j & 0x7fffffff) >= 0x4090cc00) {
    // z ≤ −1075; `| i` works on −2^32 + ... exactly as C's unsigned wrap-around.
    if (((j - 0xc090cc00) | i) !== 0) return s * TINY * TINY
    if (pL <= z - pH) return s * TINY * TINY
  }

  // 2^(p_h + p_l) = 2^n · 2^(rest), |rest| ≤ 0.5, n = round(z).
  const ia = j & 0x7fffffff
  let k = (ia >> 20) - 0x3ff
  let n = 0
  if (ia > 0x3fe00000) {
    n = j + (0x00100000 >> (k + 1))
    k = ((n & 0x7fffffff) >> 20) - 0x3ff // exponent of n
    // fdlibm masks z's fraction bits off to get the integer ±n as a double; it is just ±n.
    n = ((n & 0x000fffff) | 0x00100000) >> (20 - k)
    if (j < 0) n = -n
    pH -= n
  }
  const t = clearLowWord(pL + pH)
  const u = t * LG2_H
  const v = (pL - (t - pH)) * LG2 + t * LG2_L
  z = u + v
  const w = v - (z - u)
  const tt = z * z
  const c = z - tt * (P1 + tt * (P2 + tt * (P3 + tt * (P4 + tt * P5))))
  const r = (z * c) / (c - 2) - (w + z * w)
  z = 1 - (r - z)
  // 2^n·z, exact unless the result is subnormal, where scalbn rounds once.
  return s * scale(z, n)
}
