/**
 * The API's errors: an HTTP status and a stable code from a closed set, answered as
 * `{error: {code, message}}` (plus `ledgerCode` when the ledger refused a transaction).
 */
import type { TxRejectCode } from '../consensus/ledger/index.js'

export const API_ERROR_CODES = [
  // 400: the request itself is wrong
  'bad-request',
  'bad-envelope',
  'bad-payload',
  'bad-signature',
  'wrong-chain',
  'not-a-tx',
  // 404
  'not-found',
  'unknown-topic',
  'unknown-epoch',
  'no-inference',
  // 413, 415
  'payload-too-large',
  'unsupported-media-type',
  // 422: a well-formed, signed tx the committed ledger refuses
  'unknown-account',
  'nonce',
  'insufficient-funds',
  'insufficient-stake',
  'below-min-stake',
  'already-registered',
  'not-registered',
  'not-a-reputer',
  'self-delegation',
  'bad-proposal',
  'topic-exists',
  'bad-tx',
  // 5xx
  'too-many-pending',
  'indexing',
  'unavailable',
  'busy',
  'internal',
] as const
export type ApiErrorCode = (typeof API_ERROR_CODES)[number]

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    /** The ledger's code, when the ledger refused a transaction. */
    readonly ledgerCode?: TxRejectCode,
  ) {
    super(message)
  }

  body(): { error: { code: ApiErrorCode; message: string; ledgerCode?: TxRejectCode } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.ledgerCode === undefined ? {} : { ledgerCode: this.ledgerCode }),
      },
    }
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, 'bad-request', message)
export const notFound = (message: string): ApiError => new ApiError(404, 'not-found', message)

/** The API code (and status) of each ledger refusal. */
const LEDGER_CODES: { readonly [C in TxRejectCode]: readonly [number, ApiErrorCode] } = {
  BAD_ENVELOPE: [400, 'bad-envelope'],
  NOT_A_TX: [400, 'not-a-tx'],
  WRONG_CHAIN: [400, 'wrong-chain'],
  BAD_PAYLOAD: [400, 'bad-payload'],
  BAD_SIGNATURE: [400, 'bad-signature'],
  BAD_SIGNER: [422, 'bad-tx'],
  UNKNOWN_KIND: [422, 'bad-tx'],
  REPLAYED_NONCE: [422, 'nonce'],
  FUTURE_NONCE: [422, 'nonce'],
  BAD_BODY: [422, 'bad-tx'],
  BAD_AMOUNT: [422, 'bad-tx'],
  BAD_ID: [422, 'bad-tx'],
  UNKNOWN_TOPIC: [422, 'unknown-topic'],
  TOPIC_EXISTS: [422, 'topic-exists'],
  INSUFFICIENT_BALANCE: [422, 'insufficient-funds'],
  INSUFFICIENT_STAKE: [422, 'insufficient-stake'],
  BELOW_MIN_STAKE: [422, 'below-min-stake'],
  ALREADY_REGISTERED: [422, 'already-registered'],
  NOT_REGISTERED: [422, 'not-registered'],
  NOT_A_REPUTER: [422, 'not-a-reputer'],
  SELF_DELEGATION: [422, 'self-delegation'],
  BAD_PROPOSAL: [422, 'bad-proposal'],
}

export function ledgerRefusal(code: TxRejectCode, reason: string): ApiError {
  const [status, apiCode] = LEDGER_CODES[code]
  return new ApiError(status, apiCode, reason, code)
}
