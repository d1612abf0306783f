/**
 * The default ground truth: a seeded regime-switching series. Every node computes the same
 * value for the same (seed, epoch), because it is generated from a seeded integer PRNG with
 * only IEEE-754 basic operations, sqrt and the deterministic ln.
 *
 * The series moves through regimes of 30–70 epochs, each suiting a different kind of model,
 * so a network that learns who is good *now* can beat every single model:
 * - `random-walk`: x += σε (σ ∈ [0.8, 1.2]). The last value is optimal; smoothers lag.
 * - `trend`: x += d + σε (|d| ∈ [0.6, 1.2], σ ∈ [0.2, 0.4]). Trend followers win; the last
 *   value is d behind.
 * - `noisy-level`: x = μ + φ(x − μ) + σε (φ ∈ [0, 0.3], σ ∈ [0.8, 1.2]). Averages win; the
 *   last value carries the full noise.
 * - `cycle`: x = μ + A·sin(2πt/P) + σε (A ∈ [2, 4], P ∈ {8, 12, 16}, σ ∈ [0.2, 0.4]).
 *   Autoregressive fits win.
 * (All in units of `scale`; every parameter is drawn uniformly when the regime starts.)
 * A regime never follows itself, and starts from the current level (no jumps).
 *
 * Values are memoised in blocks; a checkpoint of the generator state is kept at every block
 * boundary (~100 bytes each), so any epoch is reached by replaying at most one block.
 */
import { Prng, type PrngState } from '../prng.js'
import type { GroundTruthSource } from '../plugins.js'
import { GroundTruthError } from './errors.js'

export const REGIME_KINDS = ['random-walk', 'trend', 'noisy-level', 'cycle'] as const
export type RegimeKind = (typeof REGIME_KINDS)[number]

export interface SyntheticOptions {
  readonly seed: number
  /** Level the series starts at and trends lean back to. @default 100 */
  readonly base?: number
  /** Size of one step's noise in a random walk. @default 1 */
  readonly scale?: number
  /** Regime length bounds in epochs (inclusive). @default 30, 70 */
  readonly minRegime?: number
  readonly maxRegime?: number
}

interface Regime {
  readonly kind: RegimeKind
  /** Epoch the regime started at. */
  readonly start: number
  readonly length: number
  readonly drift: number
  readonly noise: number
  readonly level: number
  readonly phi: number
  readonly amplitude: number
  /** cos and sin of the cycle's angular step, exact from sqrt. */
  readonly stepCos: number
  readonly stepSin: number
}

interface GeneratorState {
  /** Next epoch to generate. */
  readonly epoch: number
  readonly x: number
  readonly regime: Regime | undefined
  /** The cycle's rotating (cos, sin) phase. */
  readonly phaseCos: number
  readonly phaseSin: number
  readonly prng: PrngState
}

const BLOCK = 1024
/** A trend that starts farther than this many `scale` units from `base` heads back towards it. */
const TREND_PULL = 15
/** Positivity guard for log-based losses: the level never falls below this fraction of `base`. */
const MIN_LEVEL_FRACTION = 0.1
const SQRT2 = Math.sqrt(2)
const SQRT3 = Math.sqrt(3)
/** Periods whose step angle has an exact sqrt form: (period, cos, sin). */
const CYCLES: readonly (readonly [number, number, number])[] = [
  [8, SQRT2 / 2, SQRT2 / 2],
  [12, SQRT3 / 2, 0.5],
  [16, Math.sqrt(2 + SQRT2) / 2, Math.sqrt(2 - SQRT2) / 2],
]

export class SyntheticSeries implements GroundTruthSource {
  readonly name: string
  readonly length = Number.POSITIVE_INFINITY
  readonly seed: number
  private readonly base: number
  private readonly scale: number
  private readonly minRegime: number
  private readonly maxRegime: number
  private readonly checkpoints = new Map<number, GeneratorState>()
  private blockIndex = -1
  private readonly values = new Float64Array(BLOCK)
  private readonly regimes: Regime[] = []

  constructor(options: SyntheticOptions) {
    const { seed, base = 100, scale = 1, minRegime = 30, maxRegime = 70 } = options
    if (!Number.isSafeInteger(seed)) throw new GroundTruthError(`synthetic: seed must be an integer (got ${seed})`)
    if (!(base > 0) || !(scale > 0)) throw new GroundTruthError('synthetic: base and scale must be > 0')
    if (!Number.isInteger(minRegime) || minRegime < 2 || !Number.isInteger(maxRegime) || maxRegime < minRegime) {
      throw new GroundTruthError(
        `synthetic: regime lengths must be integers with 2 <= min <= max (got ${minRegime}, ${maxRegime})`,
      )
    }
    this.seed = seed
    this.base = base
    this.scale = scale
    this.minRegime = minRegime
    this.maxRegime = maxRegime
    this.name = `synthetic:${seed}`
    this.checkpoints.set(0, {
      epoch: 0,
      x: base,
      regime: undefined,
      phaseCos: 1,
      phaseSin: 0,
      prng: new Prng('chorus-synthetic', seed).snapshot(),
    })
  }

