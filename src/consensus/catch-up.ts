/**
 * How a coordinator catches up with the others without holding up its consensus queue: the
 * network part (asking members for a commit or for round messages, fetching the blocks and
 * messages a commit notice needs) runs outside the queue, and only the adoption, a local
 * check and re-execution, goes into it. A member that answers slowly, or never until the
 * sync timeout, so delays nothing else.
 */
import type { DeliveredMessage } from '../p2p/index.js'
import type { ChainState } from './chain.js'
import type { ChainSync, CommitNotice, Pulled } from './chain-sync.js'
import type { Timers } from '../roles/epoch-clock.js'

/** What catching up needs of the driver. */
export interface CatchUpHost {
  readonly self: string
  chain(): ChainState
  stopped(): boolean
  /** A height is being decided (nothing to pull between heights). */
  deciding(): boolean
  enqueue(task: () => Promise<void> | void): void
  deliver(message: DeliveredMessage): Promise<void>
  count(name: string): void
}

export class CatchUp {
  /** Height last seen committed by the stall check. */
  private checkedHeight = -1
  /** A stall pull is under way (outside the queue). */
  private pulling = false

  constructor(
    private readonly host: CatchUpHost,
    private readonly sync: ChainSync,
    private readonly timers: Timers,
    private readonly checkEveryMs: number,
  ) {}

  /**
   * Gossip delivers each message once; a member that was down or partitioned when votes went
   * out never gets them again. So when the chain has not moved for a while, ask the other
   * members for the current height's proposals and votes, and for any commit this node
   * missed: Tendermint's liveness needs every message to arrive eventually.
   */
  scheduleStallCheck(): void {
    if (this.host.stopped()) return
    this.timers.at(Date.now() + this.checkEveryMs, () =>
      this.host.enqueue(() => {
        if (this.host.chain().height === this.checkedHeight && this.host.deciding()) this.pullNow()
        this.checkedHeight = this.host.chain().height
        this.scheduleStallCheck()
      }),
    )
  }

  /**
   * A member committed a block this node has not: adopt it, with the blocks before it it
   * lacks. The certificate is checked here (in the queue, one signature check for a bogus
   * notice); what must be fetched is fetched outside, and the adoption comes back into it.
   */
  onCommitNotice(notice: CommitNotice, signer: string): void {
    const chain = this.host.chain()
    if (!this.sync.worthAdopting(notice, chain)) return
    void this.sync.gap(notice, signer, chain).then((notices) => {
      if (notices !== undefined && !this.host.stopped()) this.host.enqueue(() => this.sync.adoptAll(notices, this.host.chain()))
    })
  }

  /** Ask every other member at once for the next height's commit or its proposals and votes. */
  pullNow(): void {
    if (this.pulling) return
    this.pulling = true
    this.host.count('stall-pull')
    const chain = this.host.chain()
    const asked = chain.committee.ids.filter((m) => m !== this.host.self)
    void Promise.allSettled(
      asked.map(async (member) => {
        const pulled = await this.sync.pull(member, chain.height + 1, chain)
        if (pulled !== undefined && !this.host.stopped()) this.host.enqueue(() => this.apply(pulled))
      }),
    ).finally(() => (this.pulling = false))
  }

  private async apply(pulled: Pulled): Promise<void> {
    if (pulled.kind === 'commits') return this.sync.adoptAll(pulled.notices, this.host.chain())
    for (const m of pulled.messages) await this.host.deliver(m)
  }
}
