/**
 * `chorus node`, `chorus init`, `chorus keys` and `chorus tx` on bad input: each mistake is
 * one line on stderr naming what is wrong, exit status 1 (bad input) or 2 (bad command
 * line), never a stack trace.
 */
import { createServer, type Server } from 'node:net'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chorus, type Run } from '../utils/cli.js'

const tmp = mkdtempSync(join(tmpdir(), 'chorus-cli-node-'))
let genesis: string
let key: string
let busy: Server
let busyPort: number
/** A port nothing listens on: a dial is refused at once. */
let closedPort: number

beforeAll(async () => {
  const init = await chorus(['init', '--out', join(tmp, 'net'), '--coordinators', '1', '--json'])
  expect(init.code, init.stderr).toBe(0)
  genesis = join(tmp, 'net', 'genesis.json')
  key = join(tmp, 'net', 'keys', 'coordinator-1.key')
  busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  busyPort = (busy.address() as { port: number }).port
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  closedPort = (probe.address() as { port: number }).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
}, 30_000)
afterAll(() => {
  busy.close()
  rmSync(tmp, { recursive: true, force: true })
})

/** One line on stderr, no stack trace. */
function oneLine(run: Run): string {
  const lines = run.stderr.trim().split('\n')
  expect(run.stderr).not.toMatch(/^\s+at /m)
  return lines[0]
}

const node = (...extra: string[]) =>
  chorus([
    'node',
    '--role',
    'worker',
    '--genesis',
    genesis,
    '--key',
    join(tmp, 'w.key'),
    '--data-dir',
    join(tmp, 'w'),
    ...extra,
  ])

describe('chorus node on bad input', () => {
  it('an unknown option or role is a usage error (exit 2)', async () => {
    const unknown = await node('--colour')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown option '--colour'")
    const role = await chorus([
      'node',
      '--role',
      'miner',
      '--genesis',
      genesis,
      '--key',
      key,
      '--data-dir',
      join(tmp, 'x'),
    ])
    expect(role.code).toBe(2)
    expect(role.stderr).toContain('--role must be coordinator, worker or reputer')
  })

  it('a Byzantine fault of another role, or no fault at all, is a usage error (exit 2)', async () => {
    const misfit = await node('--byzantine', 'equivocate')
    expect(misfit.code).toBe(2)
    expect(oneLine(misfit)).toContain(
      '--byzantine equivocate is not a fault of a worker (a worker can be: garbage, copycat, flood, late)',
    )
    const unknown = await node('--byzantine', 'sneaky')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("argument 'sneaky' is invalid")
    expect(unknown.stderr).toContain('withhold')
  })

  it('a missing genesis names the file', async () => {
    const run = await chorus([
      'node',
      '--role',
      'worker',
      '--genesis',
      join(tmp, 'nope.json'),
      '--key',
      key,
      '--data-dir',
      join(tmp, 'y'),
    ])
    expect(run.code).toBe(1)
    expect(oneLine(run)).toContain('nope.json')
  })

  it('a genesis hash mismatch names both hashes', async () => {
    const run = await node('--genesis-hash', '0'.repeat(64))
    expect(run.code).toBe(1)
    expect(oneLine(run)).toMatch(/the genesis hash is [0-9a-f]{64}, not the pinned 0{64}/)
  })

  it('a corrupt key file is refused, never replaced', async () => {
    const corrupt = join(tmp, 'corrupt.key')
    writeFileSync(corrupt, 'not a key')
    const run = await chorus([
      'node',
      '--role',
      'worker',
      '--genesis',
      genesis,
      '--key',
      corrupt,
      '--data-dir',
      join(tmp, 'z'),
    ])
    expect(run.code).toBe(1)
    expect(oneLine(run)).toContain('corrupt.key is corrupt')
    expect(readFileSync(corrupt, 'utf8')).toBe('not a key')
  })

  it('a port in use is one line', async () => {
    const run = await node('--listen', `/ip4/127.0.0.1/tcp/${busyPort}`)
    expect(run.code).toBe(1)
    expect(oneLine(run)).toContain('address in use')
  })

  it('an unreachable bootstrap is retried with a message, then a clear error', async () => {
    const peer = '12D3KooWGgPFetMaxKMzhidxDLgUB9PDGw1J1FW5R7Q24WZHCswr'
    const run = await node('--bootstrap', `/ip4/127.0.0.1/tcp/${closedPort}/p2p/${peer}`, '--json')
    expect(run.code).toBe(1)
    expect(run.stdout.match(/"type":"dial-failed"/g)?.length).toBeGreaterThanOrEqual(2)
    expect(oneLine(run)).toMatch(/cannot reach bootstrap peer .* after \d+ attempts/)
  }, 60_000)
})

describe('init, keys and tx on bad input', () => {
  it('init refuses to overwrite a network', async () => {
    const run = await chorus(['init', '--out', join(tmp, 'net')])
    expect(run.code).toBe(1)
    expect(oneLine(run)).toContain('exists already')
  })

  it('keys generate never overwrites a key', async () => {
    const run = await chorus(['keys', 'generate', '--key', key])
    expect(run.code).toBe(1)
    expect(oneLine(run)).toContain('never overwritten')
  })

  it('tx names a missing field, and an unreachable API', async () => {
    const missing = await chorus(['tx', 'transfer', '--key', key, '--api', 'http://127.0.0.1:9'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('transfer needs --to')
    const api = ['--key', key, '--api', 'http://127.0.0.1:9']
    const noHeight = await chorus(['tx', 'propose', '--param', 'emissionPerEpoch', '--value', '5', ...api])
    expect(noHeight.code).toBe(2)
    expect(noHeight.stderr).toContain('propose needs --height')
    const badChoice = await chorus(['tx', 'vote', '--proposal', '0', '--choice', 'maybe', ...api])
    expect(badChoice.code).toBe(2)
    expect(badChoice.stderr).toContain('--choice must be yes, no or abstain')
    const unreachable = await chorus([
      'tx',
      'stake',
      '--amount',
      '5',
      '--key',
      key,
      '--api',
      `http://127.0.0.1:${busyPort}`,
    ])
    expect(unreachable.code).toBe(1)
    expect(oneLine(unreachable)).toContain('the node API at')
  })
})
