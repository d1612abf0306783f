/**
 * A seeded pseudo-random generator: the same parts give the same numbers on any machine and
 * Node version (the synthetic ground truth every node must agree on, the network fault layer a
 * chaos run replays from its seed). 32-bit integer arithmetic only: sfc32, seeded through a
 * string hash; never Math.random.
 */

/** 2^-32 and 2^-53 as exact doubles. */
const TWO_POW_M32 = 1 / 4294967296
const TWO_POW_M53 = 1 / 9007199254740992

/** A 32-bit hash of the parts (FNV-1a over their text, then a murmur3 finaliser). */
export function hash32(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5
  const text = parts.map(String).join('\u0000')
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

export class SeededRandom {
  protected a: number
  protected b: number
  protected c: number
  protected d: number

  /** Seeded from any list of parts, e.g. `new SeededRandom(seed, 'frames', peerId)`. */
  constructor(...parts: readonly (string | number)[]) {
    this.a = hash32('a', ...parts)
    this.b = hash32('b', ...parts)
    this.c = hash32('c', ...parts)
    this.d = hash32('d', ...parts) | 1
    // sfc32's first outputs are weakly mixed; the reference implementation discards 12.
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5
    const lo = this.nextUint32() >>> 6
    return (hi * 67108864 + lo) * TWO_POW_M53
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next()
  }

  /** Uniform integer in [lo, hi] (both inclusive; the range must be below 2^32). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.nextUint32() * TWO_POW_M32 * (hi - lo + 1))
  }
}
