/**
 * `chorus cluster` as a user runs it: a child process printing JSON lines. In process mode
 * every node is a process of its own, and none may outlive the cluster: not after a normal
 * end, not after Ctrl-C, not even after the cluster is killed with SIGKILL.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { chorus, startChorus } from '../utils/cli.js'
import { waitFor } from '../utils/wait.js'

const tmp = mkdtempSync(join(tmpdir(), 'chorus-cli-cluster-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** Process ids whose command line mentions `text` (the test's own data dir). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)
      } catch {
        return false
      }
    })
    .map(Number)
}

const parse = (line: string): Record<string, unknown> => JSON.parse(line) as Record<string, unknown>

describe('chorus cluster', () => {
  it('in one process: a ready line, 5 committed epochs, a summary, exit 0; the log in its file', async () => {
    const logFile = join(tmp, 'logs', 'cluster.log')
    // The command's flow, not the shortest epoch a loaded machine keeps up with (the speed
    // benchmarks measure that): epochs twice the default, so a test file running beside this
    // one cannot starve an epoch of its inferences.
    const run = startChorus(['cluster', '--epochs', '5', '--epoch-ms', '800', '--json', '--log-file', logFile], {
      env: { CHORUS_LOG: 'info' },
    })
    const ready = parse(await run.line((l) => l.includes('"type":"ready"')))
    expect(ready.bootstrap).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)]),
    )
    expect(existsSync(ready.genesis as string)).toBe(true)
    expect(ready.genesisHash).toMatch(/^[0-9a-f]{64}$/)
    const result = await run.done
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n').map(parse)
    expect(lines[0].type).toBe('ready')
    expect(lines.filter((l) => l.type === 'epoch')).toHaveLength(5)
    const summary = lines.at(-1) as Record<string, unknown>
    expect(summary).toMatchObject({ type: 'summary', decided: 5, forks: 0, conservation: true })
    // Without --data-dir the network's files are gone with the run.
    expect(existsSync(ready.genesis as string)).toBe(false)
    // The structured log: JSON lines in the file (stdout held only the run's own lines).
    const logged = readFileSync(logFile, 'utf8').trim().split('\n').map(parse)
    const commits = logged.filter((l) => l.event === 'block-committed')
    // Every node logs the blocks it commits or adopts, under its name (the first coordinator,
    // which reported the run's epochs, at least; a loaded machine may leave a follower behind).
    const nodes = new Set(commits.map((l) => l.node as string))
    expect(nodes.has('coordinator-1')).toBe(true)
    expect([...nodes].some((n) => /^(worker|reputer)-\d+$/.test(n))).toBe(true)
    expect(commits[0]).toMatchObject({ level: 30, msg: 'block committed' })
    expect(logged.some((l) => l.event === 'peer-joined' && typeof l.peer === 'string')).toBe(true)
    expect(result.stderr).not.toContain('"level"')
  }, 90_000)

  it('with --mode process: every node a process, none left after the end', async () => {
    const dir = join(tmp, 'process-end')
    const run = startChorus([
      'cluster',
      '--mode',
      'process',
      '--epochs',
      '3',
      '--json',
      '--coordinators',
      '2',
      '--workers',
      '2',
      '--reputers',
      '1',
      '--data-dir',
      dir,
      '--log-level',
      'info',
    ])
    await run.line((l) => l.includes('"type":"ready"'), 120_000)
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(5)
    const result = await run.done
    expect(result.code).toBe(0)
    const summary = parse(result.stdout.trim().split('\n').at(-1) as string)
    expect(summary).toMatchObject({ type: 'summary', forks: 0, conservation: true })
    // Every epoch of the run is committed; one may lack inferences on a machine short of CPU.
    expect(summary.decided).toBeGreaterThanOrEqual(2)
    expect(existsSync(join(dir, 'genesis.json'))).toBe(true)
    // Each node process logs to a file in its data dir.
    const nodeLog = readFileSync(join(dir, 'nodes', 'coordinator-1', 'node.log'), 'utf8')
    expect(nodeLog).toMatch(/"event":"node-started"/)
    expect(nodeLog).toMatch(/"event":"block-committed"/)
    await waitFor(() => processesMentioning(dir).length === 0, 'no node process left', 15_000)
  }, 180_000)

  it('with --mode process: Ctrl-C mid-run stops every node', async () => {
    const dir = join(tmp, 'process-sigint')
    const run = startChorus([
      'cluster',
      '--mode',
      'process',
      '--epochs',
      '0',
      '--json',
      '--coordinators',
      '2',
      '--workers',
      '1',
      '--reputers',
      '1',
      '--data-dir',
      dir,
    ])
    await run.line((l) => l.includes('"type":"epoch"'), 120_000)
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(0)
    expect(parse(result.stdout.trim().split('\n').at(-1) as string).type).toBe('summary')
    await waitFor(() => processesMentioning(dir).length === 0, 'no node process left', 15_000)
  }, 180_000)

  it('with --mode process: the nodes stop when the cluster is killed outright', async () => {
    const dir = join(tmp, 'process-kill')
    const run = startChorus([
      'cluster',
      '--mode',
      'process',
      '--epochs',
      '0',
      '--json',
      '--coordinators',
      '1',
      '--workers',
      '1',
      '--reputers',
      '1',
      '--data-dir',
      dir,
    ])
    await run.line((l) => l.includes('"type":"ready"'), 120_000)
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(3)
    run.child.kill('SIGKILL')
    await run.done
    await waitFor(() => processesMentioning(dir).length === 0, 'no node process left', 20_000)
  }, 180_000)

  it('refuses a bad log level, from the option (exit 2) or from CHORUS_LOG (exit 1)', async () => {
    const option = await chorus(['cluster', '--log-level', 'loud'])
    expect(option.code).toBe(2)
    expect(option.stderr).toContain('Allowed choices are debug, info, warn, error, silent')
    const env = await chorus(['cluster', '--epochs', '1'], { env: { CHORUS_LOG: 'loud' } })
    expect(env.code).toBe(1)
    expect(env.stderr.trim()).toBe(
      'chorus cluster: CHORUS_LOG must be one of debug, info, warn, error, silent, got "loud"',
    )
  })

  it('refuses a bad command line with one line and exit 2', async () => {
    const bad = await chorus(['cluster', '--epochs', '-1'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("option '--epochs <n>' argument '-1' is invalid")
    const mode = await chorus(['cluster', '--mode', 'threads'])
    expect(mode.code).toBe(2)
    expect(mode.stderr).toContain('Allowed choices are inproc, process')
  })

  it('names a bad ground truth in one line, exit 1, no stack trace', async () => {
    const missing = await chorus(['cluster', '--ground-truth', `csv:${join(tmp, 'missing.csv')}`])
    expect(missing.code).toBe(1)
    expect(missing.stderr.trim().split('\n')).toHaveLength(1)
    expect(missing.stderr).toContain('missing.csv')
    expect(missing.stderr).not.toContain('    at ')
  })
})
