import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitmentOf, evaluate, FIELD, toFixed, ZkModelError, type LinearWeights } from '../../src/zk/linear-model.js'
import { LinearProver, LinearVerifier, type LinearProof } from '../../src/zk/proofs.js'
import { stopSnarkjs } from '../../src/zk/snarkjs.js'

/** A model of weights w_i = (i − 7.5)·scale, and features around 100. */
function model(scale: number, salt: bigint): LinearWeights {
  return {
    w: Array.from({ length: 16 }, (_, i) => toFixed((i - 7.5) * scale, `w${i}`)),
    b: toFixed(-3.25, 'b'),
    salt,
  }
}
const x = Array.from({ length: 16 }, (_, i) => toFixed(100 + Math.sin(i) * 5, `x${i}`))

describe('verified linear model: Groth16 proofs', () => {
  const a = model(0.01, 123_456_789n)
  const b = model(0.02, 987_654_321n)
  let verifier: LinearVerifier
  let proofA: LinearProof
  let proofB: LinearProof

  beforeAll(async () => {
    verifier = await LinearVerifier.create()
    proofA = await (await LinearProver.create(a)).prove(x)
    proofB = await (await LinearProver.create(b)).prove(x)
  }, 60_000)
  afterAll(() => stopSnarkjs())

  it('a proof verifies against the committed weights, the features and the output', async () => {
    expect(proofA.y).toBe(evaluate(a, x))
    expect(await verifier.verify(x, proofA.y, commitmentOf(a), proofA.proof)).toBe(true)
  })

  it('a wrong output, wrong features, or another model against the commitment all fail', async () => {
    const c = commitmentOf(a)
    expect(await verifier.verify(x, proofA.y + 1n, c, proofA.proof)).toBe(false)
    const otherX = [x[0] + 1n, ...x.slice(1)]
    expect(await verifier.verify(otherX, proofA.y, c, proofA.proof)).toBe(false)
    // Model b's honest proof of its own output does not pass for a's commitment.
    expect(await verifier.verify(x, proofB.y, c, proofB.proof)).toBe(false)
    expect(await verifier.verify(x, proofB.y, commitmentOf(b), proofB.proof)).toBe(true)
    // Garbage is an invalid proof, not an exception.
    expect(await verifier.verify(x, proofA.y, c, { ...proofA.proof, pi_a: ['1', '2', '1'] })).toBe(false)
  })

  it('the prover refuses weights outside the signed 32-bit fixed point, naming the weight', async () => {
    const wide = { ...a, w: a.w.map((v, i) => (i === 3 ? 1n << 31n : v)) }
    await expect(LinearProver.create(wide)).rejects.toThrow(ZkModelError)
    await expect(LinearProver.create(wide)).rejects.toThrow(/weight 3 = 2147483648 is outside the signed 32-bit range/)
    expect(() => toFixed(40_000, 'bias')).toThrow(/bias = 40000 is outside the fixed-point range \[-32768, /)
    expect(() => commitmentOf({ ...a, salt: FIELD })).toThrow(/salt must be a field element/)
  })

  it('evaluates y = floor((W·x + b·2^16) / 2^16), negatives rounded down', () => {
    const one = { w: [1n << 16n, ...Array(15).fill(0n)], b: 0n, salt: 1n }
    const xs = (v: bigint) => [v, ...Array(15).fill(0n)]
    expect(evaluate(one, xs(3n))).toBe(3n)
    expect(evaluate(one, xs(-3n))).toBe(-3n)
    expect(evaluate({ ...one, b: -1n }, xs(3n))).toBe(2n)
    expect(evaluate({ ...one, w: [1n, ...Array(15).fill(0n)] }, xs(-1n))).toBe(-1n)
    // In real numbers: 1.0 · 3.0 + a bias of 1.0 is 4.0.
    expect(evaluate({ ...one, b: 1n << 16n }, xs(3n << 16n))).toBe(4n << 16n)
  })
})
