/** What the API shows of a commit certificate: its round and the members who signed it. */
import { readEnvelope, toHex } from '../wire/index.js'

/**
 * The round and signers of precommit vote envelopes (a certificate holds one round's). A vote
 * that does not read is left out: a block was valid when committed, so only a damaged store
 * shows fewer signers. `round` is null when no vote reads (the first block certifies nothing).
 */
export function certificateSummary(votes: readonly Uint8Array[]): { round: number | null; signers: string[] } {
  let round: number | null = null
  const signers: string[] = []
  for (const bytes of votes) {
    try {
      const { envelope } = readEnvelope(bytes)
      if (envelope.type !== 'vote') continue
      round ??= (envelope.payload as { round: number }).round
      signers.push(toHex(envelope.signer))
    } catch {
      // Left out, as said above.
    }
  }
  return { round, signers }
}
