/**
 * How a coordinator catches up with the others without holding up its consensus queue: the
 * network part (asking members for a commit or for round messages, fetching the blocks and
 * messages a commit notice needs) runs outside the queue, and only the adoption, a local
 * check and re-execution, goes into it. A member that answers slowly, or never until the
 * sync timeout, so delays nothing else.
 */
import type { DeliveredMessage } from '../../p2p/index.js'
import type { ChainState } from '../chain/execution.js'
import type { ChainSync, CommitNotice, Pulled } from './chain-sync.js'
import type { Scheduler } from '../../util/timers.js'

export type CatchUpCounter = 'catch-up-error' | 'stall-pull'

/** What catching up needs of the driver. */
export interface CatchUpHost {
  readonly self: string
  chain(): ChainState
  stopped(): boolean
  /** A height is being decided (nothing to pull between heights). */
  deciding(): boolean
  enqueue(task: () => Promise<void> | void): void
  deliver(message: DeliveredMessage): Promise<void>
  count(name: CatchUpCounter): void
}

export class CatchUp {
  /** Height last seen committed by the stall check, and for how many checks in a row. */
  private checkedHeight = -1
  private unchangedChecks = 0
  /** A stall pull is under way (outside the queue). */
  private pulling = false
  /** The highest commit notice to catch up to, the members that announced it, and those that failed it. */
  private target: { readonly notice: CommitNotice; readonly signers: string[]; readonly tried: Set<string> } | undefined
  /** Members whose last catch-up round brought this node nothing (asked last). */
  private readonly failed = new Set<string>()
  /** The member whose catch-up round last brought this node forward. */
  private lastServed: string | undefined
  /** A catch-up towards `target` is under way (outside the queue). */
  private catchingUp = false

  constructor(
    private readonly host: CatchUpHost,
    private readonly sync: ChainSync,
    private readonly timers: Scheduler,
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
    // Checked twice per period, so a height stalls at most 1.5 periods before the pull.
    this.timers.after(this.checkEveryMs / 2, () =>
      this.host.enqueue(() => {
        const height = this.host.chain().height
        this.unchangedChecks = height === this.checkedHeight && this.host.deciding() ? this.unchangedChecks + 1 : 0
        this.checkedHeight = height
        if (this.unchangedChecks >= 2) {
          this.unchangedChecks = 0
          this.pullNow()
        }
        this.scheduleStallCheck()
      }),
    )
  }

  /**
   * A member committed a block this node has not: adopt it, with the blocks before it it
   * lacks. The certificate is checked here (in the queue, one signature check for a bogus
   * notice); what must be fetched is fetched outside, and the adoption comes back into it.
   * One catch-up runs at a time, towards the highest notice seen: every member announces
   * every height, and a member may replay the genuine notices of every height this node
   * lacks, so a fetch per notice would multiply the requests by the heights behind.
   */
  onCommitNotice(notice: CommitNotice, signer: string): void {
    const chain = this.host.chain()
    const target = this.target
    if (notice.height <= chain.height || (target !== undefined && notice.height < target.notice.height)) return
    if (target !== undefined && notice.height === target.notice.height) {
      // Another member that holds the blocks up to the target: asked if the first cannot serve them.
      if (!target.signers.includes(signer)) target.signers.push(signer)
      return
    }
    if (!this.sync.worthAdopting(notice, chain)) return
    // The member that last brought this node forward likely holds these blocks too.
    const signers = this.lastServed === undefined || this.lastServed === signer ? [signer] : [signer, this.lastServed]
    this.target = { notice, signers, tried: new Set() }
    if (!this.catchingUp) this.catchUp().catch(() => this.host.count('catch-up-error'))
  }

  /**
   * Rounds of fetch-and-adopt towards the target until it is reached, replaced by a higher
   * one, or every member that announced it has failed to bring this node any further.
   */
  private async catchUp(): Promise<void> {
    this.catchingUp = true
    try {
      await this.rounds()
    } finally {
      // In the same turn as the loop's end, so a notice arriving next starts a new catch-up.
      this.catchingUp = false
    }
  }

