/**
 * A topic created by transaction runs: `chorus tx create-topic --definition FILE` against a
 * running cluster, then a worker and a reputer that join it with `chorus node --topic`; the
 * topic commits epochs with the joined worker's inferences, and settles them with the joined
 * reputer's losses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { chorus, startChorus, startSmallCluster, type Running } from '../utils/cli.js'

const tmp = mkdtempSync(join(tmpdir(), 'chorus-create-topic-'))
const running: Running[] = []
afterAll(async () => {
  for (const r of running) r.child.kill('SIGKILL')
  await Promise.all(running.map((r) => r.done))
  rmSync(tmp, { recursive: true, force: true })
})

const parse = (line: string): Record<string, unknown> => JSON.parse(line) as Record<string, unknown>

describe('a topic created by transaction', () => {
  it('commits epochs with a joined worker and is settled by a joined reputer', async () => {
    const { cluster, ready } = await startSmallCluster()
    running.push(cluster)
    const definition = join(tmp, 'beta.json')
    writeFileSync(definition, JSON.stringify({ id: 'beta', name: 'beta', epochMs: 400, groundTruth: 'synthetic:9' }))
    const bad = join(tmp, 'bad.json')
    writeFileSync(bad, JSON.stringify({ id: 'gamma', name: 'gamma', epochMs: 400, lossFunction: 'cubic' }))
    const refused = await chorus([
      'tx',
      'create-topic',
      '--definition',
      bad,
      '--key',
      ready.faucetKey,
      '--api',
      ready.api,
    ])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('lossFunction')

    const created = await chorus([
      'tx',
      'create-topic',
      '--definition',
      definition,
      '--key',
      ready.faucetKey,
      '--api',
      ready.api,
      '--json',
    ])
    expect(created.code, created.stderr).toBe(0)
    const joiners: Running[] = []
    for (const [role, stake] of [
      ['worker', '10tok'],
      ['reputer', '100tok'],
    ] as const) {
      const key = join(tmp, `${role}.key`)
      await chorus(['keys', 'generate', '--key', key])
      const funded = await chorus([
        'tx',
        'transfer',
        '--key',
        ready.faucetKey,
        '--to',
        key,
        '--amount',
        '200tok',
        '--api',
        ready.api,
      ])
      expect(funded.code, funded.stderr).toBe(0)
      const node = startChorus([
        'node',
        '--role',
        role,
        '--topic',
        'beta',
        '--genesis',
        ready.genesis,
        '--bootstrap',
        ready.bootstrap[0],
        '--key',
        key,
        '--data-dir',
        join(tmp, role),
        '--stake',
        stake,
        '--json',
      ])
      running.push(node)
      joiners.push(node)
    }
    const [worker, reputer] = joiners
    await worker.line(
      (l) => l.includes('"type":"epoch"') && parse(l).topic === 'beta' && parse(l).inference !== null,
      90_000,
    )
    // Settled with the joined reputer's losses: it is paid for them.
    await reputer.line(
      (l) => l.includes('"type":"epoch"') && parse(l).topic === 'beta' && parse(l).reward !== null,
      90_000,
    )
    const topics = (await (await fetch(`${ready.api}/v1/topics`)).json()) as {
      topics: { id: string; runs: boolean; workers: number; reputers: number }[]
    }
    expect(topics.topics.find((t) => t.id === 'beta')).toMatchObject({ runs: true, workers: 1, reputers: 1 })
    for (const r of [...joiners, cluster]) r.child.kill('SIGINT')
    for (const r of [...joiners, cluster]) expect((await r.done).code).toBe(0)
  }, 240_000)
})
