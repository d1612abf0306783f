/**
 * Commit certificates: the precommits of one round for a block hash, from distinct members
 * holding more than 2/3 of the committee's power. This checks content only. The caller must
 * have verified each vote's signature (the envelope signer is the `voter`) before asking:
 * the certificate that travels with a block is a list of signed envelopes, this is the
 * arithmetic over what they say.
 */
import type { Committee } from './committee.js'
import type { BlockHash, Vote } from './types.js'

export function verifyCertificate(
  committee: Committee,
  height: number,
  blockHash: BlockHash,
  votes: readonly Vote[],
): boolean {
  if (votes.length === 0) return false
  // One round only: quorums of different rounds do not intersect into a decision.
  const round = votes[0].round
  const seen = new Set<string>()
  let power = 0
  for (const v of votes) {
    if (v.step !== 'precommit' || v.height !== height || v.round !== round || v.blockHash !== blockHash) return false
    if (!committee.has(v.voter) || seen.has(v.voter)) return false
    seen.add(v.voter)
    power += committee.power(v.voter)
  }
  return power >= committee.quorum
}
