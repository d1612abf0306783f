/**
 * Natural log, log10 and log1p, ported from FreeBSD msun / Sun fdlibm e_log.c, e_log10.c
 * (with k_log.h) and s_log1p.c, each with error < 1 ulp. Only + − × ÷ and word access.
 *
 * Shared method (fdlibm): write x = 2^k·(1 + f) with √2/2 < 1 + f < √2, then
 * log(1 + f) = 2s + s·R(s²) with s = f/(2 + f), where R is a degree-14 Remez polynomial
 * (|error| < 2^-58.45). The result k·ln2 + log(1 + f) is summed with ln2 split in hi + lo
 * so that k·LN2_HI is exact, and the terms are ordered to keep the total rounding below 1 ulp.
 */
import { clearLowWord, highWord, lowWord, pow2 } from './bits.js'

/** ln2 = LN2_HI + LN2_LO; LN2_HI has 32 trailing zero bits so k·LN2_HI is exact for |k| < 2000. */
const LN2_HI = 6.9314718036912381649e-1 /* 0x3FE62E42 FEE00000 */
const LN2_LO = 1.90821492927058770002e-10 /* 0x3DEA39EF 35793C76 */
/** 2^54: scales a subnormal into the normal range so its exponent bits can be read. */
const TWO54 = 1.8014398509481984e16 /* 0x43500000 00000000 */
const LG1 = 6.66666666666673513e-1 /* 0x3FE55555 55555593 */
const LG2 = 3.999999999940941908e-1 /* 0x3FD99999 9997FA04 */
const LG3 = 2.857142874366239149e-1 /* 0x3FD24924 94229359 */
const LG4 = 2.222219843214978396e-1 /* 0x3FCC71C5 1D8E78AF */
const LG5 = 1.818357216161805012e-1 /* 0x3FC74664 96CB03DE */
const LG6 = 1.531383769920937332e-1 /* 0x3FC39A09 D078C69F */
const LG7 = 1.479819860511658591e-1 /* 0x3FC2F112 DF3E5244 */
/** 1/ln10 and log10(2), each split so the leading products are exact (e_log10.c). */
const IVLN10_HI = 4.34294481878168880939e-1 /* 0x3FDBCB7B 15200000 */
const IVLN10_LO = 2.50829467116452752298e-11 /* 0x3DBB9438 CA9AADD5 */
const LOG10_2_HI = 3.01029995663611771306e-1 /* 0x3FD34413 509F6000 */
const LOG10_2_LO = 3.69423907715893078616e-13 /* 0x3D59FEF3 11F12B36 */

/** k_log.h's k_log1p: log(1 + f) − f + f²/2 for 1 + f in [√2/2, √2]. */
function kLog1p(f: number): number {
  const s = f / (2 + f)
  const z = s * s
  const w = z * z
  const t1 = w * (LG2 + w * (LG4 + w * LG6))
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)))
  const hfsq = 0.5 * f * f
  return s * (hfsq + (t2 + t1))
}

/** Natural logarithm (e_log.c). */
export function ln(x: number): number {
  let hx = highWord(x)
  const lx = lowWord(x)
  let k = 0
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative, or subnormal.
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity // log(±0) = −∞
    if (hx < 0) return Number.NaN // log(negative) = NaN
    k -= 54
    x *= TWO54
    hx = highWord(x)
  }
  if (hx >= 0x7ff00000) return x + x // +∞ or NaN
  if (hx === 0x3ff00000 && lx === 0) return 0 // log(1) = +0 exactly
  const e = (hx >> 20) - 1023
  hx &= 0x000fffff
  // i is 0x100000 when the mantissa exceeds √2: then normalise to m/2 (fdlibm rewrites the
  // exponent bits to 0x3ff or 0x3fe; scaling by the power of two is the same, exactly).
  const i = (hx + 0x95f64) & 0x100000
  x *= pow2(-e - (i >> 20))
  k += e + (i >> 20)
  const f = x - 1
  if ((0x000fffff & (2 + hx)) < 3) {
    // −2^-20 ≤ f < 2^-20: a three-term series is enough.
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO
    const R = f * f * (0.5 - 0.33333333333333333 * f)
    return k === 0 ? f - R : k * LN2_HI - (R - k * LN2_LO - f)
  }
  const s = f / (2 + f)
  const z = s * s
  const w = z * z
  const t1 = w * (LG2 + w * (LG4 + w * LG6))
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)))
  const R = t2 + t1
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    // |f| near its bound (1 + f close to √2 or √2/2): the f²/2 form keeps the error below 1 ulp.
    const hfsq = 0.5 * f * f
    return k === 0 ? f - (hfsq - s * (hfsq + R)) : k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f)
  }
  return k === 0 ? f - s * (f - R) : k * LN2_HI - (s * (f - R) - k * LN2_LO - f)
}

