/**
 * Float64 bit access for the fdlibm ports: the GET_HIGH_WORD / SET_LOW_WORD macros of
 * fdlibm's math_private.h, in forms that are exact on every engine.
 *
 * Words are only ever read (store a double, load its halves). fdlibm also writes words to build
 * doubles; here those writes are replaced by exact arithmetic with the same result — scaling by
 * a power of two, or subtracting the bits being cleared — because assembling a double from two
 * 32-bit stores stalls the CPU's store forwarding and made ln and pow 2–3× slower.
 *
 * The scratch buffer carries nothing between calls: every helper writes before it reads, and
 * the ports are synchronous, so no caller can observe another's bits.
 */
const scratch = new ArrayBuffer(8)
const f64 = new Float64Array(scratch)
const u32 = new Uint32Array(scratch)

/** Typed arrays use the platform byte order; 1.0 is 0x3ff00000_00000000, so its top byte finds the high half. */
const HI = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0
const LO = 1 - HI

const MIN_EXP = -1074
const MAX_EXP = 1023

/** 2^e for every e with 2^e a double, built by exact doublings and halvings; read-only after this. */
const POW2 = new Float64Array(MAX_EXP - MIN_EXP + 1)
for (let e = 0, v = 1; e <= MAX_EXP; e++, v *= 2) POW2[e - MIN_EXP] = v
for (let e = 0, v = 1; e >= MIN_EXP; e--, v /= 2) POW2[e - MIN_EXP] = v

/** Sign, exponent and top 20 mantissa bits as a signed int32 (fdlibm's `int32_t hx`). */
export function highWord(x: number): number {
  f64[0] = x
  return u32[HI] | 0
}

/** Low 32 mantissa bits as an unsigned integer (fdlibm's `u_int32_t lx`). */
export function lowWord(x: number): number {
  f64[0] = x
  return u32[LO]
}

/** 2^e, exact, for integer e in [−1074, 1023]. */
export function pow2(e: number): number {
  return POW2[e - MIN_EXP]
}

/**
 * z·2^n rounded once (scalbn), for z in [0.5, 2) and n in [−1100, 2046]. Past the normal range
 * the scaling is split so the first product is exact and only the last one rounds.
 */
export function scale(z: number, n: number): number {
  if (n > MAX_EXP) return z * POW2[MAX_EXP - MIN_EXP] * POW2[n - MAX_EXP - MIN_EXP]
  if (n < -1022) return z * POW2[n + 60 - MIN_EXP] * POW2[-60 - MIN_EXP]
  return z * POW2[n - MIN_EXP]
}

/**
 * SET_LOW_WORD(x, 0): x truncated to its top 20 mantissa bits, so products with it are exact.
 * The dropped part is `lowWord` units in the last place, a double itself, so the subtraction is exact.
 */
export function clearLowWord(x: number): number {
  f64[0] = x
  const lo = u32[LO]
  if (lo === 0) return x
  const biased = (u32[HI] >>> 20) & 0x7ff
  const dropped = lo * POW2[Math.max(biased, 1) - 1075 - MIN_EXP]
  // Work on |x| so that a result of zero keeps x's sign, as the bit operation does.
  return x < 0 ? -(-x - dropped) : x - dropped
}
