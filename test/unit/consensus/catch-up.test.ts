/**
 * Catching up never waits on the network inside the consensus queue: with one member that
 * does not answer (its request pending, as until a sync timeout), the answers and commits of
 * the others are applied as they come. Fakes stand in for the network and the chain; the
 * multi-node paths run in the e2e tests (consensus, crash-recovery, consensus-fetch).
 */
import { describe, expect, it } from 'vitest'
import type { DeliveredMessage } from '../../../src/p2p/index.js'
import { CatchUp, type CatchUpHost } from '../../../src/consensus/catch-up.js'
import type { ChainState } from '../../../src/consensus/chain.js'
import type { ChainSync, CommitNotice, Pulled } from '../../../src/consensus/chain-sync.js'
import { Timers } from '../../../src/roles/epoch-clock.js'
import { waitFor } from '../../utils/wait.js'

const chain = { height: 7, committee: { ids: ['me', 'silent', 'a', 'b'] } } as unknown as ChainState
const message = (n: number) => ({ id: new Uint8Array([n]) }) as unknown as DeliveredMessage
const notice = (height: number): CommitNotice => ({ height, block: new Uint8Array([height]), certificate: [] })

/** A queue like the driver's: one task at a time, in order. */
function hostWith(log: string[]): CatchUpHost & { idle(): Promise<void> } {
  let queue: Promise<void> = Promise.resolve()
  return {
    self: 'me',
    chain: () => chain,
    stopped: () => false,
    deciding: () => true,
    enqueue: (task) => {
      queue = queue.then(task)
    },
    deliver: async (m) => {
      log.push(`delivered ${m.id[0]}`)
    },
    count: (name) => log.push(name),
    idle: () => queue,
  }
}

describe('CatchUp', () => {
  it('applies each member\'s pull answer as it comes, while one member never answers', async () => {
    const log: string[] = []
    const asked: string[] = []
    const sync = {
      pull: (member: string, height: number): Promise<Pulled | undefined> => {
        asked.push(`${member}@${height}`)
        if (member === 'silent') return new Promise(() => {})
        return Promise.resolve({ kind: 'messages', messages: [message(member === 'a' ? 1 : 2)] })
      },
    } as unknown as ChainSync
    const catchUp = new CatchUp(hostWith(log), sync, new Timers(), 1000)
    catchUp.pullNow()
    await waitFor(() => log.includes('delivered 1') && log.includes('delivered 2'), 'the answering members\' messages')
    expect(asked.sort()).toEqual(['a@8', 'b@8', 'silent@8'])
    // A pull is under way (the silent member's): another check does not start a second one.
    catchUp.pullNow()
    expect(log.filter((l) => l === 'stall-pull')).toHaveLength(1)
  })

  it('adopts from a member whose notice can be completed while the gap from another is still being fetched', async () => {
    const log: string[] = []
    const host = hostWith(log)
    const sync = {
      worthAdopting: (n: CommitNotice, c: ChainState) => n.height > c.height,
      gap: (n: CommitNotice, signer: string): Promise<CommitNotice[] | undefined> =>
        signer === 'silent' ? new Promise(() => {}) : Promise.resolve([notice(8), n]),
      adoptAll: async (notices: readonly CommitNotice[]) => {
        log.push(`adopted ${notices.map((n) => n.height).join(',')}`)
      },
    } as unknown as ChainSync
    const catchUp = new CatchUp(host, sync, new Timers(), 1000)
    catchUp.onCommitNotice(notice(9), 'silent')
    catchUp.onCommitNotice(notice(9), 'a')
    catchUp.onCommitNotice(notice(7), 'b') // not after this node's height: ignored
    await waitFor(() => log.includes('adopted 8,9'), 'the adoption from a')
    await host.idle()
    expect(log).toEqual(['adopted 8,9'])
  })
})
