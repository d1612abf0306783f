/** The `chorus` CLI as a user runs it: a child process from the repository root, through tsx. */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface Running {
  readonly child: ChildProcess
  /** Resolves with the first stdout line that `match` accepts (parsed as JSON when it is). */
  line(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  readonly done: Promise<Run>
}

export function startChorus(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}src/cli/main.ts`, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
  })
  let stdout = ''
  let stderr = ''
  const waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = []
  createInterface({ input: child.stdout }).on('line', (l) => {
    stdout += `${l}\n`
    for (const w of [...waiters]) {
      if (!w.match(l)) continue
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve(l)
    }
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
  return {
    child,
    done,
    line(match, timeoutMs = 60_000) {
      const seen = stdout.split('\n').find((l) => l !== '' && match(l))
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching line within ${timeoutMs} ms; stderr: ${stderr}`)),
          timeoutMs,
        )
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(timer)
            resolve(l)
          },
        })
        void done.then((r) => {
          clearTimeout(timer)
          reject(new Error(`exited (${r.code ?? r.signal}) before a matching line; stderr: ${r.stderr}`))
        })
      })
    },
  }
}

export function chorus(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return startChorus(args, options).done
}

/** Whether a process with this pid is still running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The ready line of `chorus cluster --json`. */
export interface ClusterReady {
  readonly api: string
  readonly bootstrap: string[]
  readonly genesis: string
  readonly genesisHash: string
  readonly faucetKey: string
}

/** A small `chorus cluster` (2 coordinators, 1 worker, 1 reputer) until stopped, and its ready line. */
export async function startSmallCluster(): Promise<{ cluster: Running; ready: ClusterReady }> {
  const cluster = startChorus([
    'cluster',
    '--epochs',
    '0',
    '--json',
    '--coordinators',
    '2',
    '--workers',
    '1',
    '--reputers',
    '1',
  ])
  const line = await cluster.line((l) => l.includes('"type":"ready"'))
  return { cluster, ready: JSON.parse(line) as ClusterReady }
}
