/**
 * Where things are in the chain: the height of each committed topic epoch, of each committed
 * transaction, and of each topic's latest network inference. Kept in memory, fed by the
 * node's commit events; the blocks committed before the API started are indexed in the
 * background, from the tip down, a chunk at a time between requests.
 *
 * A topic's epochs are committed in order, each exactly once (a block's epoch of a topic
 * must follow the topic's last one), so each block holds a contiguous run of each topic's
 * epochs and the runs ascend with the height: the index keeps one run per (block, topic),
 * three numbers, and finds an epoch by binary search.
 */
import type { Block } from '../consensus/chain/block.js'
import { decodeBlock } from '../consensus/chain/block.js'
import { messageId, toHex } from '../wire/index.js'
import type { ApiNode, CommitEvent } from './node.js'

interface Run {
  readonly height: number
  readonly first: number
  readonly last: number
}

/** The runs of one topic: those seen live (ascending) and those found by the backfill (descending). */
class TopicRuns {
  private readonly live: Run[] = []
  private readonly old: Run[] = []

  addLive(run: Run): void {
    this.live.push(run)
  }

  addOld(run: Run): void {
    this.old.push(run)
  }

  heightOf(epoch: number): number | undefined {
    const live = this.live
    if (live.length > 0 && epoch >= live[0].first) {
      // The last run whose first epoch is ≤ epoch.
      let lo = 0
      let hi = live.length - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (live[mid].first <= epoch) lo = mid
        else hi = mid - 1
      }
      return epoch <= live[lo].last ? live[lo].height : undefined
    }
    const old = this.old
    // Descending: the first run whose first epoch is ≤ epoch.
    let lo = 0
    let hi = old.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (old[mid].first <= epoch) {
        found = mid
        hi = mid - 1
      } else lo = mid + 1
    }
    return found >= 0 && epoch <= old[found].last ? old[found].height : undefined
  }
}

export interface LatestInference {
  readonly epoch: number
  readonly height: number
}

export interface ChainIndexOptions {
  /** Blocks the backfill indexes per turn of the event loop. @default 256 */
  readonly chunk?: number
}

export class ChainIndex {
  private readonly topics = new Map<string, TopicRuns>()
  private readonly txs = new Map<string, number>()
  private readonly latest = new Map<string, LatestInference>()
  /** Highest height indexed from a commit event. */
  private liveTop = 0
  /** The next height the backfill indexes (downwards); 0 once done. */
  private next = 0
  private closed = false
  private failure: string | undefined
  private readonly listener = (c: CommitEvent): void => this.onCommit(c)
  private readonly chunk: number
  /** Resolves when every block committed before `start` is indexed (or the backfill stopped). */
  readonly backfilled: Promise<void>
  private resolveBackfilled!: () => void

  constructor(
    private readonly node: Pick<ApiNode, 'block' | 'chain' | 'events'>,
    options: ChainIndexOptions = {},
  ) {
    this.chunk = options.chunk ?? 256
    this.backfilled = new Promise((resolve) => {
      this.resolveBackfilled = resolve
    })
  }

  /** Listen to commits from now on, and index the blocks below in the background. */
  start(): void {
    // Both in one synchronous step: every block is either at or below `next` or a later event.
    this.next = this.node.chain().height
    this.liveTop = this.next
    this.node.events.on('commit', this.listener)
    this.backfill()
  }

  close(): void {
    this.closed = true
    this.node.events.off('commit', this.listener)
    this.resolveBackfilled()
  }

  /** Whether every committed block is indexed (a miss is then a real miss). */
  get complete(): boolean {
    return this.next === 0
  }

  /** Why the backfill stopped early, if it did. */
  get failed(): string | undefined {
    return this.failure
  }

  /** The height of the block that committed a topic epoch. */
  heightOfEpoch(topicId: string, epoch: number): number | undefined {
    return this.topics.get(topicId)?.heightOf(epoch)
  }

  /** The height of the block that holds a tx (by id, hex). */
  heightOfTx(id: string): number | undefined {
    return this.txs.get(id)
  }

  /** The latest epoch of a topic with a network inference, and its block. */
  latestInference(topicId: string): LatestInference | undefined {
    return this.latest.get(topicId)
  }

  private onCommit(c: CommitEvent): void {
    if (c.height <= this.liveTop) return
    this.liveTop = c.height
    this.indexBlock(c.height, c.block, true)
  }

  private backfill(): void {
    if (this.closed) return
    try {
      const stop = Math.max(0, this.next - this.chunk)
      for (; this.next > stop; this.next--) {
        const stored = this.node.block(this.next)
        if (stored === undefined) throw new Error(`the store has no block ${this.next}`)
        this.indexBlock(this.next, decodeBlock(stored.bytes), false)
      }
    } catch (err) {
      this.failure = (err as Error).message
      return this.resolveBackfilled()
    }
    if (this.next === 0) return this.resolveBackfilled()
    setImmediate(() => this.backfill())
  }

  private indexBlock(height: number, block: Block, live: boolean): void {
    const runs = new Map<string, { first: number; last: number; output: number }>()
    for (const e of block.topicEpochs) {
      const run = runs.get(e.topicId) ?? { first: e.epoch, last: e.epoch, output: -1 }
      run.first = Math.min(run.first, e.epoch)
      run.last = Math.max(run.last, e.epoch)
      if (e.output !== null) run.output = Math.max(run.output, e.epoch)
      runs.set(e.topicId, run)
    }
    for (const [topicId, { first, last, output }] of runs) {
      let topic = this.topics.get(topicId)
      if (topic === undefined) this.topics.set(topicId, (topic = new TopicRuns()))
      if (live) topic.addLive({ height, first, last })
      else topic.addOld({ height, first, last })
      // Live blocks are newer than anything indexed; the backfill only fills what is unknown.
      if (output >= 0 && (live || !this.latest.has(topicId))) this.latest.set(topicId, { epoch: output, height })
    }
    for (const tx of block.txs) this.txs.set(toHex(messageId(tx)), height)
  }
}
