/**
 * What several coordinators of one process committed, for the cluster's summary and tests:
 * block hash per height per node (to count forks), the ledger invariants of every node's
 * ledger at every height, and commit times.
 */
import { checkLedgerInvariants } from '../consensus/ledger/index.js'
import type { ConsensusDriver } from '../consensus/driver/driver.js'

export class CommitTracker {
  readonly byNode = new Map<string, Map<number, string>>()
  /** (topic, epoch) pairs committed, as seen by any node. */
  readonly topicEpochs = new Set<string>()
  conservation = true
  private commitMsTotal = 0
  private commitCount = 0

  watch(id: string, driver: ConsensusDriver): void {
    const log = this.byNode.get(id) ?? new Map<number, string>()
    this.byNode.set(id, log)
    driver.events.on('commit', (c) => {
      log.set(c.height, c.hash)
      for (const te of c.block.topicEpochs) if (te.output !== null) this.topicEpochs.add(`${te.topicId}/${te.epoch}`)
      if (!checkLedgerInvariants(driver.chain.ledger).ok) this.conservation = false
      this.commitMsTotal += c.ms
      this.commitCount++
    })
  }

  /** Heights at which two nodes stored different block hashes. */
  forks(): number[] {
    const first = new Map<number, string>()
    const forks = new Set<number>()
    for (const log of this.byNode.values()) {
      for (const [h, hash] of log) {
        const seen = first.get(h)
        if (seen === undefined) first.set(h, hash)
        else if (seen !== hash) forks.add(h)
      }
    }
    return [...forks].sort((a, b) => a - b)
  }

  /** Mean time from a height's start to its commit, over every node's commits. */
  meanCommitMs(): number {
    return this.commitCount === 0 ? Number.NaN : this.commitMsTotal / this.commitCount
  }
}