  valueAt(epoch: number): number | undefined {
    if (!Number.isSafeInteger(epoch) || epoch < 0) return undefined
    this.load(Math.floor(epoch / BLOCK))
    return this.values[epoch % BLOCK]
  }

  /** The regime epoch `epoch` was generated in (tests and the simulator's analysis). */
  regimeAt(epoch: number): { kind: RegimeKind; start: number; length: number } {
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new GroundTruthError(`synthetic: no regime at epoch ${epoch}`)
    this.load(Math.floor(epoch / BLOCK))
    for (const r of this.regimes)
      if (epoch >= r.start && epoch < r.start + r.length) return { kind: r.kind, start: r.start, length: r.length }
    throw new GroundTruthError(`synthetic: no regime recorded for epoch ${epoch}`)
  }

  private load(block: number): void {
    if (block === this.blockIndex) return
    let from = block
    while (!this.checkpoints.has(from)) from--
    let state = this.checkpoints.get(from) as GeneratorState
    for (let b = from; b <= block; b++) {
      const fill = b === block
      if (fill) this.regimes.length = 0
      const prng = Prng.restore(state.prng)
      let s = state
      for (let i = 0; i < BLOCK; i++) {
        s = this.step(s, prng)
        if (fill) {
          this.values[i] = s.x
          const r = s.regime as Regime
          if (this.regimes[this.regimes.length - 1] !== r) this.regimes.push(r)
        }
      }
      state = { ...s, prng: prng.snapshot() }
      this.checkpoints.set(b + 1, state)
    }
    this.blockIndex = block
  }

  /** Generate the value of `s.epoch`; returns the state after it. */
  private step(s: GeneratorState, prng: Prng): GeneratorState {
    let regime = s.regime
    let { phaseCos, phaseSin } = s
    if (regime === undefined || s.epoch >= regime.start + regime.length) {
      regime = this.nextRegime(s, prng)
      phaseCos = 1
      phaseSin = 0
    }
    const e = prng.normal()
    let x: number
    switch (regime.kind) {
      case 'random-walk':
        x = s.x + regime.noise * e
        break
      case 'trend':
        x = s.x + regime.drift + regime.noise * e
        break
      case 'noisy-level':
        x = regime.level + regime.phi * (s.x - regime.level) + regime.noise * e
        break
      case 'cycle': {
        const c = phaseCos * regime.stepCos - phaseSin * regime.stepSin
        phaseSin = phaseSin * regime.stepCos + phaseCos * regime.stepSin
        phaseCos = c
        x = regime.level + regime.amplitude * phaseSin + regime.noise * e
        break
      }
    }
    const floor = this.base * MIN_LEVEL_FRACTION
    if (x < floor) x = 2 * floor - x
    return { epoch: s.epoch + 1, x, regime, phaseCos, phaseSin, prng: s.prng }
  }

  private nextRegime(s: GeneratorState, prng: Prng): Regime {
    const choices = REGIME_KINDS.filter((k) => k !== s.regime?.kind)
    const kind = choices[prng.int(0, choices.length - 1)]
    const length = prng.int(this.minRegime, this.maxRegime)
    const scale = this.scale
    const common = {
      kind,
      start: s.epoch,
      length,
      drift: 0,
      noise: 0,
      level: s.x,
      phi: 0,
      amplitude: 0,
      stepCos: 1,
      stepSin: 0,
    }
    switch (kind) {
      case 'random-walk':
        return { ...common, noise: scale * prng.uniform(0.8, 1.2) }
      case 'trend': {
        const away = s.x - this.base
        const sign = away > TREND_PULL * scale ? -1 : away < -TREND_PULL * scale ? 1 : prng.next() < 0.5 ? -1 : 1
        return { ...common, drift: sign * scale * prng.uniform(0.6, 1.2), noise: scale * prng.uniform(0.2, 0.4) }
      }
      case 'noisy-level':
        return { ...common, phi: prng.uniform(0, 0.3), noise: scale * prng.uniform(0.8, 1.2) }
      case 'cycle': {
        const [, cos, sin] = CYCLES[prng.int(0, CYCLES.length - 1)]
        return {
          ...common,
          amplitude: scale * prng.uniform(2, 4),
          noise: scale * prng.uniform(0.2, 0.4),
          stepCos: cos,
          stepSin: sin,
        }
      }
    }
  }
}
