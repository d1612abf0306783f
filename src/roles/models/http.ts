/**
 * A worker model behind an HTTP endpoint, in any language: each epoch the worker POSTs the
 * request of external.ts to the URL (Content-Type application/json) and reads the answer
 * from a 200 response. A timeout, a connection failure, a non-2xx status or a malformed
 * answer is a ModelError naming the URL: the worker skips that epoch, the node lives on.
 *
 * Example model (Node):
 *
 *   import { createServer } from 'node:http'
 *   createServer((req, res) => {
 *     let body = ''
 *     req.on('data', (c) => (body += c)).on('end', () => {
 *       const { context } = JSON.parse(body)
 *       const last = context.truth.at(-1)?.value ?? 0
 *       const forecast = Object.fromEntries(context.inferers.map((id) => [id, 0]))
 *       res.setHeader('content-type', 'application/json')
 *       res.end(JSON.stringify({ inference: last, forecast }))
 *     })
 *   }).listen(8900)
 *
 * and the worker runs it with `--model http:http://127.0.0.1:8900/`.
 */
import type { ModelContext, WorkerModel } from '../plugins.js'
import { ModelError } from './errors.js'
import { AnswerCache, parseAnswer, requestOf, type Answer, type ExternalRole } from './external.js'

export interface HttpModelOptions {
  /** `forecaster`: only its forecasts are used (external.ts). @default 'worker' */
  readonly role?: ExternalRole
  readonly url: string
  /** Per request. @default 2000 */
  readonly timeoutMs?: number
}

export class HttpModel implements WorkerModel {
  readonly name: string
  readonly url: string
  readonly timeoutMs: number
  readonly role: ExternalRole
  private readonly cache = new AnswerCache()
  private requests = 0

  constructor(options: HttpModelOptions) {
    let parsed: URL
    try {
      parsed = new URL(options.url)
    } catch {
      throw new ModelError('HTTP', `http model: "${options.url}" is not a valid URL`)
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new ModelError('HTTP', `http model: "${options.url}" must be http(s)`)
    this.url = options.url
    this.timeoutMs = options.timeoutMs ?? 2000
    this.role = options.role ?? 'worker'
    this.name = `http:${this.url}`
  }

  async infer(context: ModelContext): Promise<number> {
    return (await this.cache.get(context, () => this.ask(context))).inference
  }

  async forecast(context: ModelContext): Promise<Readonly<Record<string, number>>> {
    return (await this.cache.get(context, () => this.ask(context))).forecast
  }

  private async ask(context: ModelContext): Promise<Answer> {
    const who = `http model ${this.url} (epoch ${context.epoch})`
    const signal = AbortSignal.timeout(this.timeoutMs)
    let text: string
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(requestOf(context, ++this.requests, this.role)),
        signal,
      })
      text = await response.text()
      if (!response.ok) throw new ModelError('HTTP', `${who}: HTTP ${response.status} ${text.slice(0, 120)}`)
    } catch (err) {
      if (err instanceof ModelError) throw err
      if (signal.aborted) throw new ModelError('TIMEOUT', `${who}: no answer within ${this.timeoutMs} ms`)
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause
      throw new ModelError('HTTP', `${who}: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new ModelError('PROTOCOL', `${who}: the answer is not JSON: ${text.slice(0, 120)}`)
    }
    return parseAnswer(body, context, who, undefined, this.role)
  }
}
