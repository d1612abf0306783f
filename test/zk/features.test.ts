import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { featuresOf, inferenceOf } from '../../src/zk/features.js'
import { evaluate, ZkModelError } from '../../src/zk/linear-model.js'
import { newSalt, parseWeights, readWeightsFile } from '../../src/zk/weights-file.js'

const truth = Array.from({ length: 20 }, (_, i) => 100 + i * 0.5)

describe('verified-model features and weights files', () => {
  it('features are the last 16 truth values less the newest, over the scale, in fixed point', () => {
    const x = featuresOf(truth, 2)
    expect(x).toHaveLength(16)
    expect(x[15]).toBe(0n)
    // The oldest of the 16 is 15 steps of 0.5 below the newest: −7.5 / 2 = −3.75.
    expect(x[0]).toBe(BigInt(Math.round(-3.75 * 65536)))
    expect(() => featuresOf(truth.slice(0, 10), 2)).toThrow(/needs 16 known truth values \(has 10\)/)
    expect(() => featuresOf(truth, 0)).toThrow(/featureScale must be a positive number/)
    expect(() => featuresOf([...truth.slice(0, 19), 1e9], 1e-3)).toThrow(ZkModelError)
  })

  it('the model that repeats the newest change gives an inference one more step on', () => {
    // The newest change is x[15] − x[14] = −x[14] (x[15] is 0): weight −1 on x[14].
    const w = Array(16).fill(0)
    w[14] = -1
    const m = parseWeights({ weights: w, bias: 0, salt: newSalt() }, 'test')
    const x = featuresOf(truth, 2)
    expect(inferenceOf(evaluate(m, x), truth, 2)).toBeCloseTo(truth[19] + 0.5, 9)
  })

  it('a weights file is read with every field checked, naming the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chorus-weights-'))
    try {
      const path = join(dir, 'w.json')
      await writeFile(path, JSON.stringify({ weights: Array(16).fill(0.25), bias: -1, salt: '42' }))
      const m = readWeightsFile(path)
      expect(m.w.every((v) => v === 16384n)).toBe(true)
      expect(m.b).toBe(-65536n)
      expect(m.salt).toBe(42n)
      await writeFile(path, JSON.stringify({ weights: [...Array(15).fill(0), 40000], bias: 0, salt: '1' }))
      expect(() => readWeightsFile(path)).toThrow(
        /w\.json: weights\[15\] = 40000 is outside the fixed-point range \[-32768, 32767\.99998/,
      )
      await writeFile(path, JSON.stringify({ weights: Array(16).fill(0), bias: 0, salt: 7 }))
      expect(() => readWeightsFile(path)).toThrow(/salt must be a decimal string/)
      await writeFile(path, JSON.stringify({ weights: Array(16).fill(0), bias: 0, salt: '1', extra: 1 }))
      expect(() => readWeightsFile(path)).toThrow(/unknown field "extra"/)
      expect(() => readWeightsFile(join(dir, 'missing.json'))).toThrow(/cannot read the weights file \(ENOENT\)/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
