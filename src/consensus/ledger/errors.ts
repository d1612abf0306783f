/**
 * The ledger's verdicts. A rejected transaction carries one code of a closed set (safe as a
 * metric label and a log key) plus a human reason; a block the ledger cannot apply at all is a
 * LedgerError; a broken conservation invariant is a ConservationViolation, which the driver
 * must treat as fatal: a node whose books do not balance must stop, not vote.
 */

export const TX_REJECT_CODES = [
  // Envelope level (signed-tx.ts): the transport normally filters these before the ledger.
  'BAD_ENVELOPE',
  'NOT_A_TX',
  'WRONG_CHAIN',
  'BAD_PAYLOAD',
  'BAD_SIGNATURE',
  // Ledger rules (transactions.ts), in the order they are checked.
  'BAD_SIGNER',
  'UNKNOWN_KIND',
  'REPLAYED_NONCE',
  'FUTURE_NONCE',
  'BAD_BODY',
  'BAD_AMOUNT',
  'BAD_ID',
  'UNKNOWN_TOPIC',
  'TOPIC_EXISTS',
  'INSUFFICIENT_BALANCE',
  'INSUFFICIENT_STAKE',
  'BELOW_MIN_STAKE',
  'ALREADY_REGISTERED',
  'NOT_REGISTERED',
  'NOT_A_REPUTER',
  'SELF_DELEGATION',
  'BAD_PROPOSAL',
] as const
export type TxRejectCode = (typeof TX_REJECT_CODES)[number]

export interface TxRejection {
  readonly ok: false
  readonly code: TxRejectCode
  readonly reason: string
}

export function reject(code: TxRejectCode, reason: string): TxRejection {
  return { ok: false, code, reason }
}

export type LedgerErrorCode =
  | 'BAD_HEIGHT'
  | 'BAD_EPOCH'
  | 'UNKNOWN_TOPIC'
  | 'STALE_TOPIC_EPOCH'
  | 'BAD_ID'
  | 'COMMITTEE_BOUNDS'

/** A block (or block part) that cannot be applied: the block is invalid, the state unchanged. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError'
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** Tokens appeared or vanished: a bug or corrupted state. Fatal by design. */
export class ConservationViolation extends Error {
  override readonly name = 'ConservationViolation'
}

export class GenesisError extends Error {
  override readonly name = 'GenesisError'
}
