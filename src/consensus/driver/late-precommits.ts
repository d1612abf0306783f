/**
 * Precommits for the last committed block that arrive after its commit. A node commits at the
 * first quorum of precommits it holds, and that certificate is what it puts in the next block
 * it proposes; the certificate's signers earn the committee share. Without the late ones, a
 * member whose precommits travel slower (a busy machine, a longer link) would be left out of
 * most certificates and paid less than its work: CometBFT's proposers likewise gather
 * precommits until they propose.
 */
import { voteOfEnvelope } from '../chain/commit-notice.js'
import type { ChainState } from '../chain/execution.js'
import { decodeEnvelope, type Envelope } from '../../wire/index.js'

/** The chain with `vote` added to its certificate, if it is a precommit the certificate lacks; else undefined. */
export function withLatePrecommit(chain: ChainState, envelope: Envelope, bytes: Uint8Array): ChainState | undefined {
  if (envelope.type !== 'vote' || chain.height === 0 || chain.lastCommit.length === 0) return undefined
  const vote = voteOfEnvelope(envelope as Envelope<'vote'>)
  if (vote.step !== 'precommit' || vote.height !== chain.height || vote.blockHash !== chain.hash) return undefined
  if (!chain.lastCommittee.has(vote.voter)) return undefined
  const held = chain.lastCommit.map((b) => voteOfEnvelope(decodeEnvelope(b) as Envelope<'vote'>))
  // A certificate is one round's precommits, each member once.
  if (vote.round !== held[0].round || held.some((v) => v.voter === vote.voter)) return undefined
  return { ...chain, lastCommit: [...chain.lastCommit, bytes] }
}
