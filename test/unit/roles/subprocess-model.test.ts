import { afterEach, describe, expect, it } from 'vitest'
import { ModelError } from '../../../src/roles/models/errors.js'
import { createModel } from '../../../src/roles/models/registry.js'
import { SubprocessModel } from '../../../src/roles/models/subprocess.js'
import { contextOf } from './helpers.js'

/**
 * A JSON-lines model in a few lines of Node: answers last value + 1 and forecasts −1 for
 * every inferer; misbehaves on purpose at some epochs (crash, silence, garbage).
 */
const SCRIPT = `
const rl = require('node:readline').createInterface({ input: process.stdin })
rl.on('line', (line) => {
  const { id, context } = JSON.parse(line)
  if (context.epoch >= 66 && context.epoch < 70) { process.stderr.write('model blew up on ' + context.epoch + '\\n'); process.exit(3) }
  if (context.epoch === 77) return
  if (context.epoch === 88) { console.log('not json'); return }
  const last = context.truth.length ? context.truth[context.truth.length - 1].value : 0
  const forecast = Object.fromEntries(context.inferers.map((i) => [i, -1]))
  console.log(JSON.stringify({ id, inference: last + 1, forecast }))
})
`

const models: SubprocessModel[] = []
function model(options: { timeoutMs?: number; maxRestarts?: number; script?: string } = {}): SubprocessModel {
  const m = new SubprocessModel({
    command: process.execPath,
    args: ['-e', options.script ?? SCRIPT],
    timeoutMs: options.timeoutMs ?? 3000,
    maxRestarts: options.maxRestarts,
  })
  models.push(m)
  return m
}

afterEach(() => {
  for (const m of models.splice(0)) m.close()
})

const at = (epoch: number) => contextOf([1, 2, 3], { epoch, inferers: ['w1'] })

async function failure(p: Promise<unknown>): Promise<ModelError> {
  const err = await p.catch((e: unknown) => e)
  expect(err).toBeInstanceOf(ModelError)
  return err as ModelError
}

describe('subprocess model', () => {
  it('speaks one JSON line per request, one request per epoch', async () => {
    const m = model()
    expect(await Promise.all([m.infer(at(3)), m.forecast(at(3))])).toEqual([4, { w1: -1 }])
    expect(await m.infer(at(4))).toBe(4)
  })

  it('reports a crash with its exit code and stderr, then restarts', async () => {
    const m = model()
    expect(await m.infer(at(3))).toBe(4)
    const err = await failure(m.infer(at(66)))
    expect(err.code).toBe('CRASHED')
    expect(err.message).toMatch(/exited \(code 3\); stderr: model blew up on 66/)
    expect(await m.infer(at(5))).toBe(4)
  })

  it('kills a silent child at the timeout and starts a new one', async () => {
    const m = model({ timeoutMs: 300 })
    const err = await failure(m.infer(at(77)))
    expect(err.code).toBe('TIMEOUT')
    expect(err.message).toMatch(/\(epoch 77\): no answer within 300 ms/)
    expect(await m.infer(at(5))).toBe(4)
  })

  it('rejects a line that is not an answer', async () => {
    const err = await failure(model().infer(at(88)))
    expect(err.code).toBe('PROTOCOL')
    expect(err.message).toMatch(/wrote a line that is not JSON: not json/)
  })

  it('gives up after maxRestarts failures in a row, saying so', async () => {
    const m = model({ maxRestarts: 1 })
    await failure(m.infer(at(66)))
    await failure(m.infer(at(67)))
    const err = await failure(m.infer(at(5)))
    expect(err.message).toMatch(/gave up after 2 failed requests in a row/)
  })

  it('says when the command cannot run', async () => {
    const m = new SubprocessModel({ command: '/nonexistent/model-binary' })
    models.push(m)
    const err = await failure(m.infer(at(1)))
    expect(err.code).toBe('CRASHED')
    expect(err.message).toMatch(/cannot run: spawn \/nonexistent\/model-binary ENOENT/)
  })

  it('close() kills the child and fails later requests', async () => {
    const m = model()
    expect(await m.infer(at(3))).toBe(4)
    m.close()
    expect((await failure(m.infer(at(4)))).code).toBe('CLOSED')
  })
})

describe('subprocess forecaster', () => {
  it('forecasts beside a built-in inferer, asked with role "forecaster", and closes with the model', async () => {
    const script = `
const rl = require('node:readline').createInterface({ input: process.stdin })
rl.on('line', (line) => {
  const { id, role, context } = JSON.parse(line)
  if (role !== 'forecaster') process.exit(9)
  console.log(JSON.stringify({ id, forecast: Object.fromEntries(context.inferers.map((i, k) => [i, -1 - k])) }))
})`
    const worker = createModel({
      kind: 'ema',
      alpha: 0.5,
      forecaster: { kind: 'cmd', command: process.execPath, args: ['-e', script], timeoutMs: 3000 },
    })
    const ctx = contextOf([2, 4], { inferers: ['w1', 'w2'] })
    expect(await worker.infer(ctx)).toBe(3)
    expect(await worker.forecast(ctx)).toEqual({ w1: -1, w2: -2 })
    await worker.close?.()
    await expect(worker.forecast({ ...ctx, epoch: 3 })).rejects.toThrow(/closed/)
  })
})
