/**
 * Catching up never waits on the network inside the consensus queue, and stays bounded: one
 * catch-up at a time towards the highest commit notice, the gap fetched in chunks, other
 * announcers asked when the first cannot serve it. Fakes stand in for the network and the
 * chain; the multi-node paths run in the e2e tests (catch-up, consensus, crash-recovery).
 */
import { describe, expect, it } from 'vitest'
import type { Block } from '../../../../src/consensus/chain/block.js'
import type { ConsensusNetwork } from '../../../../src/consensus/network.js'
import { CatchUp, type CatchUpHost } from '../../../../src/consensus/sync/catch-up.js'
import type { ChainState } from '../../../../src/consensus/chain/execution.js'
import {
  BLOCKS_PER_CATCH_UP_REQUEST,
  ChainSync,
  type CommitNotice,
  type Pulled,
} from '../../../../src/consensus/sync/chain-sync.js'
import { MessagePool } from '../../../../src/consensus/pool/message-pool.js'
import { encodeEnvelope, messageId, signEnvelope, toHex } from '../../../../src/wire/index.js'
import { generateIdentity, type DeliveredMessage } from '../../../../src/p2p/index.js'
import { Timers } from '../../../../src/util/timers.js'
import { waitFor } from '../../../utils/wait.js'

const message = (n: number) => ({ id: new Uint8Array([n]) }) as unknown as DeliveredMessage
const notice = (height: number): CommitNotice => ({ height, block: new Uint8Array([height]), certificate: [] })

/** A host with a queue like the driver's (one task at a time, in order) over a chain at `height`. */
function hostAt(height: { value: number }, log: string[]): CatchUpHost {
  let queue: Promise<void> = Promise.resolve()
  return {
    self: 'me',
    chain: () => ({ height: height.value, committee: { ids: ['me', 'silent', 'a', 'b'] } }) as unknown as ChainState,
    stopped: () => false,
    deciding: () => true,
    enqueue: (task) => {
      queue = queue.then(task)
    },
    deliver: async (m) => {
      log.push(`delivered ${m.id[0]}`)
    },
    count: (name) => log.push(name),
  }
}

/** A ChainSync whose adoptions move the fake chain (no certificates or re-execution). */
function adoptingSync(
  height: { value: number },
  log: string[],
  gap: (n: CommitNotice, signer: string, from: number) => Promise<CommitNotice[]>,
): ChainSync {
  return {
    worthAdopting: (n: CommitNotice, c: ChainState) => n.height > c.height,
    gap: (n: CommitNotice, signer: string, c: ChainState) => gap(n, signer, c.height),
    adoptAll: async (notices: readonly CommitNotice[]) => {
      for (const n of notices) if (n.height === height.value + 1) height.value = n.height
      if (notices.length > 0) log.push(`adopted to ${height.value}`)
    },
  } as unknown as ChainSync
}

