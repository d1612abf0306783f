/**
 * Verified inference (docs/zk.md): the time to prove one value of the verified linear model,
 * warm, and to verify it, against checking one ordinary signed message (an ed25519
 * signature, what every inference already costs a coordinator), measured in the same run.
 * The first proof and the first verification of a process are reported apart (snarkjs
 * starts its worker threads then).
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { commitmentOf, toFixed, type LinearWeights } from '../src/zk/linear-model.js'
import { LinearProver, LinearVerifier } from '../src/zk/proofs.js'
import { stopSnarkjs } from '../src/zk/snarkjs.js'
import { medianOf, timeRuns, type BenchRow, type BenchSuite } from './lib.js'

const PROOFS = 12

export const suite: BenchSuite = {
  name: 'zk',
  async run(): Promise<BenchRow[]> {
    const model: LinearWeights = {
      w: Array.from({ length: 16 }, (_, i) => toFixed((i - 7.5) / 100, `w${i}`)),
      b: toFixed(0.5, 'b'),
      salt: 424242n,
    }
    const inputs = Array.from({ length: PROOFS + 1 }, (_, k) =>
      Array.from({ length: 16 }, (_, i) => toFixed(100 + Math.sin(i + k), `x${i}`)),
    )
    const commitment = commitmentOf(model)
    try {
      let t = performance.now()
      const prover = await LinearProver.create(model)
      const first = await prover.prove(inputs[0])
      const firstProveMs = performance.now() - t
      const verifier = await LinearVerifier.create()
      t = performance.now()
      if (!(await verifier.verify(inputs[0], first.y, commitment, first.proof))) throw new Error('proof failed')
      const firstVerifyMs = performance.now() - t
      const proveMs: number[] = []
      const verifyMs: number[] = []
      for (let k = 1; k <= PROOFS; k++) {
        t = performance.now()
        const p = await prover.prove(inputs[k])
        proveMs.push(performance.now() - t)
        t = performance.now()
        if (!(await verifier.verify(inputs[k], p.y, commitment, p.proof))) throw new Error('proof failed')
        verifyMs.push(performance.now() - t)
      }
      // The baseline: one ed25519 signature check of a message of an inference's size.
      const { publicKey, privateKey } = generateKeyPairSync('ed25519')
      const message = Buffer.alloc(200, 7)
      const signature = sign(null, message, privateKey)
      const signatureMs = medianOf(await timeRuns(() => verify(null, message, publicKey, signature), 200, 200))
      const proofBytes = JSON.stringify(first.proof).length
      const prove = medianOf(proveMs)
      const check = medianOf(verifyMs)
      return [
        {
          suite: 'zk',
          case: 'prove one value (linear16, warm)',
          value: prove,
          unit: 'ms',
          baselineName: 'ed25519 verify',
          baseline: signatureMs,
          ratio: prove / signatureMs,
          ratioMeaning: 'prove / signature check',
          extra: { firstProveMs: Math.round(firstProveMs), proofBytes, proofs: PROOFS },
        },
        {
          suite: 'zk',
          case: 'verify one proof (linear16, warm)',
          value: check,
          unit: 'ms',
          baselineName: 'ed25519 verify',
          baseline: signatureMs,
          ratio: check / signatureMs,
          ratioMeaning: 'verify / signature check',
          extra: { firstVerifyMs: Math.round(firstVerifyMs) },
        },
      ]
    } finally {
      await stopSnarkjs()
    }
  },
}
