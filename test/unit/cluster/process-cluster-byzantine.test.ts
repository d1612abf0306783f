/** A process cluster checks its Byzantine nodes against the network before it starts a process. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ByzantineFault } from '../../../src/adversary/index.js'
import { ProcessCluster, ProcessClusterError } from '../../../src/cluster/process-cluster.js'
import { parseTopicConfig } from '../../../src/topic/config.js'

const tmp = mkdtempSync(join(tmpdir(), 'chorus-pc-byz-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const topic = parseTopicConfig({ id: 't1', name: 't1', epochMs: 500, groundTruth: 'synthetic:1' }, 'test')

function start(dir: string, byzantine: Record<string, ByzantineFault>): Promise<ProcessCluster> {
  return ProcessCluster.start({
    topics: [topic],
    coordinators: 1,
    workers: 2,
    reputers: 1,
    dir: join(tmp, dir),
    // A command that would fail at once: the check must come before any process.
    cli: ['/nonexistent/chorus'],
    baseDir: tmp,
    byzantine: new Map(Object.entries(byzantine)),
  })
}

describe('ProcessCluster byzantine', () => {
  it('refuses a node the network does not have, naming the ones it has', async () => {
    await expect(start('a', { 'worker-3': 'flood' })).rejects.toThrow(
      new ProcessClusterError(
        'byzantine: no node "worker-3" in this network (nodes: coordinator-1, worker-1, worker-2, reputer-1)',
      ),
    )
  })

  it('refuses a fault of another role', async () => {
    await expect(start('b', { 'reputer-1': 'withhold' })).rejects.toThrow(
      'byzantine: reputer-1: "withhold" is not a fault of a reputer (a reputer can be: liar)',
    )
  })
})
