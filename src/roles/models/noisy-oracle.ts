/**
 * A TEST DEVICE, not a model: it peeks at the topic's ground truth for the very epoch it is
 * answering and returns truth + bias + noise. It exists to build heterogeneous populations
 * of known quality in tests (an oracle with noise σ has squared error bias² + σ² on
 * average). Never use it in a real topic: with a live source the truth is not known yet.
 *
 * The noise is deterministic: a normal draw seeded from (seed, epoch, self), so a rerun or a
 * second node computes the same inference.
 */
import { Prng } from '../prng.js'
import type { GroundTruthSource, ModelContext } from '../plugins.js'
import type { Inferer } from './compose.js'
import { ModelError, ModelSpecError } from './errors.js'

export interface NoisyOracleOptions {
  /** Added to the truth. @default 0 */
  readonly bias?: number
  /** Standard deviation of the noise. @default 1 */
  readonly noise?: number
  /** @default 0 */
  readonly seed?: number
}

export class NoisyOracle implements Inferer {
  readonly name: string
  readonly bias: number
  readonly noise: number
  readonly seed: number

  constructor(
    private readonly source: GroundTruthSource,
    options: NoisyOracleOptions = {},
  ) {
    this.bias = options.bias ?? 0
    this.noise = options.noise ?? 1
    this.seed = options.seed ?? 0
    if (!Number.isFinite(this.bias)) throw new ModelSpecError(`oracle: bias must be a finite number (got ${this.bias})`)
    if (!(this.noise >= 0 && Number.isFinite(this.noise)))
      throw new ModelSpecError(`oracle: noise must be >= 0 (got ${this.noise})`)
    if (!Number.isSafeInteger(this.seed)) throw new ModelSpecError(`oracle: seed must be an integer (got ${this.seed})`)
    this.name = `oracle:bias=${this.bias},noise=${this.noise},seed=${this.seed}`
  }

  async infer(context: ModelContext): Promise<number> {
    const truth = await this.source.valueAt(context.epoch)
    if (truth === undefined)
      throw new ModelError('NO_DATA', `oracle: ${this.source.name} has no value for epoch ${context.epoch}`)
    const z = new Prng('chorus-oracle', this.seed, context.epoch, context.self).normal()
    return truth + this.bias + this.noise * z
  }
}
