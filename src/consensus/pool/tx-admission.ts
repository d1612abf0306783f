/**
 * Which gossiped transactions a coordinator takes in: anyone can sign a tx, so a tx is worth
 * its signature check (and a place in the pending pool) only from an account the committed
 * ledger holds (it was funded, or has sent a tx before) and with an account nonce that can
 * still be applied: the next one, or one of the TX_NONCE_WINDOW − 1 after it (a sender may
 * have a few in flight). Without this a flood of txs from fresh keys cost every coordinator a
 * signature check each and crowded the pending pool. The verdict is `ignore`, not `reject`:
 * the relaying peer's ledger may be a block ahead of ours. Txs a block names are checked by
 * the ledger again when the block is applied, whatever this said.
 */
import { toHex, type Envelope } from '../../wire/index.js'
import { ValidationError } from '../../p2p/index.js'
import type { LedgerState } from '../ledger/index.js'

/** Nonces held ahead of an account's next one. */
export const TX_NONCE_WINDOW = 16

/**
 * Throws the `ignore` verdict for a tx the ledger cannot apply now or soon; other types pass.
 * Reads the payload defensively: the validator calls it before the payload's schema check.
 */
export function checkTxSender(ledger: LedgerState, envelope: Envelope): void {
  if (envelope.type !== 'tx') return
  const signer = toHex(envelope.signer)
  const account = ledger.accounts.get(signer)
  if (account === undefined)
    throw new ValidationError('ignore', 'unknown-account', `tx from ${signer}, which has no account in the ledger`)
  // The validator asks before it parses the payload: a nonce that is not a number is left to
  // the schema, which rejects the tx.
  const nonce: unknown = (envelope.payload as { readonly accountNonce?: unknown }).accountNonce
  if (typeof nonce !== 'number') return
  if (nonce < account.nonce || nonce >= account.nonce + TX_NONCE_WINDOW) {
    throw new ValidationError(
      'ignore',
      'nonce-window',
      `tx accountNonce ${nonce}: the account's next is ${account.nonce} (at most ${TX_NONCE_WINDOW - 1} beyond it are held)`,
    )
  }
}
