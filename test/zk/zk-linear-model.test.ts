import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelSpecError } from '../../src/roles/models/errors.js'
import { createModel } from '../../src/roles/models/registry.js'
import { ZkLinearModel } from '../../src/roles/models/zk-linear.js'
import { featuresOf } from '../../src/zk/features.js'
import { LinearVerifier } from '../../src/zk/proofs.js'
import { stopSnarkjs } from '../../src/zk/snarkjs.js'
import { contextOf } from '../unit/roles/helpers.js'

describe('zk-linear: a verified model as a worker model', () => {
  let dir = ''
  let path = ''
  const weights = Array.from({ length: 16 }, (_, i) => (i === 15 ? 0.9 : i === 14 ? 0.1 : 0))
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-zk-model-'))
    path = join(dir, 'weights.json')
    await writeFile(path, JSON.stringify({ weights, bias: 0.25, salt: '31337' }))
  })
  afterAll(async () => {
    await stopSnarkjs()
    await rm(dir, { recursive: true, force: true })
  })

  it('infers from the features every node computes; its name shows the commitment, not the weights', async () => {
    const model = createModel(`zk-linear:${path},scale=2`)
    expect(model.name).toMatch(/^zk-linear:[0-9a-f]{12}@adaptive/)
    expect(model.name).not.toContain('0.9')
    const truth = Array.from({ length: 20 }, (_, i) => 50 + i)
    const value = await model.infer(contextOf(truth))
    // x14 = (68 − 69)/2 = −0.5, x15 = 0: y = 0.1·(−0.5) + 0.25 = 0.2 → 69 + 0.2·2.
    expect(value).toBeCloseTo(69.4, 4)
  })

  it('proves its output, and the proof verifies against its commitment', async () => {
    const inferer = new ZkLinearModel(path, 2)
    const truth = Array.from({ length: 20 }, (_, i) => 50 + Math.sin(i))
    const context = contextOf(truth)
    const { y, proof } = await inferer.prove(context)
    const verifier = await LinearVerifier.create()
    const x = featuresOf(truth, 2)
    expect(await verifier.verify(x, y, inferer.commitment, proof as never)).toBe(true)
    expect(await verifier.verify(x, y + 1n, inferer.commitment, proof as never)).toBe(false)
  }, 30_000)

  it('a bad weights file stops the model at creation, naming the file and the field', async () => {
    const bad = join(dir, 'bad.json')
    await writeFile(bad, JSON.stringify({ weights: [1, 2], bias: 0, salt: '1' }))
    expect(() => createModel(`zk-linear:${bad}`)).toThrow(ModelSpecError)
    expect(() => createModel(`zk-linear:${bad}`)).toThrow(/bad\.json: weights must be a list of 16 numbers/)
    expect(() => createModel(`zk-linear:${join(dir, 'none.json')}`)).toThrow(/cannot read the weights file/)
  })
})
