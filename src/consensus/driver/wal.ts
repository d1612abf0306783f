/**
 * The write-ahead log of a height: every input the machine handles is stored before it is
 * handled, with the bytes a replay needs (the block a proposal names, the envelope of a
 * vote), so a restart inside the height replays to the same state and the same votes.
 */
import { decodeCanonical, encodeCanonical } from '../../wire/index.js'
import type { ConsensusEvent } from '../bft/index.js'
import type { RoundInputs } from '../pool/round-inputs.js'

export interface WalEntry {
  readonly event: ConsensusEvent
  /** The block bytes a proposal or a proposal value names. */
  readonly block?: Uint8Array
  /** A vote's signed envelope. */
  readonly envelope?: Uint8Array
}

/** The log entry of `event`, with what `inputs` hold of the block or vote it names. */
export function encodeWalEntry(event: ConsensusEvent, inputs: RoundInputs): Uint8Array {
  const hash =
    event.type === 'proposal' ? event.proposal.blockHash : event.type === 'proposalValue' ? event.blockHash : undefined
  const block = hash === undefined ? undefined : inputs.candidates.get(hash)?.bytes
  const envelope = event.type === 'vote' ? inputs.vote(event.vote) : undefined
  return encodeCanonical({
    event,
    ...(block === undefined ? {} : { block }),
    ...(envelope === undefined ? {} : { envelope }),
  })
}

export function decodeWalEntry(bytes: Uint8Array): WalEntry {
  return decodeCanonical(bytes) as WalEntry
}