describe('CatchUp', () => {
  it("applies each member's pull answer as it comes, while one member never answers", async () => {
    const log: string[] = []
    const asked: string[] = []
    const sync = {
      pull: (member: string, height: number): Promise<Pulled | undefined> => {
        asked.push(`${member}@${height}`)
        if (member === 'silent') return new Promise(() => {})
        return Promise.resolve({ kind: 'messages', messages: [message(member === 'a' ? 1 : 2)] })
      },
    } as unknown as ChainSync
    const catchUp = new CatchUp(hostAt({ value: 7 }, log), sync, new Timers(), 1000)
    catchUp.pullNow()
    await waitFor(() => log.includes('delivered 1') && log.includes('delivered 2'), "the answering members' messages")
    expect(asked.sort()).toEqual(['a@8', 'b@8', 'silent@8'])
    // A pull is under way (the silent member's): another check does not start a second one.
    catchUp.pullNow()
    expect(log.filter((l) => l === 'stall-pull')).toHaveLength(1)
  })

  it("pulls from a member again while it answers with commits, then takes the height's messages", async () => {
    const height = { value: 5 }
    const log: string[] = []
    const asked: string[] = []
    let releaseB: () => void = () => {}
    const sync = {
      pull: (member: string, h: number): Promise<Pulled | undefined> => {
        asked.push(`${member}@${h}`)
        if (member === 'silent') return new Promise(() => {})
        // b's first answer comes late: asked again meanwhile, it is asked once more after it.
        if (member === 'b')
          return asked.filter((a) => a.startsWith('b@')).length === 1
            ? new Promise((r) => (releaseB = () => r(undefined)))
            : Promise.resolve(undefined)
        const answer: Pulled =
          h <= 8 ? { kind: 'commits', notices: [notice(h)] } : { kind: 'messages', messages: [message(9)] }
        return Promise.resolve(answer)
      },
      adoptAll: async (notices: readonly CommitNotice[]) => {
        for (const n of notices) if (n.height === height.value + 1) height.value = n.height
      },
    } as unknown as ChainSync
    const catchUp = new CatchUp(hostAt(height, log), sync, new Timers(), 1000)
    catchUp.pullFromAll()
    await waitFor(() => log.includes('delivered 9'), "the height's messages from a")
    expect(height.value).toBe(8)
    expect(asked.filter((a) => a.startsWith('a@'))).toEqual(['a@6', 'a@7', 'a@8', 'a@9'])
    catchUp.pullFromIfDeciding('b')
    expect(asked.filter((a) => a.startsWith('b@'))).toEqual(['b@6'])
    releaseB()
    await waitFor(() => asked.filter((a) => a.startsWith('b@')).length === 2, 'b asked once more')
    expect(asked.filter((a) => a.startsWith('b@'))).toEqual(['b@6', 'b@9'])
  })

  it('runs one catch-up at a time towards the highest notice, however many notices arrive', async () => {
    const height = { value: 10 }
    const log: string[] = []
    const fetches: string[] = []
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const sync = adoptingSync(height, log, async (n, signer, from) => {
      fetches.push(`${signer}:${from}->${n.height}`)
      if (fetches.length === 1) await held // the first fetch is slow: the notices pile up meanwhile
      return Array.from({ length: n.height - from }, (_, i) => notice(from + 1 + i))
    })
    const catchUp = new CatchUp(hostAt(height, log), sync, new Timers(), 1000)
    // A Byzantine member replays the genuine notices of every height this node lacks.
    for (let h = 12; h <= 74; h++) catchUp.onCommitNotice(notice(h), 'byz')
    catchUp.onCommitNotice(notice(74), 'a')
    catchUp.onCommitNotice(notice(9), 'b') // not after this node's height: ignored
    expect(fetches).toEqual(['byz:10->12'])
    release()
    await waitFor(() => height.value === 74, 'the node at the highest notice')
    // The first round fetched to 12; the second went straight to the highest notice seen.
    expect(fetches).toEqual(['byz:10->12', 'byz:12->74'])
    expect(log).toEqual(['adopted to 12', 'adopted to 74'])
  })

  it('asks the next announcer when the first serves nothing, and the one that served first for the next targets', async () => {
    const height = { value: 20 }
    const log: string[] = []
    const fetches: string[] = []
    const sync = adoptingSync(height, log, async (n, signer, from) => {
      fetches.push(signer)
      return signer === 'silent' ? [] : Array.from({ length: n.height - from }, (_, i) => notice(from + 1 + i))
    })
    const catchUp = new CatchUp(hostAt(height, log), sync, new Timers(), 1000)
    catchUp.onCommitNotice(notice(25), 'silent')
    catchUp.onCommitNotice(notice(25), 'a')
    await waitFor(() => height.value === 25, 'the node at height 25')
    // The silent member announces the next height first: the member that served comes first.
    catchUp.onCommitNotice(notice(30), 'silent')
    await waitFor(() => height.value === 30, 'the node at height 30')
    expect(fetches).toEqual(['silent', 'a', 'a'])
  })
})

