/**
 * A verified model as a worker's inferer (`zk-linear:WEIGHTS.json`, docs/zk.md): the private
 * linear model of src/zk, reading the features every node computes from the known truth. Its
 * inference is exactly what a Groth16 proof of it would show (`prove`), so a topic that asks
 * for proofs can check it without the weights, which never leave the worker.
 */
import { featuresOf, inferenceOf } from '../../zk/features.js'
import { commitmentOf, evaluate, ZkModelError, type LinearWeights } from '../../zk/linear-model.js'
import { readWeightsFile } from '../../zk/weights-file.js'
import type { LinearProver } from '../../zk/proofs.js'
import type { ModelContext } from '../plugins.js'
import type { Inferer } from './compose.js'
import { ModelSpecError } from './errors.js'
import { truthValues } from './series.js'

export class ZkLinearModel implements Inferer {
  readonly name: string
  /** The commitment the worker publishes (in its registration, once topics take proofs). */
  readonly commitment: bigint
  private readonly weights: LinearWeights
  private prover: Promise<LinearProver> | undefined

  /** Reads and checks the weights file at once, so a bad file stops the node at start. */
  constructor(
    path: string,
    readonly featureScale: number,
  ) {
    try {
      this.weights = readWeightsFile(path)
      this.commitment = commitmentOf(this.weights)
    } catch (err) {
      throw err instanceof ZkModelError ? new ModelSpecError(`zk-linear: ${err.message}`) : err
    }
    if (!(featureScale > 0)) throw new ModelSpecError(`zk-linear: scale must be > 0 (got ${featureScale})`)
    // The name shows the commitment, never the weights.
    this.name = `zk-linear:${this.commitment.toString(16).slice(0, 12)}`
  }

  infer(context: ModelContext): number {
    const truth = truthValues(context, 16)
    return inferenceOf(evaluate(this.weights, featuresOf(truth, this.featureScale)), truth, this.featureScale)
  }

  /** A proof of this epoch's output (loads snarkjs and the proving key on first use). */
  async prove(context: ModelContext): Promise<{ y: bigint; proof: unknown }> {
    this.prover ??= import('../../zk/proofs.js').then(({ LinearProver }) => LinearProver.create(this.weights))
    return (await this.prover).prove(featuresOf(truthValues(context, 16), this.featureScale))
  }
}
