/** The consumer API's public surface: the server a node runs, the interface it reads a node through, the verifier. */
export type { ApiNode, CommitSource } from './node.js'
export { startApiServer, type ApiServer, type ApiServerOptions } from './server.js'
export { API_ERROR_CODES, ApiError, type ApiErrorCode } from './errors.js'
export type { TxStatus, TxTrackerOptions } from './tx-tracker.js'
export type { ChainIndexOptions } from './chain-index.js'
export {
  verifyCommittedInference,
  type CommittedInference,
  type GenesisCommittee,
  type InferenceVerdict,
} from './verify.js'
