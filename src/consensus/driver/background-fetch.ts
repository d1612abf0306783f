/**
 * Fetching the messages a block names without holding up the consensus queue: a slow or
 * silent peer must not delay votes and timeouts. One fetch per key at a time; its result is
 * handed back into the queue only if it still matters then.
 */
import type { Block } from '../chain/block.js'
import type { MessagePool } from '../pool/message-pool.js'
import type { ChainSync } from '../sync/chain-sync.js'

export interface BackgroundFetchHost {
  stopped(): boolean
  enqueue(task: () => Promise<void> | void): void
  /** Counted once per fetch started. */
  counted(): void
  committee(): readonly string[]
}

export class BackgroundFetch {
  private readonly fetching = new Set<string>()

  constructor(
    private readonly host: BackgroundFetchHost,
    private readonly sync: ChainSync,
    private readonly pool: MessagePool,
  ) {}

  /** Fetch what `block` names, then run `then(complete)` in the queue if `current()` still holds. */
  run(key: string, block: Block, current: () => boolean, then: (complete: boolean) => Promise<void> | void): void {
    if (this.fetching.has(key)) return
    this.fetching.add(key)
    this.host.counted()
    void this.sync
      .fetchMissing(block, this.pool, undefined, this.host.committee())
      .catch(() => false)
      .then((complete) => {
        this.fetching.delete(key)
        if (!this.host.stopped() && current()) this.host.enqueue(() => (current() ? then(complete) : undefined))
      })
  }
}