/** Base-10 logarithm (FreeBSD e_log10.c with k_log.h): log(1 + f) in extra precision, then ×1/ln10. */
export function log10(x: number): number {
  let hx = highWord(x)
  const lx = lowWord(x)
  let k = 0
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity
    if (hx < 0) return Number.NaN
    k -= 54
    x *= TWO54
    hx = highWord(x)
  }
  if (hx >= 0x7ff00000) return x + x
  if (hx === 0x3ff00000 && lx === 0) return 0
  const e = (hx >> 20) - 1023
  hx &= 0x000fffff
  const i = (hx + 0x95f64) & 0x100000
  x *= pow2(-e - (i >> 20))
  k += e + (i >> 20)
  const y = k
  const f = x - 1
  const hfsq = 0.5 * f * f
  const r = kLog1p(f)
  // hi has 32 trailing zero bits, so hi·IVLN10_HI is exact; lo carries what it dropped.
  const hi = clearLowWord(f - hfsq)
  const lo = f - hi - hfsq + r
  let valHi = hi * IVLN10_HI
  const y2 = y * LOG10_2_HI
  let valLo = y * LOG10_2_LO + (lo + hi) * IVLN10_LO + lo * IVLN10_HI
  // Add y·log10(2) in extra precision too: cheap, and it lowers the error for many arguments.
  const w = y2 + valHi
  valLo += y2 - w + valHi
  valHi = w
  return valLo + valHi
}

/** log(1 + x) without losing x when it is tiny (s_log1p.c). */
export function log1p(x: number): number {
  const hx = highWord(x)
  const ax = hx & 0x7fffffff
  let k = 1
  let f = 0
  let c = 0
  let hu = 0
  if (hx < 0x3fda827a) {
    // 1 + x < √2 (or x negative)
    if (ax >= 0x3ff00000) {
      // x ≤ −1
      return x === -1 ? -Infinity : Number.NaN
    }
    if (ax < 0x3e200000) {
      // |x| < 2^-29: log1p(x) = x − x²/2 to within half an ulp (x itself below 2^-54).
      return ax < 0x3c900000 ? x : x - x * x * 0.5
    }
    if (hx > 0 || hx <= (0xbfd2bec4 | 0)) {
      // √2/2 ≤ 1 + x < √2: f = x exactly, no reduction.
      k = 0
      f = x
      hu = 1
    }
  }
  if (hx >= 0x7ff00000) return x + x // +∞ or NaN
  if (k !== 0) {
    let u: number
    if (hx < 0x43400000) {
      // u = 1 + x rounds; c/u restores what the rounding dropped.
      u = 1 + x
      hu = highWord(u)
      k = (hu >> 20) - 1023
      c = k > 0 ? 1 - (u - x) : x - (u - 1)
      c /= u
    } else {
      // x ≥ 2^53: 1 + x is x.
      u = x
      hu = highWord(u)
      k = (hu >> 20) - 1023
      c = 0
    }
    hu &= 0x000fffff
    // These bounds are stricter than the ones above, so k = 0 is never reached here, where the
    // correction term is committed to (s_log1p.c).
    // Normalise u to [1, 2) or, past √2, to [0.5, 1) (fdlibm rewrites the exponent bits).
    if (hu < 0x6a09e) {
      u *= pow2(-k)
    } else {
      u *= pow2(-k - 1)
      k += 1
      hu = (0x00100000 - hu) >> 2
    }
    f = u - 1
  }
  const hfsq = 0.5 * f * f
  if (hu === 0) {
    // |f| < 2^-20
    if (f === 0) {
      if (k === 0) return 0
      c += k * LN2_LO
      return k * LN2_HI + c
    }
    const R = hfsq * (1 - 0.66666666666666666 * f)
    return k === 0 ? f - R : k * LN2_HI - (R - (k * LN2_LO + c) - f)
  }
  const s = f / (2 + f)
  const z = s * s
  const R = z * (LG1 + z * (LG2 + z * (LG3 + z * (LG4 + z * (LG5 + z * (LG6 + z * LG7))))))
  if (k === 0) return f - (hfsq - s * (hfsq + R))
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + (k * LN2_LO + c)) - f)
}
