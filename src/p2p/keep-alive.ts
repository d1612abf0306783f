/**
 * Peers a node must stay connected to (its bootstrap peers: the committee it joined through).
 * libp2p re-dials a peer tagged keep-alive when its connection drops, a few times with
 * backoff, and then drops the tag for good; a network that runs for days outlives that (a
 * coordinator down for a minute, a long partition). So once libp2p gives up, this keeps
 * dialling the peer at its last known address, at a fixed interval, until it answers or the
 * node stops; the dial that succeeds tags it again.
 */
export class KeepAlivePeers {
  /** The address each keep-alive peer was first reached at, by libp2p peer id. */
  private readonly addresses = new Map<string, string>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private stopped = false

  constructor(
    private readonly dial: (address: string) => Promise<void>,
    private readonly retryMs: number,
  ) {}

  remember(peerId: string, address: string): void {
    this.addresses.set(peerId, address)
  }

  /** libp2p stopped re-dialling `peerId`: go on at `retryMs` until it is back. */
  gaveUp(peerId: string): void {
    const address = this.addresses.get(peerId)
    if (address !== undefined) this.dialUntilUp(address)
  }

  /** Dial `address` every `retryMs` until a dial succeeds (a peer never reached yet, too). */
  dialUntilUp(address: string): void {
    if (this.stopped) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.stopped) return
      this.dial(address).catch(() => this.dialUntilUp(address))
    }, this.retryMs)
    timer.unref()
    this.timers.add(timer)
  }

  stop(): void {
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }
}
