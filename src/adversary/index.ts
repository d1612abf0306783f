/**
 * Byzantine nodes for tests and chaos runs: the fault table, and the adversary components the
 * node composition builds a Byzantine node with (docs/adversaries.md). Honest code never
 * imports this layer.
 */
export {
  BYZANTINE_FAULTS,
  BYZANTINE_FAULTS_BY_ROLE,
  ByzantineFaultError,
  checkFaultForRole,
  faultFitsRole,
  isByzantineFault,
  type AdversaryRole,
  type ByzantineFault,
  type CoordinatorByzantineFault,
  type ReputerFault,
  type WorkerFault,
} from './faults.js'
export { adversaryFor, type Adversary, type WorkerParts } from './compose.js'
export { COORDINATOR_FAULTS, byzantineNetwork, noBlockHash, type CoordinatorFault } from './coordinator.js'
export type { AdversaryNode } from './node.js'
