/**
 * A worker model in a child process, in any language: the worker writes one request line
 * (external.ts) to the child's stdin per epoch and reads one answer line from its stdout.
 * Requests go one at a time. stderr is kept (the last 2 KB) for error messages.
 *
 * Failures are ModelErrors and cost one epoch, never the node:
 * - no answer within `timeoutMs`: the child is killed (a late answer would be mistaken for
 *   the next one) and restarted on the next request;
 * - the child exits: the request fails with its exit code and stderr, and the next request
 *   starts a new child; after `maxRestarts` failures in a row without a good answer the model
 *   gives up and every request fails at once, saying so;
 * - a line that is not a valid answer: the request fails, the child is restarted.
 * `close()` kills the child.
 *
 * Example model (Python), run with `--model "cmd:python3 -u last_value.py"`:
 *
 *   import json, sys
 *   for line in sys.stdin:
 *       ctx = json.loads(line)["context"]
 *       last = ctx["truth"][-1]["value"] if ctx["truth"] else 0.0
 *       print(json.dumps({"inference": last, "forecast": {i: 0.0 for i in ctx["inferers"]}}), flush=True)
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { ModelContext, WorkerModel } from '../plugins.js'
import { ModelError } from './errors.js'
import { AnswerCache, parseAnswer, requestOf, type Answer, type ExternalRole } from './external.js'

export interface SubprocessModelOptions {
  /** `forecaster`: only its forecasts are used (external.ts). @default 'worker' */
  readonly role?: ExternalRole
  readonly command: string
  readonly args?: readonly string[]
  /** Per request. @default 2000 */
  readonly timeoutMs?: number
  /** Failed requests in a row (crash, timeout, bad answer) before giving up. @default 3 */
  readonly maxRestarts?: number
  readonly cwd?: string
}

const STDERR_KEPT = 2048

interface Pending {
  readonly id: number
  readonly resolve: (line: string) => void
  readonly reject: (err: Error) => void
}

export class SubprocessModel implements WorkerModel {
  readonly name: string
  private readonly command: string
  private readonly args: readonly string[]
  private readonly timeoutMs: number
  private readonly role: ExternalRole
  private readonly maxRestarts: number
  private readonly cwd: string | undefined
  private readonly cache = new AnswerCache()
  private child: ChildProcessWithoutNullStreams | undefined
  private pending: Pending | undefined
  private stderrTail = ''
  private failures = 0
  private requests = 0
  private closed = false
  /** Serialises requests: the protocol has one outstanding request at a time. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(options: SubprocessModelOptions) {
    this.command = options.command
    this.args = options.args ?? []
    this.timeoutMs = options.timeoutMs ?? 2000
    this.role = options.role ?? 'worker'
    this.maxRestarts = options.maxRestarts ?? 3
    this.cwd = options.cwd
    this.name = `cmd:${[this.command, ...this.args].join(' ')}`
  }

  async infer(context: ModelContext): Promise<number> {
    return (await this.cache.get(context, () => this.ask(context))).inference
  }

  async forecast(context: ModelContext): Promise<Readonly<Record<string, number>>> {
    return (await this.cache.get(context, () => this.ask(context))).forecast
  }

  close(): void {
    this.closed = true
    this.stop(new ModelError('CLOSED', `${this.name}: closed`))
  }

  private ask(context: ModelContext): Promise<Answer> {
    const next = this.queue.then(() => this.exchange(context))
    this.queue = next.catch(() => undefined)
    return next
  }

  private async exchange(context: ModelContext): Promise<Answer> {
    const who = `${this.name} (epoch ${context.epoch})`
    if (this.closed) throw new ModelError('CLOSED', `${who}: closed`)
    if (this.failures > this.maxRestarts)
      throw new ModelError('CRASHED', `${who}: gave up after ${this.failures} failed requests in a row${this.tail()}`)
    const id = ++this.requests
    try {
      const line = await this.roundTrip(id, JSON.stringify(requestOf(context, id, this.role)), who)
      let body: unknown
      try {
        body = JSON.parse(line)
      } catch {
        throw new ModelError('PROTOCOL', `${who}: wrote a line that is not JSON: ${line.slice(0, 120)}`)
      }
      const answer = parseAnswer(body, context, who, id, this.role)
      this.failures = 0
      return answer
    } catch (err) {
      this.failures++
      // After a timeout or a bad line the child's next output cannot be trusted to match.
      if (err instanceof ModelError && err.code !== 'CRASHED') this.stop(undefined)
      throw err
    }
  }

  private roundTrip(id: number, request: string, who: string): Promise<string> {
    const child = this.child ?? this.start()
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined
        reject(new ModelError('TIMEOUT', `${who}: no answer within ${this.timeoutMs} ms`))
      }, this.timeoutMs)
      this.pending = {
        id,
        resolve: (line) => {
          clearTimeout(timer)
          resolve(line)
        },
        reject: (err) => {
          clearTimeout(timer)
          reject(err)
        },
      }
      child.stdin.write(`${request}\n`)
    })
  }

  private start(): ChildProcessWithoutNullStreams {
    this.stderrTail = ''
    const child = spawn(this.command, this.args, { cwd: this.cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    this.child = child
    child.stdin.on('error', () => undefined) // EPIPE after a crash: the 'exit' handler reports it.
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEPT)
    })
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (this.child !== child || line.trim() === '') return
      const p = this.pending
      this.pending = undefined
      p?.resolve(line)
    })
    child.on('error', (err) => {
      if (this.child !== child) return
      this.child = undefined
      this.fail(new ModelError('CRASHED', `${this.name}: cannot run: ${err.message}`))
    })
    child.on('exit', (code, signal) => {
      if (this.child !== child) return
      this.child = undefined
      this.fail(new ModelError('CRASHED', `${this.name}: exited (${signal ?? `code ${code}`})${this.tail()}`))
    })
    return child
  }

  private tail(): string {
    const t = this.stderrTail.trim()
    return t === '' ? '' : `; stderr: ${t.slice(-300)}`
  }

  private fail(err: ModelError): void {
    const p = this.pending
    this.pending = undefined
    p?.reject(err)
  }

  /** Kill the child (if any) and fail the request in flight with `err`. */
  private stop(err: ModelError | undefined): void {
    const child = this.child
    this.child = undefined
    if (err !== undefined) this.fail(err)
    else this.pending = undefined
    child?.kill('SIGKILL')
  }
}
