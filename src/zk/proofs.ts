/**
 * Groth16 proofs of the verified linear model (docs/zk.md). The prover holds the weights and
 * proves y for the features every node computes; a verifier builds the public signals itself
 * from [x, y, the commitment it stored], never from a list the prover sends.
 */
import { readFile } from 'node:fs/promises'
import { ARTIFACTS } from './artifacts.js'
import {
  checkFeatures,
  commitmentOf,
  evaluate,
  FEATURES,
  FIELD,
  toField,
  ZkModelError,
  type LinearWeights,
} from './linear-model.js'
import { loadSnarkjs, type Groth16Proof } from './snarkjs.js'

export interface LinearProof {
  /** The model's output, fixed point (scale 2^16). */
  readonly y: bigint
  readonly proof: Groth16Proof
}

/** The public signals in the circuit's order: x (16), y, commitment. */
export function publicSignals(x: readonly bigint[], y: bigint, commitment: bigint): string[] {
  checkFeatures(x)
  return [...x.map((v) => toField(v).toString()), toField(y).toString(), commitment.toString()]
}

export class LinearProver {
  private constructor(
    private readonly model: LinearWeights,
    readonly commitment: bigint,
    private readonly wasm: Uint8Array,
    private readonly zkey: Uint8Array,
  ) {}

  /** Checks the weights (a clear error for any out of range) and loads the proving artifacts. */
  static async create(model: LinearWeights): Promise<LinearProver> {
    const commitment = commitmentOf(model)
    const [wasm, zkey] = await Promise.all([readFile(ARTIFACTS.wasm), readFile(ARTIFACTS.zkey)])
    return new LinearProver(model, commitment, wasm, zkey)
  }

  async prove(x: readonly bigint[]): Promise<LinearProof> {
    const y = evaluate(this.model, x)
    const snarkjs = await loadSnarkjs()
    const { proof, publicSignals: signals } = await snarkjs.groth16.fullProve(
      {
        w: this.model.w.map((v) => toField(v).toString()),
        b: toField(this.model.b).toString(),
        salt: this.model.salt.toString(),
        x: x.map((v) => toField(v).toString()),
        y: toField(y).toString(),
        commitment: this.commitment.toString(),
      },
      this.wasm,
      { type: 'mem', data: this.zkey },
    )
    // The circuit and this file must agree on the order of the public signals.
    const expected = publicSignals(x, y, this.commitment)
    if (signals.length !== expected.length || signals.some((s, i) => s !== expected[i]))
      throw new ZkModelError('the circuit returned public signals in another order than publicSignals()')
    return { y, proof }
  }
}

export class LinearVerifier {
  private constructor(private readonly vkey: unknown) {}

  static async create(): Promise<LinearVerifier> {
    return new LinearVerifier(JSON.parse(await readFile(ARTIFACTS.vkey, 'utf8')))
  }

  /** Whether `proof` shows that the model committed to as `commitment` gives y for x. */
  async verify(x: readonly bigint[], y: bigint, commitment: bigint, proof: Groth16Proof): Promise<boolean> {
    if (commitment < 0n || commitment >= FIELD || x.length !== FEATURES) return false
    const snarkjs = await loadSnarkjs()
    try {
      return await snarkjs.groth16.verify(this.vkey, publicSignals(x, y, commitment), proof)
    } catch {
      return false // a malformed proof is an invalid one
    }
  }
}
