export { Committee, CommitteeError, compareIds } from './committee.js'
export { proposer, proposerSchedule } from './proposer.js'
export { VoteSet, HeightVotes, type AddResult } from './vote-set.js'
export { makeEvidence, evidenceKey, isValidEvidence } from './evidence.js'
export { verifyCertificate } from './certificate.js'
export { ConsensusMachine, SelfEquivocationError, type MachineConfig } from './machine.js'
export type { RoundState, Verdict } from './rules.js'
export {
  Step,
  DROP_REASONS,
  isBlockHash,
  type BlockHash,
  type ConsensusAction,
  type ConsensusEvent,
  type Decision,
  type DropReason,
  type Evidence,
  type Proposal,
  type TimeoutStep,
  type Timeouts,
  type Vote,
  type VoteStep,
} from './types.js'
