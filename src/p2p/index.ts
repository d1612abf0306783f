/** The transport layer's public surface: the rest of Chorus imports from here only. */
export {
  IdentityError,
  generateIdentity,
  loadIdentity,
  loadOrCreateIdentity,
  participantOfPeerId,
  peerIdOfParticipant,
  saveIdentity,
  type NodeIdentity,
} from './identity.js'
export {
  ChorusNode,
  channelOf,
  type DeliveredMessage,
  type MessageHandler,
  type NodeEvents,
  type ValidationEventDetail,
} from './node.js'
export {
  IgnoreBudget,
  ignoreBudgetSettings,
  type IgnoreBudgetCounterKey,
  type IgnoreBudgetSettings,
  type IgnoreSanctions,
} from './ignore-budget.js'
export {
  FAULT_STAT_KEYS,
  FaultCommandError,
  NetworkFaults,
  faultyTransport,
  parseFaultCommand,
  parseLinkConditions,
  type FaultCommand,
  type FaultStatKey,
  type FaultStats,
  type LinkConditions,
  type NetworkFaultsOptions,
} from './faults/index.js'
export * from './options.js'
export { SCORE_THRESHOLDS } from './scoring.js'
export { BUSY, SYNC_PROTOCOL, SyncAdmission, SyncError, type SyncCounterKey, type SyncProvider } from './sync.js'
export * from './validation.js'
