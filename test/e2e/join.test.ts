/**
 * Joining a running network as a stranger would, in two "terminals": a cluster running until
 * Ctrl-C; a new key funded from the local faucet; a `chorus node` worker with a subprocess
 * model that bootstraps from the ready line, registers by transaction, and has its inferences
 * in committed epochs and earns rewards; killed with SIGKILL and restarted on the same data
 * dir, it goes on without registering again, even with one of its bootstrap peers down.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { chorus, ROOT, startChorus, startSmallCluster, type Running } from '../utils/cli.js'

const tmp = mkdtempSync(join(tmpdir(), 'chorus-join-'))
const running: Running[] = []
afterAll(async () => {
  for (const r of running) r.child.kill('SIGKILL')
  await Promise.all(running.map((r) => r.done))
  rmSync(tmp, { recursive: true, force: true })
})

const parse = (line: string): Record<string, unknown> => JSON.parse(line) as Record<string, unknown>
const MODEL = `cmd:${process.execPath} ${join(ROOT, 'test/fixtures/last-value-model.mjs')}`

describe('a worker joins a running network', () => {
  it('registers by transaction, works, earns, and resumes after a kill without registering again', async () => {
    const { cluster, ready } = await startSmallCluster()
    running.push(cluster)
    expect(ready.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const key = join(tmp, 'joiner.key')
    expect((await chorus(['keys', 'generate', '--key', key])).code).toBe(0)
    const funded = await chorus([
      'tx',
      'transfer',
      '--key',
      ready.faucetKey,
      '--to',
      key,
      '--amount',
      '20tok',
      '--api',
      ready.api,
      '--json',
    ])
    expect(funded.code, funded.stderr).toBe(0)
    expect(parse(funded.stdout.trim())).toMatchObject({ status: 'committed' })

    const nodeArgs = [
      'node',
      '--role',
      'worker',
      '--genesis',
      ready.genesis,
      '--genesis-hash',
      ready.genesisHash,
      '--key',
      key,
      '--data-dir',
      join(tmp, 'joiner'),
      '--bootstrap',
      ready.bootstrap[0],
      '--model',
      MODEL,
      '--stake',
      '10tok',
      '--json',
    ]
    const first = startChorus(nodeArgs)
    running.push(first)
    const id = parse(await first.line((l) => l.includes('"type":"node"'))).participantId as string
    await first.line((l) => l.includes('"type":"registered"'), 60_000)
    // Its inference in a committed epoch, and a reward for it once settled.
    await first.line((l) => l.includes('"type":"epoch"') && parse(l).inference !== null, 60_000)
    await first.line(
      (l) => l.includes('"type":"epoch"') && parse(l).inference !== null && parse(l).reward !== null,
      60_000,
    )
    const account = await chorus(['status', '--api', ready.api, '--account', key, '--json'])
    const registrations = (parse(account.stdout.trim()).account as { registrations: unknown[] }).registrations
    expect(registrations).toEqual([expect.objectContaining({ topicId: 'synthetic', role: 'worker' })])
    // Governance from the command line: the staked joiner proposes and votes; status shows it.
    const api = ['--key', key, '--api', ready.api]
    const propose = ['tx', 'propose', '--param', 'unbondingEpochs', '--value', '5', '--height', '1000000', ...api]
    expect((await chorus(propose)).code).toBe(0)
    expect((await chorus(['tx', 'vote', '--proposal', '0', '--choice', 'yes', ...api])).code).toBe(0)
    const shown = parse((await chorus(['status', '--api', ready.api, '--json'])).stdout.trim())
    expect(shown.proposals).toEqual([
      expect.objectContaining({
        id: 0,
        param: 'unbondingEpochs',
        value: '5',
        status: 'voting',
        votes: { [id]: 'yes' },
      }),
    ])
    // It stands for the committee: a candidate, eligible with its stake, not elected against the
    // coordinators' larger stakes.
    expect((await chorus(['tx', 'candidacy', '--stand', ...api])).code).toBe(0)
    const election = parse((await chorus(['status', '--api', ready.api, '--json'])).stdout.trim()).election as {
      members: { id: string }[]
      candidates: { id: string; eligible: boolean }[]
    }
    expect(election.candidates).toContainEqual(expect.objectContaining({ id, eligible: true }))
    expect(election.members.map((m) => m.id)).not.toContain(id)

    first.child.kill('SIGKILL')
    await first.done
    // Listed first, a bootstrap peer that is down (a coordinator restarting) holds nothing up.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const closedPort = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const down = `/ip4/127.0.0.1/tcp/${closedPort}/p2p/12D3KooWGgPFetMaxKMzhidxDLgUB9PDGw1J1FW5R7Q24WZHCswr`
    const logFile = join(tmp, 'joiner.log')
    const second = startChorus([
      nodeArgs[0],
      '--bootstrap',
      down,
      ...nodeArgs.slice(1),
      '--log-level',
      'info',
      '--log-file',
      logFile,
    ])
    running.push(second)
    expect(parse(await second.line((l) => l.includes('"type":"node"'))).participantId).toBe(id)
    await second.line((l) => l.includes('"type":"epoch"') && parse(l).inference !== null, 60_000)
    second.child.kill('SIGINT')
    const after = await second.done
    expect(after.code).toBe(0)
    expect(after.stdout).not.toContain('"type":"registering"')
    // Its structured log: a line per event, under its role and participant id.
    const logged = readFileSync(logFile, 'utf8').trim().split('\n').map(parse)
    expect(logged[0]).toMatchObject({ event: 'node-started', role: 'worker', participant: id.slice(0, 16) })
    expect(logged.some((l) => l.event === 'block-committed')).toBe(true)
    expect(logged.at(-1)).toMatchObject({ event: 'node-stopping' })

    cluster.child.kill('SIGINT')
    expect((await cluster.done).code).toBe(0)
  }, 240_000)
})