  private async rounds(): Promise<void> {
    while (this.target !== undefined && !this.host.stopped()) {
      const target = this.target
      const before = this.host.chain().height
      if (target.notice.height <= before) {
        this.target = undefined
        continue
      }
      // Members that served this node last come first; those that failed it lately, last.
      const untried = target.signers.filter((s) => !target.tried.has(s))
      const signer = untried.find((s) => !this.failed.has(s)) ?? untried[0]
      if (signer === undefined) {
        this.target = undefined
        continue
      }
      let notices: CommitNotice[] = []
      try {
        notices = await this.sync.gap(target.notice, signer, this.host.chain())
      } catch {
        // Treated as a member that served nothing.
      }
      if (this.host.stopped()) return
      await new Promise<void>((resolve) =>
        this.host.enqueue(() =>
          this.sync.adoptAll(notices, this.host.chain(), () => this.host.stopped()).finally(resolve),
        ),
      )
      if (this.host.chain().height > before) {
        this.failed.delete(signer)
        this.lastServed = signer
      } else {
        // No progress from this member: the next one that announced the target, and this
        // member last for the next targets too.
        this.failed.add(signer)
        target.tried.add(signer)
      }
    }
  }

  /**
   * A member connected (again): if a height is being decided, ask it for the round's messages
   * and any commit this node missed, even while a stall pull is under way (that one may be
   * waiting on members still out of reach).
   */
  pullFromIfDeciding(member: string): void {
    if (this.host.deciding() && member !== this.host.self) void this.pullFrom(member)
  }

  /**
   * This node starts a height the others began a while ago (it restarted, or caught up): the
   * votes they sent went out before it listened, so ask every member for them now.
   */
  pullFromAll(): void {
    for (const member of this.host.chain().committee.ids) if (member !== this.host.self) void this.pullFrom(member)
  }

  /** Ask every other member for the next height's messages (one stall pull at a time). */
  pullNow(): void {
    if (this.pulling) return
    this.pulling = true
    this.host.count('stall-pull')
    const asked = this.host.chain().committee.ids.filter((m) => m !== this.host.self)
    void Promise.allSettled(asked.map((member) => this.pullFrom(member))).finally(() => (this.pulling = false))
  }

  /** Members being asked now: one request each at a time. */
  private readonly asking = new Set<string>()
  /** Members to ask once more when their current request ends (asked again meanwhile). */
  private readonly askAgain = new Set<string>()

  /**
   * Ask `member` for the next height, and go on while it answers with commits: a node that
   * comes back several heights behind while the others are stuck gets no commit notice, so
   * the member that holds the blocks brings it to the height being decided, then gives it
   * that height's messages.
   */
  private async pullFrom(member: string): Promise<void> {
    if (this.asking.has(member)) {
      this.askAgain.add(member)
      return
    }
    this.asking.add(member)
    try {
      for (;;) {
        this.askAgain.delete(member)
        const chain = this.host.chain()
        const pulled = await this.sync.pull(member, chain.height + 1, chain)
        if (this.host.stopped()) return
        if (pulled !== undefined)
          await new Promise<void>((resolve) =>
            this.host.enqueue(() => (this.host.stopped() ? Promise.resolve() : this.apply(pulled)).finally(resolve)),
          )
        const moved = this.host.chain().height > chain.height
        if (!moved && !this.askAgain.has(member)) return
      }
    } finally {
      this.asking.delete(member)
    }
  }

  private async apply(pulled: Pulled): Promise<void> {
    if (pulled.kind === 'commits')
      return this.sync.adoptAll(pulled.notices, this.host.chain(), () => this.host.stopped())
    for (const m of pulled.messages) await this.host.deliver(m)
  }
}
