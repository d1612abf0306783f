import { describe, expect, it } from 'vitest'
import { Committee } from '../../../../src/consensus/bft/index.js'
import type { ChainState } from '../../../../src/consensus/chain/execution.js'
import { withLatePrecommit } from '../../../../src/consensus/driver/late-precommits.js'
import { generateIdentity, type NodeIdentity } from '../../../../src/p2p/index.js'
import { encodeEnvelope, signEnvelope, toHex, type Envelope } from '../../../../src/wire/index.js'

const HASH = 'ab'.repeat(32)
const ids = await Promise.all([0, 1, 2, 3].map(() => generateIdentity()))
const outsider = await generateIdentity()
const committee = new Committee(Object.fromEntries(ids.map((i) => [toHex(i.publicKey), 1])))

function precommit(
  who: NodeIdentity,
  o: { height?: number; round?: number; hash?: string | null } = {},
): { envelope: Envelope; bytes: Uint8Array } {
  const hash = o.hash === undefined ? HASH : o.hash
  const envelope = signEnvelope(
    {
      type: 'vote',
      chainId: 'c',
      topicId: '',
      epoch: o.height ?? 5,
      nonce: new Uint8Array(0),
      payload: {
        height: o.height ?? 5,
        round: o.round ?? 0,
        step: 'precommit',
        blockHash: hash === null ? null : Uint8Array.from(Buffer.from(hash, 'hex')),
      },
    },
    who.secretKey,
    who.publicKey,
  )
  return { envelope, bytes: encodeEnvelope(envelope) }
}

// The state just after committing height 5 with the first three members' precommits.
const chain = {
  height: 5,
  hash: HASH,
  committee,
  lastCommittee: committee,
  lastCommit: ids.slice(0, 3).map((i) => precommit(i).bytes),
} as unknown as ChainState

describe('late precommits', () => {
  it("join the certificate: the fourth member's precommit for the committed block and round", () => {
    const late = precommit(ids[3])
    const next = withLatePrecommit(chain, late.envelope, late.bytes)
    expect(next?.lastCommit).toEqual([...chain.lastCommit, late.bytes])
  })

  it('leave it alone otherwise: a member already in it, another round, height or block, nil, an outsider', () => {
    for (const v of [
      precommit(ids[0]),
      precommit(ids[3], { round: 1 }),
      precommit(ids[3], { height: 4 }),
      precommit(ids[3], { hash: 'cd'.repeat(32) }),
      precommit(ids[3], { hash: null }),
      precommit(outsider),
    ])
      expect(withLatePrecommit(chain, v.envelope, v.bytes)).toBeUndefined()
  })
})
