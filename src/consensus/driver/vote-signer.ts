/**
 * Signing this node's votes, safely across crashes: the signed vote is on disk before it
 * leaves the node, and a vote that differs from one stored for the same height, round and
 * step is never signed (a lost log tail must not turn a restart into an equivocation).
 */
import { encodeEnvelope, fromHex } from '../../wire/index.js'
import type { Vote } from '../bft/index.js'
import type { ConsensusNetwork } from '../network.js'
import type { ChainStore } from '../store.js'

export class VoteSigner {
  constructor(
    private readonly network: ConsensusNetwork,
    private readonly chainId: string,
    private readonly store: ChainStore,
  ) {}

  /** Sign, persist and publish `vote`; returns its envelope bytes, or undefined if refused. */
  async cast(vote: Vote): Promise<Uint8Array | undefined> {
    const payload = {
      height: vote.height,
      round: vote.round,
      step: vote.step,
      blockHash: vote.blockHash === null ? null : fromHex(vote.blockHash),
    }
    const env = this.network.sign({
      type: 'vote',
      chainId: this.chainId,
      topicId: '',
      epoch: vote.height,
      nonce: new Uint8Array(0),
      payload,
    })
    const bytes = encodeEnvelope(env)
    const earlier = this.store.ownVote(vote.height, vote.round, vote.step)
    if (earlier !== undefined && Buffer.compare(Buffer.from(earlier), Buffer.from(bytes)) !== 0) return undefined
    this.store.recordOwnVote(vote.height, vote.round, vote.step, bytes)
    await this.network.publish(env)
    return bytes
  }
}
