/**
 * The garbage coordinator: each vote its driver casts goes out for a hash that is no block,
 * validly signed, once per step (so there is no equivocation to prove); proposals pass as cast.
 */
import { describe, expect, it } from 'vitest'
import { byzantineNetwork, noBlockHash } from '../../../src/adversary/index.js'
import { generateIdentity } from '../../../src/p2p/index.js'
import { signingBytes, verifyPortable, type Envelope, type UnsignedEnvelope } from '../../../src/wire/index.js'
import { MemoryNetwork } from '../../utils/memory-network.js'

const CHAIN = 'garbage-unit'

function vote(blockHash: Uint8Array | null, step: 'prevote' | 'precommit' = 'prevote'): UnsignedEnvelope<'vote'> {
  return {
    type: 'vote',
    chainId: CHAIN,
    topicId: '',
    epoch: 7,
    nonce: new Uint8Array(0),
    payload: { height: 7, round: 1, step, blockHash },
  }
}

describe('a garbage coordinator', () => {
  it('sends each vote, block or nil, for a seeded hash that is no block instead', async () => {
    const hub = new MemoryNetwork(CHAIN)
    const honest = hub.endpoint(await generateIdentity())
    const raw: Uint8Array[] = []
    const network = byzantineNetwork('garbage', honest, async (_channel, bytes) => raw.push(bytes))
    const block = new Uint8Array(32).fill(9)
    await network.publish(honest.sign(vote(block)))
    await network.publish(honest.sign(vote(null, 'precommit')))
    expect(raw).toEqual([])
    const sent = hub.published.map((p) => p.envelope as Envelope<'vote'>)
    expect(sent).toHaveLength(2)
    const expected = [
      noBlockHash(honest.participantId, { height: 7, round: 1, step: 'prevote' }),
      noBlockHash(honest.participantId, { height: 7, round: 1, step: 'precommit' }),
    ]
    expect(sent.map((e) => e.payload.blockHash)).toEqual(expected)
    expect(expected[0]).not.toEqual(block)
    expect(expected[0]).not.toEqual(expected[1])
    for (const e of sent) expect(verifyPortable(e.signature, signingBytes(e), e.signer)).toBe(true)
  })

  it('draws the hash from the voter and the step: the same again, another voter another', async () => {
    const step = { height: 3, round: 0, step: 'prevote' } as const
    expect(noBlockHash('aa'.repeat(32), step)).toEqual(noBlockHash('aa'.repeat(32), step))
    expect(noBlockHash('aa'.repeat(32), step)).not.toEqual(noBlockHash('bb'.repeat(32), step))
    expect(noBlockHash('aa'.repeat(32), step)).toHaveLength(32)
  })

  it('passes its proposals and everything else as its driver cast them', async () => {
    const hub = new MemoryNetwork(CHAIN)
    const honest = hub.endpoint(await generateIdentity())
    const network = byzantineNetwork('garbage', honest, async () => {})
    const proposal = honest.sign({
      type: 'proposal',
      chainId: CHAIN,
      topicId: '',
      epoch: 2,
      nonce: new Uint8Array(0),
      payload: { height: 2, round: 0, polRound: -1, blockHash: new Uint8Array(32), block: new Uint8Array([1]) },
    })
    await network.publish(proposal)
    expect(hub.published.map((p) => p.envelope)).toEqual([proposal])
  })
})
