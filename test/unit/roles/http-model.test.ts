import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelError } from '../../../src/roles/models/errors.js'
import { HttpModel } from '../../../src/roles/models/http.js'
import { createModel } from '../../../src/roles/models/registry.js'
import { contextOf } from './helpers.js'

describe('http model', () => {
  let server: Server
  let base = ''
  const bodies: unknown[] = []

  beforeAll(async () => {
    // The example model of http.ts, plus routes that misbehave.
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        if (req.url === '/slow') return // never answers
        if (req.url === '/fail') return void res.writeHead(503).end('down for maintenance')
        if (req.url === '/garbage') return void res.end('<html>')
        if (req.url === '/nan') return void res.end('{"inference": "1.5"}')
        if (req.url === '/huge-forecast') return void res.end('{"inference": 1, "forecast": {"w0": 1e155}}')
        if (req.url === '/forecast-only') {
          const request = JSON.parse(body) as { role?: string; context: { inferers: string[] } }
          bodies.push(request)
          return void res.end(JSON.stringify({ forecast: { [request.context.inferers[0]]: -2 } }))
        }
        const request = JSON.parse(body) as { context: { truth: { value: number }[]; inferers: string[] } }
        bodies.push(request)
        const last = request.context.truth.at(-1)?.value ?? 0
        const forecast = Object.fromEntries([...request.context.inferers, 'stranger'].map((id) => [id, -1]))
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ inference: last + 1, forecast }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('POSTs the context once per epoch and reads inference and forecast', async () => {
    const m = new HttpModel({ url: `${base}/model` })
    const ctx = contextOf([1, 2, 3], { inferers: ['w1', 'w2'] })
    const before = bodies.length
    const [inference, forecast] = await Promise.all([m.infer(ctx), m.forecast(ctx)])
    expect(inference).toBe(4)
    // Ids outside context.inferers are dropped.
    expect(forecast).toEqual({ w1: -1, w2: -1 })
    expect(bodies.length).toBe(before + 1)
    expect(bodies.at(-1)).toMatchObject({
      version: 1,
      id: 1,
      context: { epoch: 3, self: 'me', inferers: ['w1', 'w2'] },
    })
    expect(await m.infer({ ...ctx, epoch: 4 })).toBe(4)
    expect(bodies.length).toBe(before + 2)
  })

  it.each([
    ['/fail', 'HTTP', /http model http:\/\/127\.0\.0\.1:\d+\/fail \(epoch 3\): HTTP 503 down for maintenance/],
    ['/garbage', 'PROTOCOL', /the answer is not JSON: <html>/],
    ['/nan', 'PROTOCOL', /"inference" must be a finite number of magnitude at most 1e\+300 \(got "1.5"\)/],
    ['/huge-forecast', 'PROTOCOL', /forecast\["w0"\] must be a log10 loss, a number in \[-324, 309\] \(got 1e\+155\)/],
    ['/slow', 'TIMEOUT', /no answer within 150 ms/],
  ])('%s fails the epoch with a clear %s error', async (path, code, message) => {
    const m = new HttpModel({ url: `${base}${path}`, timeoutMs: 150 })
    const ctx = contextOf([1, 2, 3], { inferers: ['w0'] })
    const err = await m.infer(ctx).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ModelError)
    expect((err as ModelError).code).toBe(code)
    expect((err as ModelError).message).toMatch(message)
    // The forecast of the same epoch shares the failed request instead of asking again.
    await expect(m.forecast(ctx)).rejects.toBe(err)
  })

  it('serves as the forecaster of a built-in inferer: asked for the forecast only', async () => {
    const model = createModel(`last@${base}/forecast-only`)
    const ctx = contextOf([1, 2, 3], { inferers: ['w1', 'w2'] })
    // The inference is the built-in one; the endpoint answers without one.
    expect(await model.infer(ctx)).toBe(3)
    expect(await model.forecast(ctx)).toEqual({ w1: -2 })
    expect(bodies.at(-1)).toMatchObject({ version: 1, role: 'forecaster', context: { epoch: 3 } })
    // As a whole worker the same answer lacks its inference.
    const whole = new HttpModel({ url: `${base}/forecast-only` })
    await expect(whole.infer(ctx)).rejects.toThrow(/"inference" must be a finite number/)
  })

  it('names the URL when nothing listens', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const m = new HttpModel({ url: `http://127.0.0.1:${port}/model`, timeoutMs: 1000 })
    const err = await m.infer(contextOf([1])).catch((e: unknown) => e)
    expect((err as ModelError).code).toBe('HTTP')
    expect((err as ModelError).message).toBe(`http model http://127.0.0.1:${port}/model (epoch 1): ECONNREFUSED`)
  })

  it('rejects a URL that is not http(s)', () => {
    expect(() => new HttpModel({ url: 'file:///etc/passwd' })).toThrow(/must be http\(s\)/)
    expect(() => new HttpModel({ url: 'not a url' })).toThrow(/not a valid URL/)
  })
})
