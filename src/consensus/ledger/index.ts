/** The ledger's public surface: the block builder, the driver and the roles import from here. */
export { AMOUNT_PATTERN, MAX_AMOUNT_DIGITS } from './amounts.js'
export {
  committeeAt,
  committeeBoundsProblem,
  COMMITTEE_LAG,
  COMMITTEE_MEMORY,
  electCommittee,
  isCandidate,
  latestCommittee,
  MAX_COMMITTEE_SIZE,
  sameCommittee,
  type CommitteeTerm,
} from './committee-election.js'
export { applyBlock, type BlockOutcome, type LedgerBlock, type TxOutcome } from './block.js'
export {
  assertConservation,
  checkConservation,
  ledgerTotals,
  type ConservationResult,
  type LedgerTotals,
} from './conservation.js'
export {
  closeTopicEpochs,
  emissionShares,
  payCommittee,
  PROPOSER_SHARE_PPM,
  paySettlements,
  topicRewardFor,
  type ClosedTopicEpoch,
  type Settlement,
  type SettlementReport,
} from './epoch-rewards.js'
export {
  ConservationViolation,
  GenesisError,
  LedgerError,
  TX_REJECT_CODES,
  type LedgerErrorCode,
  type TxRejectCode,
  type TxRejection,
} from './errors.js'
export {
  genesisHash,
  genesisToJson,
  ledgerEpochAt,
  loadGenesis,
  parseGenesis,
  type GenesisFile,
  withGenesisTime,
  type CommitteeMember,
  type Genesis,
  type GenesisAccount,
  type GenesisTopic,
} from './genesis.js'
export { buildLocalGenesis, LOCAL_GENESIS_DEFAULTS, TOKEN, type LocalGenesisOptions } from './genesis-local.js'
export { canonicalLedgerState, ledgerStateHash } from './hash.js'
export { checkLedgerInvariants } from './invariants.js'
export {
  balanceOf,
  delegatedTo,
  isRegistered,
  isReputerAnywhere,
  isTopicRunning,
  participants,
  reputerStake,
  selfStakeOf,
  stakeOf,
  topicStake,
} from './queries.js'
export { ledgerTxOf, readSignedTx, signTx, type SignedTxResult } from './signed-tx.js'
export { applyEvidence, type Evidence, type SlashReport } from './slashing.js'
export {
  accountOf,
  initialState,
  type Account,
  type LedgerParams,
  type LedgerState,
  type TopicLedger,
  type TopicRole,
  type UnbondingEntry,
} from './state.js'
export { applyTx, type LedgerTx, type TxContext, type TxResult } from './transactions.js'
export { TX_BODY_SCHEMAS, type TxBody, type TxKind } from './tx-body.js'
