/**
 * Signing this node's votes, safely across crashes: the signed vote is on disk before it
 * leaves the node, and a vote that differs from one stored for the same height, round and
 * step is never signed (a lost log tail must not turn a restart into an equivocation).
 */
import { encodeEnvelope, fromHex, globalChannel, signEnvelope, type ChorusNode } from '../p2p/index.js'
import type { Vote } from './bft/index.js'
import type { Misbehaviour } from './misbehaviour.js'
import type { ChainStore } from './store.js'

export class VoteSigner {
  constructor(
    private readonly node: ChorusNode,
    private readonly store: ChainStore,
    private readonly misbehaviour?: Misbehaviour,
  ) {}

  /** Sign, persist and publish `vote`; returns its envelope bytes, or undefined if refused. */
  async cast(vote: Vote): Promise<Uint8Array | undefined> {
    const payload = { height: vote.height, round: vote.round, step: vote.step, blockHash: vote.blockHash === null ? null : fromHex(vote.blockHash) }
    const base = { type: 'vote' as const, chainId: this.node.chainId, topicId: '', epoch: vote.height, nonce: new Uint8Array(0) }
    const { secretKey, publicKey } = this.node.identity
    const env = signEnvelope({ ...base, payload }, secretKey, publicKey)
    const bytes = encodeEnvelope(env)
    const earlier = this.store.ownVote(vote.height, vote.round, vote.step)
    if (earlier !== undefined && Buffer.compare(Buffer.from(earlier), Buffer.from(bytes)) !== 0) return undefined
    this.store.recordOwnVote(vote.height, vote.round, vote.step, bytes)
    await this.node.publishSigned(env)
    if (this.misbehaviour === 'equivocate') {
      const other = { ...payload, blockHash: vote.blockHash === null ? new Uint8Array(32).fill(7) : null }
      await this.node.publishRaw(globalChannel('consensus'), encodeEnvelope(signEnvelope({ ...base, payload: other }, secretKey, publicKey)))
    }
    return bytes
  }
}
