/**
 * From a signed `tx` envelope to a ledger transaction. The transport runs the same checks on
 * gossip; block verification must run them again on every transaction a block carries, since
 * the ledger itself trusts `signer` (transactions.ts). Cheap checks first, signature last.
 */
import { encodeEnvelope, readEnvelope, signEnvelope, toHex, type Envelope } from '../../wire/envelope.js'
import { txPayloadSchema } from '../../wire/messages.js'
import { Ed25519Verifier } from '../../wire/signing.js'
import { reject, type TxRejection } from './errors.js'
import type { LedgerTx } from './transactions.js'
import type { TxKind } from './tx-body.js'

/** Parsed keys kept across transactions: accounts sign again and again. */
const TX_VERIFIER = new Ed25519Verifier()

export type SignedTxResult =
  | { readonly ok: true; readonly tx: LedgerTx; readonly envelope: Envelope<'tx'> }
  | TxRejection

/** A transaction signed by `signer`: the envelope bytes a node gossips or the API takes. */
export function signTx(
  signer: { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array },
  chainId: string,
  tx: Omit<LedgerTx, 'signer' | 'kind'> & { readonly kind: TxKind },
): Uint8Array {
  const payload = { kind: tx.kind, accountNonce: tx.accountNonce, body: { ...tx.body } }
  const unsigned = { type: 'tx' as const, chainId, topicId: '', epoch: 0, nonce: new Uint8Array(0), payload }
  return encodeEnvelope(signEnvelope(unsigned, signer.secretKey, signer.publicKey))
}

/** The ledger view of an envelope whose signature was already verified. */
export function ledgerTxOf(envelope: Envelope<'tx'>): LedgerTx {
  const { kind, accountNonce, body } = envelope.payload
  return { signer: toHex(envelope.signer), kind, accountNonce, body }
}

export function readSignedTx(
  bytes: Uint8Array,
  chainId: string,
  verifier: Ed25519Verifier = TX_VERIFIER,
): SignedTxResult {
  let read: ReturnType<typeof readEnvelope>
  try {
    read = readEnvelope(bytes)
  } catch (err) {
    return reject('BAD_ENVELOPE', `not a valid envelope: ${(err as Error).message}`)
  }
  const { envelope, signedBytes } = read
  if (envelope.type !== 'tx') return reject('NOT_A_TX', `envelope type is ${envelope.type}`)
  if (envelope.chainId !== chainId) return reject('WRONG_CHAIN', `chain id ${envelope.chainId} is not ${chainId}`)
  const payload = txPayloadSchema.safeParse(envelope.payload)
  if (!payload.success) return reject('BAD_PAYLOAD', `tx payload: ${payload.error.issues[0].message}`)
  if (!verifier.verify(envelope.signature, signedBytes, envelope.signer))
    return reject('BAD_SIGNATURE', 'signature does not verify')
  const tx: Envelope<'tx'> = { ...envelope, type: 'tx', payload: payload.data }
  return { ok: true, tx: ledgerTxOf(tx), envelope: tx }
}
