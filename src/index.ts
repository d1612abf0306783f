/**
 * Chorus as a library: the local cluster, one node, the network files, topics and models,
 * the consumer API and its verifier. `chorus/consumer` is the verifier alone (no libp2p).
 */
export { LocalCluster, type ClusterMember, type ClusterOptions, type MemberSpec } from './cluster/local-cluster.js'
export { ProcessCluster, type ProcessClusterOptions } from './cluster/process-cluster.js'
export { RoleNode, type Role, type RoleNodeOptions } from './node/role-node.js'
export { startStandaloneNode, type NodeReport, type StandaloneOptions } from './node/standalone.js'
export { loadNetworkGenesis, type NetworkGenesis } from './node/genesis-file.js'
export { writeNetwork, type NetworkFiles } from './node/network-files.js'
export { apiNodeOf, serveApi } from './node/api-node.js'
export { loadTopicConfig, parseTopicConfig, type TopicConfig } from './topic/config.js'
export { createModel, type ModelSpec } from './roles/models/registry.js'
export type { GroundTruthSource, ModelContext, WorkerModel } from './roles/plugins.js'
export type { EpochDecision } from './roles/decisions.js'
export { startApiServer, verifyCommittedInference, type ApiNode, type ApiServer } from './api/index.js'
export { genesisHash, loadGenesis, parseGenesis, type Genesis } from './consensus/ledger/index.js'
export { synthesizeEpoch } from './synthesis/synthesize.js'
export { settleEpoch } from './synthesis/settle.js'
