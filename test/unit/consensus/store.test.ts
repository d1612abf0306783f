import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ChainStore, StoreError, type CommitWrite } from '../../../src/consensus/store.js'

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b)
const block = (height: number, state: [string, Uint8Array][] = []): CommitWrite => ({
  height,
  hash: new Uint8Array(32).fill(height),
  bytes: bytes(height, 1, 2),
  certificate: bytes(9, height),
  state: new Map(state),
})

describe('ChainStore', () => {
  const dirs: string[] = []
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

  it('keeps blocks, certificates and state across a reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chorus-store-'))
    dirs.push(dir)
    const store = ChainStore.open(dir)
    store.commit(block(1, [['ledger', bytes(1)]]))
    store.commit(
      block(2, [
        ['ledger', bytes(2)],
        ['topic/a', bytes(7)],
      ]),
    )
    store.recordOwnVote(3, 0, 'prevote', bytes(5, 5))
    store.close()
    const again = ChainStore.open(dir)
    expect(again.latestHeight()).toBe(2)
    expect(again.block(2)?.certificate).toEqual(bytes(9, 2))
    expect(again.stateValue('ledger')).toEqual(bytes(2))
    expect(again.stateValue('topic/a')).toEqual(bytes(7))
    expect(again.ownVote(3, 0, 'prevote')).toEqual(bytes(5, 5))
    again.close()
  })

  it('refuses a gap or a second block at a height and writes nothing of it', () => {
    const store = ChainStore.open(':memory:')
    store.commit(block(1, [['ledger', bytes(1)]]))
    expect(() => store.commit(block(3, [['ledger', bytes(3)]]))).toThrow(StoreError)
    expect(() => store.commit(block(1, [['ledger', bytes(4)]]))).toThrow(StoreError)
    expect(store.latestHeight()).toBe(1)
    expect(store.stateValue('ledger')).toEqual(bytes(1))
    store.close()
  })

  it('queues evidence until it is included', () => {
    const store = ChainStore.open(':memory:')
    store.addEvidence(bytes(1), bytes(10))
    store.addEvidence(bytes(2), bytes(20))
    store.addEvidence(bytes(1), bytes(10))
    expect(store.pendingEvidence().map((e) => e.bytes)).toEqual([bytes(10), bytes(20)])
    store.markEvidenceIncluded(bytes(1), 5)
    expect(store.pendingEvidence().map((e) => e.bytes)).toEqual([bytes(20)])
    store.close()
  })

  it('keeps a throwaway store beyond its page cache (in a temporary file), every block readable', () => {
    const store = ChainStore.open(':memory:')
    const payload = new Uint8Array(256 * 1024)
    const rss = process.memoryUsage().rss
    for (let h = 1; h <= 400; h++) {
      payload.fill(h % 256, 0, 16) // bound at each commit: every block differs
      const hash = new Uint8Array(32)
      hash.set([h >> 8, h & 255])
      store.commit({ ...block(h), hash, bytes: payload, messages: new Map([[`m${h}`, payload.subarray(0, 1000)]]) })
    }
    // 100 MB written; an in-memory database would hold all of it, this one its 2 MiB cache.
    expect(process.memoryUsage().rss - rss).toBeLessThan(40 * 1024 * 1024)
    expect(store.latestHeight()).toBe(400)
    const b = store.block(137)?.bytes ?? new Uint8Array(0)
    expect(b.length).toBe(payload.length)
    expect([...b.subarray(0, 17)]).toEqual([...new Array(16).fill(137), 0])
    expect(store.message('m5')?.subarray(0, 16)).toEqual(new Uint8Array(16).fill(5))
    store.close()
  })
})
