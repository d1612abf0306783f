/** Observing a BFT cluster's coordinators: what each committed, per height. */
import type { LocalCluster, ClusterMember } from '../../src/cluster.js'
import type { CommitEvent, ConsensusDriver } from '../../src/consensus/driver.js'
import { ConsensusService } from '../../src/node.js'

export function driverOf(member: ClusterMember): ConsensusDriver {
  const service = member.node.services.find((s) => s instanceof ConsensusService)
  if (service === undefined) throw new Error('not a BFT coordinator')
  return (service as ConsensusService).driver
}

/** participant id → height → block hash, kept up to date from every coordinator's commits. */
export class CommitLog {
  readonly byNode = new Map<string, Map<number, string>>()

  watch(member: ClusterMember): void {
    const id = member.node.participantId
    const log = this.byNode.get(id) ?? new Map<number, string>()
    this.byNode.set(id, log)
    driverOf(member).events.addEventListener('commit', (e) => {
      const c = (e as CustomEvent<CommitEvent>).detail
      log.set(c.height, c.hash)
    })
  }

  watchAll(cluster: LocalCluster): void {
    for (const m of cluster.members) if (m.role === 'coordinator') this.watch(m)
  }

  height(id: string): number {
    return Math.max(0, ...(this.byNode.get(id)?.keys() ?? []))
  }

  /** Heights at which two nodes committed different hashes. */
  forks(): number[] {
    const seen = new Map<number, string>()
    const forks = new Set<number>()
    for (const log of this.byNode.values()) {
      for (const [h, hash] of log) {
        const other = seen.get(h)
        if (other === undefined) seen.set(h, hash)
        else if (other !== hash) forks.add(h)
      }
    }
    return [...forks].sort((a, b) => a - b)
  }
}
