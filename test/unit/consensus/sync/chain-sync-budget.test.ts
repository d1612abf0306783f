/**
 * Sync answers stay within one frame: a member serving blocks or referenced messages stops
 * at the answer budget (half the frame limit), and an asker fetching a block's messages asks
 * again for the rest while the member hands over something. At (1000, 100, 32) a loss bundle
 * is near 1 MiB, so the 32 of one epoch were 26 MB in one answer against a 4 MiB frame.
 */
import { describe, expect, it } from 'vitest'
import type { Block } from '../../../../src/consensus/chain/block.js'
import { ChainSync } from '../../../../src/consensus/sync/chain-sync.js'
import type { ConsensusNetwork } from '../../../../src/consensus/network.js'
import { MessagePool } from '../../../../src/consensus/pool/message-pool.js'
import type { ChainStore } from '../../../../src/consensus/store.js'
import { encodeEnvelope, messageId, signEnvelope, toHex, type UnsignedEnvelope } from '../../../../src/wire/index.js'
import { generateIdentity, type SyncProvider } from '../../../../src/p2p/index.js'

const BUDGET = 1000
const CHAIN = 'budget-chain'

function fakeNode(
  providers: Map<string, SyncProvider>,
  request?: (kind: string, query: unknown) => Promise<(Uint8Array | null)[]>,
): ConsensusNetwork {
  return {
    participantId: 'me',
    answerBudget: BUDGET,
    provide: (kind: string, p: SyncProvider) => providers.set(kind, p),
    request: (_peer: string, kind: string, query: unknown) =>
      (request ?? (() => Promise.reject(new Error('no network'))))(kind, query),
  } as unknown as ConsensusNetwork
}

describe('sync answers within one frame', () => {
  it('serves blocks up to the budget (at least one), the asker continues from the last', async () => {
    const providers = new Map<string, SyncProvider>()
    const store = {
      block: (h: number) => (h <= 10 ? { bytes: new Uint8Array(300), certificate: new Uint8Array(50) } : undefined),
    } as unknown as ChainStore
    new ChainSync(fakeNode(providers), store, { chainId: CHAIN } as never, new MessagePool(), async () => {}).start()
    const blocks = providers.get('blocks') as SyncProvider
    // 350 bytes a block: two fit in 1000, a third would not.
    expect(await blocks({ from: 1, count: 16 })).toHaveLength(2 * 2)
    expect(await blocks({ from: 10, count: 16 })).toHaveLength(2)
  })

  it('serves referenced messages up to the budget, null for the rest; the asker asks again for those', async () => {
    const id = await generateIdentity()
    // Vector inferences of 100 numbers: ~900 bytes each, so one per answer.
    const envelopes = Array.from({ length: 5 }, (_, i) => {
      const unsigned: UnsignedEnvelope = {
        type: 'inference',
        chainId: CHAIN,
        topicId: 't',
        epoch: i + 1,
        nonce: new Uint8Array(0),
        payload: { value: Array.from({ length: 100 }, (_, k) => i + k / 7) },
      }
      return encodeEnvelope(signEnvelope(unsigned, id.secretKey, id.publicKey))
    })
    const ids = envelopes.map((b) => toHex(messageId(b)))
    const size = envelopes[0].length
    // The serving side: a pool with every message.
    const servingProviders = new Map<string, SyncProvider>()
    const servingPool = new MessagePool()
    envelopes.forEach((b, i) => servingPool.addReferenced(ids[i], { type: 'inference' } as never, b))
    new ChainSync(
      fakeNode(servingProviders),
      { message: () => undefined } as unknown as ChainStore,
      { chainId: CHAIN } as never,
      servingPool,
      async () => {},
    ).start()
    const serve = servingProviders.get('chain-messages') as SyncProvider
    const perAnswer = Math.floor(BUDGET / size)
    const first = await serve(ids)
    expect(first.filter((b) => b !== null)).toHaveLength(Math.max(1, perAnswer))
    // The asking side gets them all, in several answers.
    const requests: number[] = []
    const pool = new MessagePool()
    const asker = new ChainSync(
      fakeNode(new Map(), async (_kind, query) => {
        requests.push((query as string[]).length)
        return serve(query)
      }),
      {} as ChainStore,
      { chainId: CHAIN } as never,
      pool,
      async () => {},
    )
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
    expect(await asker.fetchMissing(block, pool, proposer, [])).toBe(true)
    expect(requests.length).toBeGreaterThan(1)
    expect(ids.every((i) => pool.get(i) !== undefined)).toBe(true)
  })
})
