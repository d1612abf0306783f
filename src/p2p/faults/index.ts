/** The network fault layer (docs/transport.md, "Fault layer"): a transport wrapper and its controller. */
export {
  checkPeerIds,
  FaultCommandError,
  parseFaultCommand,
  parseLinkConditions,
  type FaultCommand,
  type LinkConditions,
} from './commands.js'
export { NetworkFaults, type FaultHost, type NetworkFaultsOptions } from './network-faults.js'
export { FAULT_STAT_KEYS, type FaultStatKey, type FaultStats } from './stats.js'
export { faultyTransport, type FaultyTransportComponents } from './transport.js'
