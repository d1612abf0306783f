import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { IdentityError, loadOrCreateIdentity } from '../../src/p2p/index.js'
import { startNode } from '../utils/nodes.js'

describe('persistent identity', () => {
  const dirs: string[] = []
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'chorus-id-'))
    dirs.push(dir)
    return dir
  }
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

  it('a node restarted with the same key file comes back with the same peer id', async () => {
    const keyFile = join(await tempDir(), 'nested', 'node.key')
    const first = await startNode({ keyFile })
    const { peerId, participantId } = first
    await first.stop()
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    const second = await startNode({ keyFile })
    expect(second.peerId).toBe(peerId)
    expect(second.participantId).toBe(participantId)
    await second.stop()
    const other = await startNode({ keyFile: join(await tempDir(), 'other.key') })
    expect(other.peerId).not.toBe(peerId)
    await other.stop()
  })

  it('refuses a corrupt key file with a clear error and leaves it untouched', async () => {
    const keyFile = join(await tempDir(), 'node.key')
    await writeFile(keyFile, 'not a key')
    await expect(loadOrCreateIdentity(keyFile)).rejects.toThrow(IdentityError)
    await expect(loadOrCreateIdentity(keyFile)).rejects.toThrow(/key file .*node\.key is corrupt/)
    expect((await stat(keyFile)).size).toBe('not a key'.length)
  })
})
