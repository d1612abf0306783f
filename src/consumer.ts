/** What an application needs to trust a node's answer: check it against the genesis, offline. */
export {
  verifyCommittedInference,
  type CommittedInference,
  type GenesisCommittee,
  type InferenceVerdict,
} from './api/verify.js'
