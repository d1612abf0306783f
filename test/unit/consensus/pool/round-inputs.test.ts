import { describe, expect, it } from 'vitest'
import { Committee, proposer } from '../../../../src/consensus/bft/index.js'
import { RoundInputs } from '../../../../src/consensus/pool/round-inputs.js'
import { blockHash } from '../../../../src/consensus/chain/block.js'
import { encodeEnvelope, signEnvelope, toHex, type Envelope } from '../../../../src/wire/index.js'
import { generateIdentity, type NodeIdentity } from '../../../../src/p2p/index.js'

const members: NodeIdentity[] = await Promise.all([0, 1, 2, 3].map(() => generateIdentity()))
const committee = new Committee(Object.fromEntries(members.map((m) => [toHex(m.publicKey), 1])))
const byId = new Map(members.map((m) => [toHex(m.publicKey), m]))

function proposal(
  from: NodeIdentity,
  height: number,
  round: number,
  block: Uint8Array,
): { envelope: Envelope; bytes: Uint8Array } {
  const envelope = signEnvelope(
    {
      type: 'proposal',
      chainId: 'c',
      topicId: '',
      epoch: height,
      nonce: new Uint8Array(0),
      payload: { height, round, polRound: -1, blockHash: blockHash(block), block },
    },
    from.secretKey,
    from.publicKey,
  )
  return { envelope, bytes: encodeEnvelope(envelope) }
}

function vote(
  from: NodeIdentity,
  height: number,
  round: number,
  hash: Uint8Array,
): { envelope: Envelope; bytes: Uint8Array } {
  const envelope = signEnvelope(
    {
      type: 'vote',
      chainId: 'c',
      topicId: '',
      epoch: height,
      nonce: new Uint8Array(0),
      payload: { height, round, step: 'prevote', blockHash: hash },
    },
    from.secretKey,
    from.publicKey,
  )
  return { envelope, bytes: encodeEnvelope(envelope) }
}

describe('admitting consensus messages', () => {
  it('keeps a block only from the round proposer, once per round: a flood of junk proposals cannot crowd out the real one', () => {
    const inputs = new RoundInputs()
    const [h, r] = [5, 0]
    const rightful = byId.get(proposer(committee, h, r))!
    const other = members.find((m) => m !== rightful)!
    // Junk from a member that is not the proposer: refused, nothing stored.
    for (let i = 0; i < 100; i++) {
      const { envelope, bytes } = proposal(other, h, r, Uint8Array.of(i, 1, 2))
      expect(inputs.admit(envelope, bytes, toHex(other.publicKey), h, 4, () => committee)).toBe('proposal-not-proposer')
    }
    expect(inputs.candidates.size).toBe(0)
    const real = proposal(rightful, h, r, Uint8Array.of(9, 9, 9))
    const admitted = inputs.admit(real.envelope, real.bytes, toHex(rightful.publicKey), h, 4, () => committee)
    expect(admitted).toMatchObject({ height: h, event: { type: 'proposal' } })
    expect(inputs.candidates.has(toHex(blockHash(Uint8Array.of(9, 9, 9))))).toBe(true)
    // A second, different block from the same proposer in the same round is not kept.
    const second = proposal(rightful, h, r, Uint8Array.of(8, 8, 8))
    expect(inputs.admit(second.envelope, second.bytes, toHex(rightful.publicKey), h, 4, () => committee)).toBe(
      'proposal-duplicate',
    )
    expect(inputs.candidates.size).toBe(1)
  })

  it('keeps at most two vote envelopes per voter, round and step (enough for evidence)', () => {
    const inputs = new RoundInputs()
    const voter = members[0]
    for (let i = 0; i < 50; i++) {
      const { envelope, bytes } = vote(voter, 3, 0, new Uint8Array(32).fill(i))
      inputs.admit(envelope, bytes, toHex(voter.publicKey), 3, 4, () => committee)
    }
    expect(inputs.envelopesOf(3)).toHaveLength(2)
    // Another voter's vote still gets in.
    const { envelope, bytes } = vote(members[1], 3, 0, new Uint8Array(32).fill(7))
    inputs.admit(envelope, bytes, toHex(members[1].publicKey), 3, 4, () => committee)
    expect(inputs.envelopesOf(3)).toHaveLength(3)
  })
})
