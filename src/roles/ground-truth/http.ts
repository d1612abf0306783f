/**
 * Ground truth fetched over HTTP. The URL is a template: `{epoch}` is replaced by the epoch
 * number (without it, `epoch=N` is added to the query). The answer is a JSON number, or
 * `{"value": number}`; `null`, `{"value": null}` or HTTP 404 mean "not known yet". Known
 * values are cached (a settled truth does not change), bounded to the most recent ones.
 *
 * Every failure is a GroundTruthError naming the URL: the reputer skips that epoch and asks
 * again later; it never takes the node down.
 */
import type { GroundTruthSource } from '../plugins.js'
import { GroundTruthError } from './errors.js'

export interface HttpSourceOptions {
  /** @default 5000 */
  readonly timeoutMs?: number
  /** Known values kept. @default 4096 */
  readonly cacheSize?: number
}

export class HttpSeries implements GroundTruthSource {
  readonly name: string
  readonly length = Number.POSITIVE_INFINITY
  private readonly timeoutMs: number
  private readonly cacheSize: number
  private readonly cache = new Map<number, number>()

  constructor(
    readonly urlTemplate: string,
    options: HttpSourceOptions = {},
  ) {
    let parsed: URL
    try {
      parsed = new URL(urlTemplate.replaceAll('{epoch}', '0'))
    } catch {
      throw new GroundTruthError(`http source: "${urlTemplate}" is not a valid URL`)
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new GroundTruthError(`http source: "${urlTemplate}" must be http(s)`)
    this.name = `http:${urlTemplate}`
    this.timeoutMs = options.timeoutMs ?? 5000
    this.cacheSize = options.cacheSize ?? 4096
  }

  urlFor(epoch: number): string {
    if (this.urlTemplate.includes('{epoch}')) return this.urlTemplate.replaceAll('{epoch}', String(epoch))
    const url = new URL(this.urlTemplate)
    url.searchParams.set('epoch', String(epoch))
    return url.toString()
  }

  async valueAt(epoch: number): Promise<number | undefined> {
    if (!Number.isSafeInteger(epoch) || epoch < 0) return undefined
    const cached = this.cache.get(epoch)
    if (cached !== undefined) return cached
    const url = this.urlFor(epoch)
    let response: Response
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (err) {
      const reason =
        (err as Error).name === 'TimeoutError' ? `timed out after ${this.timeoutMs} ms` : (err as Error).message
      throw new GroundTruthError(`http source ${url}: ${reason}`)
    }
    if (response.status === 404) return undefined
    if (!response.ok) throw new GroundTruthError(`http source ${url}: HTTP ${response.status}`)
    let body: unknown
    try {
      body = await response.json()
    } catch {
      throw new GroundTruthError(`http source ${url}: the answer is not JSON`)
    }
    const value =
      typeof body === 'object' && body !== null && 'value' in body ? (body as { value: unknown }).value : body
    if (value === null) return undefined
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new GroundTruthError(
        `http source ${url}: expected a number or {"value": number}, got ${JSON.stringify(body).slice(0, 80)}`,
      )
    }
    this.cache.set(epoch, value)
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as number)
    return value
  }
}
