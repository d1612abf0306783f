/**
 * A stall pull asks a member for the round's proposals and votes. A Byzantine member's answer
 * (up to a full sync frame of envelopes) must cost at most as many signature checks as an
 * honest answer can hold, and only committee members' proposals and votes get through.
 */
import { describe, expect, it } from 'vitest'
import { Committee } from '../../../../src/consensus/bft/index.js'
import type { ChainState } from '../../../../src/consensus/chain/execution.js'
import { ChainSync } from '../../../../src/consensus/sync/chain-sync.js'
import type { ConsensusNetwork } from '../../../../src/consensus/network.js'
import { MessagePool } from '../../../../src/consensus/pool/message-pool.js'
import { MAX_ROUND_MESSAGES } from '../../../../src/consensus/pool/round-inputs.js'
import {
  type Ed25519Verifier,
  encodeEnvelope,
  signEnvelope,
  toHex,
  type UnsignedEnvelope,
} from '../../../../src/wire/index.js'
import { generateIdentity, type NodeIdentity } from '../../../../src/p2p/index.js'
import { CountingVerifier } from '../../../utils/counting-verifier.js'

const CHAIN = 'c'

const sign = (who: NodeIdentity, u: UnsignedEnvelope): Uint8Array =>
  encodeEnvelope(signEnvelope(u, who.secretKey, who.publicKey))
const vote = (who: NodeIdentity, round: number): Uint8Array =>
  sign(who, {
    type: 'vote',
    chainId: CHAIN,
    topicId: '',
    epoch: 2,
    nonce: new Uint8Array(0),
    payload: { height: 2, round, step: 'prevote', blockHash: null },
  })

describe('ChainSync.pull', async () => {
  const [member, other, outsider] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
  const committee = new Committee({ [toHex(member.publicKey)]: 1, [toHex(other.publicKey)]: 1 })
  const chain = { height: 1, chainId: CHAIN, committee } as unknown as ChainState

  function pullWith(answer: (Uint8Array | null)[]) {
    const node = {
      participantId: 'me',
      request: async (_peer: string, kind: string) => (kind === 'blocks' ? [] : answer),
    } as unknown as ConsensusNetwork
    const sync = new ChainSync(node, undefined as never, { chainId: CHAIN } as never, new MessagePool(), async () => {})
    const verifier = new CountingVerifier()
    ;(sync as unknown as { verifier: Ed25519Verifier }).verifier = verifier
    return { verifier, pulled: sync.pull(toHex(other.publicKey), 2, chain) }
  }

  it("keeps members' votes and drops copies, outsiders and other types before checking signatures", async () => {
    const mine = vote(member, 0)
    const tx = sign(member, {
      type: 'tx',
      chainId: CHAIN,
      topicId: '',
      epoch: 0,
      nonce: new Uint8Array(0),
      payload: { kind: 'transfer', accountNonce: 0, body: {} },
    })
    const answer = [
      mine,
      ...Array.from({ length: 100 }, () => mine),
      vote(outsider, 0),
      vote(outsider, 1),
      null,
      Uint8Array.of(1, 2),
      tx,
      vote(other, 0),
    ]
    const { verifier, pulled } = pullWith(answer)
    const got = await pulled
    expect(got?.kind).toBe('messages')
    const messages = got?.kind === 'messages' ? got.messages : []
    expect(messages.map((m) => toHex(m.envelope.signer))).toEqual([toHex(member.publicKey), toHex(other.publicKey)])
    // mine once, the tx (a member's, so checked, then dropped by type), other's vote.
    expect(verifier.calls).toBe(3)
  })

  it(`reads at most ${MAX_ROUND_MESSAGES} envelopes of an answer`, async () => {
    // Rounds from 1: checked signatures are remembered process-wide by message id, and the
    // test above checked the member's round-0 vote.
    const many = Array.from({ length: MAX_ROUND_MESSAGES + 200 }, (_, r) => vote(member, r + 1))
    const { verifier, pulled } = pullWith(many)
    const got = await pulled
    expect(got?.kind === 'messages' ? got.messages.length : -1).toBe(MAX_ROUND_MESSAGES)
    expect(verifier.calls).toBe(MAX_ROUND_MESSAGES)
  })
})
