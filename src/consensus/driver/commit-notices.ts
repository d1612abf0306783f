/**
 * Who announces a committed block. Every node follows the chain by the commit notices on the
 * commits channel, and one notice per height is enough: each is a full block that every node
 * receives, checks and relays. The member that proposed the block announces it at once; every
 * other member announces it too only if no certified notice for the same block has reached it
 * `backupMs` after its own commit (the proposer crashed, or its notice was lost or forged), so
 * a height is announced even when its proposer is gone or lies.
 */
import type { CommitNotice } from '../sync/chain-sync.js'
import type { Scheduler } from '../../util/timers.js'

/** Heights of notices remembered behind the newest one heard. */
const REMEMBERED_HEIGHTS = 8

export interface CommitNoticesHost {
  readonly timers: Scheduler
  /** How long a member that did not propose waits for another member's notice. */
  readonly backupMs: number
  /** The block hash (hex) of a notice whose certificate proves its commit; else undefined. */
  readonly certified: (notice: CommitNotice) => string | undefined
  /** Runs a task in the driver's order of work. */
  readonly enqueue: (task: () => Promise<void>) => void
}

export class CommitNotices {
  /** Block hashes (hex) members announced, by height. */
  private readonly heardBlocks = new Map<number, Set<string>>()

  constructor(private readonly host: CommitNoticesHost) {}

  /**
   * A notice arrived: remember its block if its certificate proves the commit. Who sent it
   * does not matter, what followers can adopt from it does: a notice whose certificate does
   * not hold must not keep the members from announcing the block themselves.
   */
  heard(notice: CommitNotice): void {
    const newest = Math.max(notice.height, ...this.heardBlocks.keys())
    if (notice.height <= newest - REMEMBERED_HEIGHTS) return
    const hash = this.host.certified(notice)
    if (hash === undefined) return
    let blocks = this.heardBlocks.get(notice.height)
    if (blocks === undefined) {
      blocks = new Set()
      this.heardBlocks.set(notice.height, blocks)
    }
    blocks.add(hash)
    for (const h of this.heardBlocks.keys()) if (h <= newest - REMEMBERED_HEIGHTS) this.heardBlocks.delete(h)
  }

  /** This member committed `hash` at `height`: announce it now, later, or not at all. */
  announce(height: number, hash: string, proposed: boolean, publish: () => Promise<void>): void {
    if (proposed) return this.host.enqueue(publish)
    if (this.announced(height, hash)) return
    this.host.timers.after(this.host.backupMs, () => {
      if (!this.announced(height, hash)) this.host.enqueue(publish)
    })
  }

  private announced(height: number, hash: string): boolean {
    return this.heardBlocks.get(height)?.has(hash) === true
  }
}
