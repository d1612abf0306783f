/** Reaching a cluster member's chain driver in tests. */
import type { ClusterMember } from '../../src/cluster/local-cluster.js'
import type { ConsensusDriver } from '../../src/consensus/driver/driver.js'

export function driverOf(member: ClusterMember): ConsensusDriver {
  return member.node.driver
}