describe('ChainSync.gap', () => {
  const fakeNode = (
    requests: { from: number; count: number }[],
    answer: (q: { from: number; count: number }) => (Uint8Array | null)[],
  ) =>
    ({
      participantId: 'me',
      request: async (_peer: string, _kind: string, query: { from: number; count: number }) => {
        requests.push(query)
        return answer(query)
      },
    }) as unknown as ConsensusNetwork

  async function gapWith(
    answer: (q: { from: number; count: number }) => (Uint8Array | null)[],
    target: number,
    height: number,
  ) {
    const announcer = toHex((await generateIdentity()).publicKey)
    const requests: { from: number; count: number }[] = []
    const sync = new ChainSync(
      fakeNode(requests, answer),
      undefined as never,
      undefined as never,
      new MessagePool(),
      async () => {},
    )
    // Every block's messages are in the pool (no certificates to read in this fake).
    ;(sync as unknown as { prefetch: () => Promise<boolean> }).prefetch = async () => true
    const got = await sync.gap(notice(target), announcer, { height } as unknown as ChainState)
    return { requests, heights: got.map((n) => n.height) }
  }

  const certificate = Uint8Array.of(0x80) // canonical CBOR of an empty list
  const blocks = (q: { from: number; count: number }, upTo = Infinity) =>
    Array.from({ length: 2 * Math.max(0, Math.min(q.count, upTo - q.from + 1)) }, (_, i) =>
      i % 2 === 0 ? new Uint8Array([1]) : certificate,
    )

  it(`fetches one request of at most ${BLOCKS_PER_CATCH_UP_REQUEST} blocks a round (the caller adopts them and asks again)`, async () => {
    const { requests, heights } = await gapWith((q) => blocks(q), 100, 10)
    expect(requests).toEqual([{ from: 11, count: BLOCKS_PER_CATCH_UP_REQUEST }])
    expect(heights).toEqual(Array.from({ length: BLOCKS_PER_CATCH_UP_REQUEST }, (_, i) => 11 + i))
    // Nothing in between: the notice itself.
    expect((await gapWith((q) => blocks(q), 11, 10)).heights).toEqual([11])
  })

  it('keeps what it read before a block the member lacks or a certificate that does not decode', async () => {
    expect((await gapWith((q) => blocks(q, 13), 100, 10)).heights).toEqual([11, 12, 13])
    const garbage = (q: { from: number; count: number }) => blocks(q).map((b, i) => (i === 5 ? Uint8Array.of(0xff) : b))
    expect((await gapWith(garbage, 100, 10)).heights).toEqual([11, 12])
  })
})

describe('ChainSync.fetchMissing', () => {
  it('does not ask a peer once per message when it hands them over one small message at a time', async () => {
    const id = await generateIdentity()
    const envelopes = Array.from({ length: 40 }, (_, i) =>
      encodeEnvelope(
        signEnvelope(
          {
            type: 'inference',
            chainId: 'c',
            topicId: 't',
            epoch: i + 1,
            nonce: new Uint8Array(0),
            payload: { value: i },
          },
          id.secretKey,
          id.publicKey,
        ),
      ),
    )
    const ids = envelopes.map((b) => toHex(messageId(b)))
    const byId = new Map(ids.map((x, i) => [x, envelopes[i]]))
    let requests = 0
    const trickler = {
      participantId: 'me',
      answerBudget: 2 * 1024 * 1024,
      // One message an answer, whatever is asked: far below the answer budget.
      request: async (_peer: string, _kind: string, asked: string[]) => {
        requests++
        return asked.map((x, i) => (i === 0 ? (byId.get(x) ?? null) : null))
      },
    } as unknown as ConsensusNetwork
    const pool = new MessagePool()
    const sync = new ChainSync(trickler, undefined as never, { chainId: 'c' } as never, pool, async () => {})
    const proposer = toHex((await generateIdentity()).publicKey)
    const block = {
      proposer,
      topicEpochs: [
        {
          inferenceIds: ids,
          forecastIds: [],
          commitIds: [],
          standbyInferers: new Uint8Array(0),
          standbyForecasters: new Uint8Array(0),
          settlements: [],
        },
      ],
    } as unknown as Block
    expect(await sync.fetchMissing(block, pool, proposer, [])).toBe(false)
    expect(requests).toBe(1)
  })
})
