/**
 * Commit notices: a committed block with its certificate, as a committee member announces it
 * after committing. Reading one checks everything a light client can check with the
 * committee's keys alone: the block decodes, the certificate's envelopes are valid precommits
 * for this block's hash from distinct members holding more than 2/3 of the power.
 */
import { readEnvelope, toHex, type Ed25519Verifier, type Envelope } from '../../wire/index.js'
import { verifyEnvelopeBytes } from '../../p2p/index.js'
import { blockHash, decodeBlock, BlockError, type Block } from './block.js'
import { verifyCertificate, type Committee, type Vote } from '../bft/index.js'

/** The vote an envelope carries; the voter is the envelope's signer. */
export function voteOfEnvelope(env: Envelope<'vote'>): Vote {
  const p = env.payload
  return {
    height: p.height,
    round: p.round,
    step: p.step,
    blockHash: p.blockHash === null ? null : toHex(p.blockHash),
    voter: toHex(env.signer),
  }
}

export type CommitRead =
  | { readonly ok: true; readonly block: Block; readonly hash: string; readonly votes: readonly Vote[] }
  | { readonly ok: false; readonly reason: string }

export function readCommitNotice(
  payload: { readonly height: number; readonly block: Uint8Array; readonly certificate: readonly Uint8Array[] },
  committee: Committee,
  chainId: string,
  verifier: Ed25519Verifier,
): CommitRead {
  let block: Block
  try {
    block = decodeBlock(payload.block)
  } catch (err) {
    if (err instanceof BlockError) return { ok: false, reason: err.message }
    throw err
  }
  if (block.height !== payload.height || block.chainId !== chainId)
    return { ok: false, reason: 'block height or chain does not match the notice' }
  const hash = toHex(blockHash(payload.block))
  // Cheap checks before any signature: a certificate holds at most one vote per member, so a
  // notice padded with copies or with votes of outsiders costs nothing to turn down.
  if (payload.certificate.length > committee.size)
    return {
      ok: false,
      reason: `certificate holds ${payload.certificate.length} votes, the committee has ${committee.size} members`,
    }
  const voters = new Set<string>()
  for (const bytes of payload.certificate) {
    const voter = signerOf(bytes)
    if (voter === undefined || !committee.has(voter))
      return { ok: false, reason: 'certificate vote of a non-member (or not an envelope)' }
    if (voters.has(voter)) return { ok: false, reason: 'certificate holds two votes of one member' }
    voters.add(voter)
  }
  const votes: Vote[] = []
  for (const bytes of payload.certificate) {
    const read = verifyEnvelopeBytes(bytes, chainId, verifier)
    if (!read.ok) return { ok: false, reason: `certificate vote: ${read.reason}` }
    if (read.envelope.type !== 'vote') return { ok: false, reason: 'certificate holds a non-vote' }
    votes.push(voteOfEnvelope(read.envelope as Envelope<'vote'>))
  }
  if (!verifyCertificate(committee, block.height, hash, votes))
    return { ok: false, reason: 'certificate does not prove a 2/3 precommit quorum for this block' }
  return { ok: true, block, hash, votes }
}

/** The signer (hex) of envelope bytes, before any check of their signature; undefined if they do not decode. */
function signerOf(bytes: Uint8Array): string | undefined {
  try {
    return toHex(readEnvelope(bytes).envelope.signer)
  } catch {
    return undefined
  }
}
