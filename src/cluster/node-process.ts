/**
 * One `chorus node` child process: started with its arguments, up once it prints its address
 * line, followed through its JSON report lines; it stops when this process stops or goes away
 * (its stdin is a pipe whose end this process holds). With `ipc`, it also has Node's IPC channel,
 * which a chaos run drives it through.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { createInterface } from 'node:readline'

/** A `chorus node --json` report line (the fields this side reads). */
export interface NodeReportLine {
  readonly type?: string
  readonly addrs?: string[]
  readonly height?: number
  readonly hash?: string
  readonly api?: string | null
  readonly atMs?: number
}

export interface NodeProcessEvents {
  /** A JSON line the node printed. */
  report: [NodeReportLine]
  /** A message the node sent on its IPC channel. */
  message: [unknown]
  /** A line the node printed on stderr. */
  stderr: [string]
  exit: [number | null, NodeJS.Signals | null]
}

/** A child did not come up (exited, or printed no address in time). */
export class NodeProcessError extends Error {
  override readonly name = 'NodeProcessError'
}

export interface NodeProcessOptions {
  readonly name: string
  /** The command that runs the chorus CLI: [executable, ...arguments before the subcommand]. */
  readonly cli: readonly string[]
  /** Arguments of `chorus node`. */
  readonly args: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  /** Open Node's IPC channel to the child. @default false */
  readonly ipc?: boolean
  /** @default 30000 */
  readonly startTimeoutMs?: number
}

export class NodeProcess {
  readonly events = new EventEmitter<NodeProcessEvents>()
  /** The addresses it printed (with /p2p/). */
  addrs: readonly string[] = []
  /** Its consumer API, when it serves one. */
  api: string | undefined
  private readonly child: ChildProcess
  /** The last lines it printed on stderr: its reason, if it ends before it is up. */
  private readonly stderrTail: string[] = []

  private constructor(readonly options: NodeProcessOptions) {
    this.child = spawn(options.cli[0], [...options.cli.slice(1), 'node', ...options.args], {
      stdio: ['pipe', 'pipe', 'pipe', ...(options.ipc === true ? (['ipc'] as const) : [])],
      env: { ...process.env, ...options.env, CHORUS_STOP_WITH_STDIN: '1' },
    })
    createInterface({ input: this.child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      this.stderrTail.push(line)
      if (this.stderrTail.length > 5) this.stderrTail.shift()
      this.events.emit('stderr', line)
    })
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let report: NodeReportLine
      try {
        report = JSON.parse(line) as NodeReportLine
      } catch {
        return
      }
      if (report.type === 'node' && report.addrs !== undefined) {
        this.addrs = report.addrs
        if (typeof report.api === 'string') this.api = report.api
      }
      this.events.emit('report', report)
    })
    this.child.on('message', (m) => this.events.emit('message', m))
    this.child.once('exit', (code, signal) => this.events.emit('exit', code, signal))
  }

  /** Start the node and resolve once it printed its address; reject, with its last words, if it does not. */
  static start(options: NodeProcessOptions): { readonly node: NodeProcess; readonly up: Promise<void> } {
    const node = new NodeProcess(options)
    const timeoutMs = options.startTimeoutMs ?? 30_000
    const up = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        node.events.off('report', onReport)
        reject(new NodeProcessError(`${options.name} printed no address within ${timeoutMs} ms`))
      }, timeoutMs)
      const onReport = (r: NodeReportLine): void => {
        if (r.type !== 'node' || r.addrs === undefined) return
        clearTimeout(timer)
        node.events.off('report', onReport)
        resolve()
      }
      node.events.on('report', onReport)
      node.child.once('exit', (code, signal) => {
        clearTimeout(timer)
        const why = node.stderrTail.length > 0 ? `: ${node.stderrTail.join(' / ')}` : ''
        reject(new NodeProcessError(`${options.name} exited (${signal ?? `status ${code}`}) before it was up${why}`))
      })
    })
    // A start nobody waits for must not end the process with an unhandled rejection.
    up.catch(() => {})
    return { node, up }
  }

  get name(): string {
    return this.options.name
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal)
  }

  /** Send on the IPC channel; false when the node has none or is gone. */
  send(message: unknown): boolean {
    if (this.child.connected !== true) return false
    this.child.send(message as object, (err) => {
      // The child went away between the check and the write: its exit is reported elsewhere.
      if (err !== null) return
    })
    return true
  }

  /** Stop it: SIGTERM, then SIGKILL if it still runs after `graceMs`. Resolves once it exited. */
  stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return Promise.resolve()
    return new Promise((resolve) => {
      const kill = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
      this.child.once('exit', () => {
        clearTimeout(kill)
        resolve()
      })
      // A paused (SIGSTOPped) node cannot act on SIGTERM until it runs again.
      this.child.kill('SIGCONT')
      this.child.kill('SIGTERM')
    })
  }
}

/** What `chorus node` needs to run one key of a network written by `chorus init`. */
export interface NodeArgsOptions {
  readonly genesisPath: string
  readonly role: 'coordinator' | 'worker' | 'reputer'
  readonly keyFile: string
  readonly dataDir: string
  /** A built-in model name (workers). */
  readonly model?: string
  readonly byzantine?: string
  /** `HOST:PORT` of its consumer API. */
  readonly api?: string
  /** Its structured log. @default silent */
  readonly logLevel?: string
  readonly logFile?: string
}

/** The arguments of `chorus node --json` for one node (bootstrap addresses are added when it starts). */
export function nodeArgs(o: NodeArgsOptions): string[] {
  return [
    '--role',
    o.role,
    '--genesis',
    o.genesisPath,
    '--key',
    o.keyFile,
    '--data-dir',
    o.dataDir,
    '--json',
    ...(o.model === undefined ? [] : ['--model', `builtin:${o.model}`]),
    ...(o.api === undefined ? [] : ['--api', o.api]),
    ...(o.byzantine === undefined ? [] : ['--byzantine', o.byzantine]),
    // Explicit, so a node does not take the level of CHORUS_LOG inherited from its parent.
    '--log-level',
    o.logLevel ?? 'silent',
    ...(o.logFile === undefined ? [] : ['--log-file', o.logFile]),
  ]
}

/**
 * Start a network's nodes: the coordinators one after another, each dialling those up before
 * it, so the committee is fully connected; then every other node at once, dialling every
 * coordinator. A network whose peers all hang off one node falls apart when that node does.
 */
export async function startNetwork<N extends { readonly isCoordinator: boolean }>(
  nodes: readonly N[],
  start: (node: N, bootstrap: readonly string[]) => Promise<readonly string[]>,
  abortIfAsked: () => void = () => {},
): Promise<void> {
  const committee: string[] = []
  for (const n of nodes.filter((x) => x.isCoordinator)) {
    abortIfAsked()
    committee.push(...(await start(n, [...committee])))
  }
  abortIfAsked()
  await Promise.all(nodes.filter((x) => !x.isCoordinator).map((n) => start(n, committee)))
}
