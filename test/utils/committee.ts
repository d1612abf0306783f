/** Reaching a BFT coordinator's driver in tests. */
import type { ClusterMember } from '../../src/cluster/local-cluster.js'
import type { ConsensusDriver } from '../../src/consensus/driver/driver.js'
import { ConsensusService } from '../../src/node.js'

export function driverOf(member: ClusterMember): ConsensusDriver {
  const service = member.node.services.find((s) => s instanceof ConsensusService)
  if (service === undefined) throw new Error('not a BFT coordinator')
  return (service as ConsensusService).driver
}
