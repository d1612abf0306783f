/**
 * A seeded pseudo-random generator for the plug-ins that need noise (the synthetic ground
 * truth, the noisy oracle). Every node must draw the same numbers from the same seed, on any
 * machine and Node version, so this uses only 32-bit integer arithmetic (sfc32, seeded via
 * a string hash) and the project's deterministic `ln`; never Math.random, never Math.log.
 */
import { ln } from '../synthesis/detmath.js'
import { SeededRandom } from '../util/random.js'

export { hash32 } from '../util/random.js'

/** The whole state of a Prng, to resume it later (a checkpoint of a generated series). */
export interface PrngState {
  readonly words: readonly [number, number, number, number]
  readonly spare: number | undefined
}

/** The generator of src/util/random.ts, with normal draws and a state that can be saved. */
export class Prng extends SeededRandom {
  /** The second value of the last polar-method pair. */
  private spare: number | undefined

  snapshot(): PrngState {
    return { words: [this.a, this.b, this.c, this.d], spare: this.spare }
  }

  static restore(state: PrngState): Prng {
    const p = new Prng()
    ;[p.a, p.b, p.c, p.d] = state.words
    p.spare = state.spare
    return p
  }

  /**
   * Standard normal by Marsaglia's polar method: it needs only ln and sqrt (both
   * deterministic here), where Box–Muller would need sin and cos.
   */
  normal(): number {
    if (this.spare !== undefined) {
      const z = this.spare
      this.spare = undefined
      return z
    }
    for (;;) {
      const u = 2 * this.next() - 1
      const v = 2 * this.next() - 1
      const s = u * u + v * v
      if (s === 0 || s >= 1) continue
      const f = Math.sqrt((-2 * ln(s)) / s)
      this.spare = v * f
      return u * f
    }
  }
}
