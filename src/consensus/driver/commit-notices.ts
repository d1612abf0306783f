/**
 * Who announces a committed block. Every node follows the chain by the commit notices on the
 * commits channel, and one notice per height is enough: each is a full block that every node
 * receives, checks and relays. The member that proposed the block announces it at once; every
 * other member announces it too only if no member's notice for the same block has reached it
 * `backupMs` after its own commit (the proposer crashed, or its notice was lost), so a height
 * is announced even when its proposer is gone.
 */
import { blockHash } from '../chain/block.js'
import type { CommitNotice } from '../sync/chain-sync.js'
import type { Committee } from '../bft/index.js'
import type { Scheduler } from '../../util/timers.js'
import { toHex } from '../../wire/index.js'

/** Heights of notices remembered behind the newest one heard. */
const REMEMBERED_HEIGHTS = 8

export interface CommitNoticesHost {
  readonly timers: Scheduler
  /** How long a member that did not propose waits for another member's notice. */
  readonly backupMs: number
  readonly committeeAt: (height: number) => Committee | undefined
  /** Runs a task in the driver's order of work. */
  readonly enqueue: (task: () => Promise<void>) => void
}

export class CommitNotices {
  /** Block hashes (hex) members announced, by height. */
  private readonly heardBlocks = new Map<number, Set<string>>()

  constructor(private readonly host: CommitNoticesHost) {}

  /** A notice arrived: remember it if a member of its height's committee signed it. */
  heard(notice: CommitNotice, signer: string): void {
    if (this.host.committeeAt(notice.height)?.has(signer) !== true) return
    const newest = Math.max(notice.height, ...this.heardBlocks.keys())
    if (notice.height <= newest - REMEMBERED_HEIGHTS) return
    let blocks = this.heardBlocks.get(notice.height)
    if (blocks === undefined) {
      blocks = new Set()
      this.heardBlocks.set(notice.height, blocks)
    }
    blocks.add(toHex(blockHash(notice.block)))
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
