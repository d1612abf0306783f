/**
 * verifyCommittedInference: accepts an answer whose block, certificate and claim agree, and
 * turns down every change a dishonest node could make to one.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyCommittedInference, type CommittedInference } from '../../../src/api/verify.js'
import { blockHash, encodeBlock, type Block } from '../../../src/consensus/chain/block.js'
import { generateIdentity, type NodeIdentity } from '../../../src/p2p/index.js'
import { toHex } from '../../../src/wire/index.js'
import { CHAIN, precommit, topicEpoch } from './helpers.js'

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

describe('verifyCommittedInference', () => {
  let members: NodeIdentity[]
  let genesis: { chainId: string; committee: { id: string; power: number }[] }
  let answer: CommittedInference
  let votes: Uint8Array[]
  let bytes: Uint8Array
  const withVotes = (certificate: Uint8Array[]): CommittedInference => ({
    ...answer,
    proof: { ...answer.proof, certificate: certificate.map(b64) },
  })
  const reason = (response: unknown, g = genesis): string => {
    const v = verifyCommittedInference(response, g)
    expect(v.ok).toBe(false)
    return v.ok ? '' : v.reason
  }

  beforeAll(async () => {
    members = await Promise.all([0, 1, 2, 3].map(() => generateIdentity()))
    genesis = { chainId: CHAIN, committee: members.map((m) => ({ id: toHex(m.publicKey), power: 1 })) }
    const block: Block = {
      chainId: CHAIN,
      height: 7,
      prevHash: '11'.repeat(32),
      timeMs: 1000,
      proposer: toHex(members[0].publicKey),
      topicEpochs: [topicEpoch('t', 3, 41.5), topicEpoch('t', 4, 42.25), topicEpoch('u', 4, 7)],
      txs: [],
      evidence: [],
      lastCommit: [],
      ledgerHash: '22'.repeat(32),
      handoff: [],
      prevHandoff: 0,
    }
    bytes = encodeBlock(block)
    const hash = blockHash(bytes)
    votes = members.slice(0, 3).map((m) => precommit(m, 7, hash))
    answer = {
      topicId: 't',
      epoch: 4,
      value: 42.25,
      naiveInference: 21.125,
      height: 7,
      blockHash: toHex(hash),
      blockTimeMs: 1000,
      proof: { block: b64(bytes), certificate: votes.map(b64) },
    }
  })

  it('accepts an answer the committee certified', () => {
    expect(verifyCommittedInference(answer, genesis)).toEqual({
      ok: true,
      topicId: 't',
      value: 42.25,
      epoch: 4,
      height: 7,
      blockHash: answer.blockHash,
    })
    // A JSON round trip (what a consumer holds) changes nothing.
    expect(verifyCommittedInference(JSON.parse(JSON.stringify(answer)), genesis).ok).toBe(true)
  })

  it('rejects a changed value', () => {
    expect(reason({ ...answer, value: 42.250000001 })).toMatch(/network inference is 42.25/)
    expect(reason({ ...answer, value: 41.5 })).toMatch(/network inference/)
  })

  it('rejects a changed epoch, topic or height', () => {
    // Epoch 3 is in the block too, with another value.
    expect(reason({ ...answer, epoch: 3 })).toMatch(/network inference is 41.5/)
    expect(reason({ ...answer, epoch: 5 })).toMatch(/does not commit epoch 5/)
    expect(reason({ ...answer, topicId: 'u' })).toMatch(/network inference is 7/)
    expect(reason({ ...answer, height: 8 })).toMatch(/height/)
  })

  it('rejects a forged signature, a missing one and a vote for another block', async () => {
    const forged = new Uint8Array(votes[1])
    forged[forged.length - 1] ^= 1
    expect(reason(withVotes([votes[0], forged, votes[2]]))).toMatch(/signature/)
    expect(reason(withVotes(votes.slice(0, 2)))).toMatch(/quorum/)
    expect(reason(withVotes([]))).toMatch(/certificate/)
    const other = blockHash(Uint8Array.of(1))
    expect(reason(withVotes([votes[0], votes[1], precommit(members[2], 7, other)]))).toMatch(/quorum/)
    expect(reason(withVotes([votes[0], votes[1], votes[1]]))).toMatch(/two votes/)
  })

  it('rejects a certificate of another committee, and any certificate under another genesis', async () => {
    const others = await Promise.all([0, 1, 2, 3].map(() => generateIdentity()))
    const hash = blockHash(bytes)
    const foreign = others.slice(0, 3).map((m) => precommit(m, 7, hash))
    expect(reason(withVotes(foreign))).toMatch(/non-member/)
    const otherGenesis = { chainId: CHAIN, committee: others.map((m) => ({ id: toHex(m.publicKey), power: 1 })) }
    expect(reason(answer, otherGenesis)).toMatch(/non-member/)
    // Same committee, another chain: the votes and the block name this one.
    expect(reason(answer, { ...genesis, chainId: 'elsewhere' })).toMatch(/chain/)
    // Powers matter: a member holding most of the power did not sign.
    const heavy = { chainId: CHAIN, committee: genesis.committee.map((m, i) => ({ ...m, power: i === 3 ? 10 : 1 })) }
    expect(reason(answer, heavy)).toMatch(/quorum/)
  })

  it('rejects a block that is not the claimed one, and malformed answers', () => {
    expect(reason({ ...answer, blockHash: '0'.repeat(64) })).toMatch(/hashes to/)
    const changed = new Uint8Array(bytes)
    changed[changed.length - 1] ^= 1
    expect(reason({ ...answer, proof: { ...answer.proof, block: b64(changed) } })).not.toBe('')
    expect(reason(null)).toMatch(/not an object/)
    expect(reason({ ...answer, proof: undefined })).toMatch(/proof/)
    expect(reason({ ...answer, proof: { ...answer.proof, block: '@@' } })).toMatch(/base64/)
    expect(reason({ ...answer, value: '42.25' })).toMatch(/value/)
    expect(reason({ ...answer, epoch: -1 })).toMatch(/epoch/)
  })
})
