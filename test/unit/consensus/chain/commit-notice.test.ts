/**
 * Reading a commit notice: a hostile notice (a Byzantine member's, relayed to every node)
 * must not cost a signature check per vote it carries; at most one per committee member.
 */
import { describe, expect, it } from 'vitest'
import { Committee } from '../../../../src/consensus/bft/index.js'
import { blockHash, encodeBlock, type Block } from '../../../../src/consensus/chain/block.js'
import { readCommitNotice } from '../../../../src/consensus/chain/commit-notice.js'
import { encodeEnvelope, signEnvelope, toHex } from '../../../../src/wire/index.js'
import { generateIdentity, type NodeIdentity } from '../../../../src/p2p/index.js'
import { CountingVerifier } from '../../../utils/counting-verifier.js'

const CHAIN = 'c'

function precommit(identity: NodeIdentity, height: number, hash: Uint8Array): Uint8Array {
  return encodeEnvelope(
    signEnvelope(
      {
        type: 'vote',
        chainId: CHAIN,
        topicId: '',
        epoch: height,
        nonce: new Uint8Array(0),
        payload: { height, round: 0, step: 'precommit', blockHash: hash },
      },
      identity.secretKey,
      identity.publicKey,
    ),
  )
}

describe('readCommitNotice', async () => {
  const members = await Promise.all([0, 1, 2, 3].map(() => generateIdentity()))
  const outsider = await generateIdentity()
  const committee = new Committee(Object.fromEntries(members.map((m) => [toHex(m.publicKey), 1])))
  const block: Block = {
    chainId: CHAIN,
    height: 1,
    prevHash: '',
    timeMs: 0,
    proposer: toHex(members[0].publicKey),
    topicEpochs: [],
    txs: [],
    evidence: [],
    lastCommit: [],
    ledgerHash: '0'.repeat(64),
    handoff: [],
    prevHandoff: 0,
  }
  const bytes = encodeBlock(block)
  const hash = blockHash(bytes)
  const honest = members.slice(0, 3).map((m) => precommit(m, 1, hash))

  it('accepts a quorum of precommits', () => {
    const verifier = new CountingVerifier()
    expect(readCommitNotice({ height: 1, block: bytes, certificate: honest }, committee, CHAIN, verifier).ok).toBe(true)
    expect(verifier.calls).toBe(3)
  })

  it('turns down a certificate padded with copies of one vote without checking each copy', () => {
    const verifier = new CountingVerifier()
    const padded = [...honest, ...Array.from({ length: 1000 }, () => honest[0])]
    expect(readCommitNotice({ height: 1, block: bytes, certificate: padded }, committee, CHAIN, verifier).ok).toBe(
      false,
    )
    const dup = [honest[0], honest[1], honest[0]]
    expect(readCommitNotice({ height: 1, block: bytes, certificate: dup }, committee, CHAIN, verifier).ok).toBe(false)
    expect(verifier.calls).toBe(0)
  })

  it("turns down outsiders' votes before any signature check", () => {
    const verifier = new CountingVerifier()
    const foreign = [precommit(outsider, 1, hash), ...honest.slice(0, 2)]
    expect(readCommitNotice({ height: 1, block: bytes, certificate: foreign }, committee, CHAIN, verifier).ok).toBe(
      false,
    )
    expect(
      readCommitNotice(
        { height: 1, block: bytes, certificate: [Uint8Array.of(1, 2, 3), ...honest] },
        committee,
        CHAIN,
        verifier,
      ).ok,
    ).toBe(false)
    expect(verifier.calls).toBe(0)
  })
})
