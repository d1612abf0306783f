/**
 * A coordinator in its own process, killed with SIGKILL mid-run and restarted from its store:
 * it replays its chain, fetches the blocks it missed from peers (checking certificates and
 * re-executing), rejoins the committee, and its chain equals the others'.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalCluster } from '../../src/cluster/local-cluster.js'
import { genesisToJson } from '../../src/consensus/ledger/index.js'
import { generateIdentity, saveIdentity } from '../../src/p2p/index.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { waitFor } from '../utils/wait.js'

const rawTopic = { id: 'crash', name: 'crash', epochMs: 400, groundTruth: 'synthetic:44' }

interface Child {
  readonly proc: ChildProcessWithoutNullStreams
  readonly commits: Map<number, string>
  ready: boolean
}

function startChild(configPath: string, commits: Map<number, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/coordinator-process.ts', configPath], {
    stdio: 'pipe',
  })
  const child: Child = { proc, commits, ready: false }
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const [kind, a, b] = line.split(' ')
    if (kind === 'ready') child.ready = true
    if (kind === 'commit') commits.set(Number(a), b)
  })
  proc.stderr.resume()
  return child
}

describe('kill -9 a coordinator', () => {
  let cluster: LocalCluster | undefined
  let child: Child | undefined
  let dir: string | undefined
  afterAll(async () => {
    child?.proc.kill('SIGKILL')
    await cluster?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('restarts from its store, catches up and keeps the same chain as the others', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-crash-'))
    const key = await generateIdentity()
    const keyFile = join(dir, 'child.key')
    await saveIdentity(keyFile, key)
    cluster = await LocalCluster.start({
      topics: [parseTopicConfig(rawTopic, 'crash')],
      coordinators: 3,
      workers: 3,
      reputers: 1,
      extraMembers: [{ role: 'coordinator', identity: key, start: false }],
      startDelayMs: 3000,
    })
    const hub = cluster.members[0]
    const configPath = join(dir, 'child.json')
    await writeFile(
      configPath,
      JSON.stringify({
        genesis: genesisToJson(cluster.genesis),
        topics: [rawTopic],
        keyFile,
        dataDir: join(dir, 'child-data'),
        bootstrap: [hub.node.node.multiaddrs()[0]],
      }),
    )

    const commits = new Map<number, string>()
    child = startChild(configPath, commits)
    await waitFor(() => commits.size >= 5, 'five commits in the child', 60_000)
    // Right after a commit the next height is under way: kill it there.
    const before = commits.size
    await waitFor(() => commits.size > before, 'one more commit')
    child.proc.kill('SIGKILL')
    await new Promise((r) => child!.proc.once('exit', r))
    const killedAt = Math.max(...commits.keys())

    // The other three go on.
    const hubDriver = driverOf(hub)
    await waitFor(() => hubDriver.chain.height >= killedAt + 4, 'four heights without the child', 30_000)

    child = startChild(configPath, commits)
    await waitFor(() => child!.ready, 'child restarted', 30_000)
    const target = hubDriver.chain.height + 2
    await waitFor(() => Math.max(...commits.keys()) >= target, `child at height ${target}`, 60_000)

    // The child's chain equals the committee's, height by height.
    const reference = cluster.commits.byNode.get(hub.node.participantId)!
    for (const [h, hash] of commits) if (reference.has(h)) expect(hash).toBe(reference.get(h))
    expect([...commits.keys()].filter((h) => h > killedAt).length).toBeGreaterThan(4)
    expect(cluster.commits.forks()).toEqual([])
  }, 150_000)
})
