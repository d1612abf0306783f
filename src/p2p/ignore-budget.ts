/**
 * The ignore budget of each relaying peer. Gossipsub lowers a peer's score for every message
 * the validator rejects and for none it ignores: an ignored message is not provably the
 * sender's fault (it arrived just after its window, its signer registered in a block this node
 * has not adopted). So a peer relaying ignored messages at a high rate (forged stale-epoch
 * messages, txs of accounts no ledger holds) would cost a decode each and never lose score.
 *
 * Each peer gets a token bucket: `burst` ignored messages at once, refilled at `ratePerSecond`.
 * Honest peers stay far inside it (see NODE_DEFAULTS); every ignored message beyond it adds
 * `penalty` to the peer's gossipsub behaviour penalty, which graylists it within a few
 * messages (gossipsub then drops its RPCs unread) and prunes it from every mesh; a peer that
 * goes on past `disconnectAfter` such messages is disconnected, and disconnected again at its
 * first such message if it comes back while its bucket is held.
 */
import { Counters } from '../util/counters.js'
import { type Clock, systemClock } from '../util/timers.js'
import { NODE_DEFAULTS, type IgnoreBudgetOptions } from './options.js'
import type { ValidationCode } from './validation.js'

/** What the budget does to a peer beyond it; the node wires these to gossipsub and libp2p. */
export interface IgnoreSanctions {
  /** Add `amount` to the peer's gossipsub behaviour penalty. */
  penalize(peer: string, amount: number): void
  /** Close every connection to the peer. */
  disconnect(peer: string): void
}

/** `over-budget`: ignored messages beyond a budget; `disconnected`: peers cut off for it. */
export type IgnoreBudgetCounterKey = 'over-budget' | 'disconnected'

interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date. */
  atMs: number
  /** Ignored messages beyond the budget since the bucket was last full (kept once disconnected). */
  excess: number
  /** When the peer was last disconnected for its excess. */
  cutAtMs: number | undefined
}

/**
 * A connection being closed still delivers the messages it had read, each beyond the budget:
 * one disconnect a second per peer is enough.
 */
const RECUT_MS = 1000

/** The settled options, every one checked. */
export interface IgnoreBudgetSettings {
  readonly ratePerSecond: number
  readonly burst: number
  readonly penalty: number
  readonly disconnectAfter: number
  readonly maxPeers: number
}

/** The options with their defaults; a clear error for a value that makes no budget. */
export function ignoreBudgetSettings(options: IgnoreBudgetOptions = {}): IgnoreBudgetSettings {
  const settings = {
    ratePerSecond: options.ratePerSecond ?? NODE_DEFAULTS.ignoreRatePerSecond,
    burst: options.burst ?? NODE_DEFAULTS.ignoreBurst,
    penalty: options.penalty ?? NODE_DEFAULTS.ignorePenalty,
    disconnectAfter: options.disconnectAfter ?? NODE_DEFAULTS.ignoreDisconnectAfter,
    maxPeers: options.maxPeers ?? NODE_DEFAULTS.ignoreMaxPeers,
  }
  const must = (name: keyof IgnoreBudgetSettings, ok: boolean, what: string): void => {
    if (!ok) throw new RangeError(`ignoreBudget.${name} must be ${what}, got ${settings[name]}`)
  }
  const { ratePerSecond, burst, penalty, disconnectAfter, maxPeers } = settings
  must('ratePerSecond', Number.isFinite(ratePerSecond) && ratePerSecond > 0, 'a finite number > 0')
  must('burst', Number.isFinite(burst) && burst >= 1, 'a finite number >= 1')
  must('penalty', Number.isFinite(penalty) && penalty >= 0, 'a finite number >= 0')
  must('disconnectAfter', Number.isSafeInteger(disconnectAfter) && disconnectAfter >= 0, 'an integer >= 0 (0: never)')
  must('maxPeers', Number.isSafeInteger(maxPeers) && maxPeers >= 1, 'an integer >= 1')
  return settings
}

export class IgnoreBudget {
  readonly counters = new Counters<IgnoreBudgetCounterKey>()
  readonly settings: IgnoreBudgetSettings
  /** Buckets by peer id, least recently charged first. */
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    private readonly sanctions: IgnoreSanctions,
    options: IgnoreBudgetOptions = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.settings = ignoreBudgetSettings(options)
  }

  /**
   * Count one message relayed by `peer` that the validator ignored with `code`, and sanction
   * the peer if it is beyond its budget. `internal-error` is our own failure, never charged.
   */
  charge(peer: string, code: ValidationCode): void {
    if (code === 'internal-error') return
    const bucket = this.refreshed(peer)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return
    }
    bucket.excess++
    this.counters.inc('over-budget')
    if (this.settings.penalty > 0) this.sanctions.penalize(peer, this.settings.penalty)
    const { disconnectAfter } = this.settings
    if (disconnectAfter === 0 || bucket.excess < disconnectAfter) return
    if (bucket.cutAtMs !== undefined && bucket.atMs - bucket.cutAtMs < RECUT_MS) return
    bucket.cutAtMs = bucket.atMs
    this.counters.inc('disconnected')
    this.sanctions.disconnect(peer)
  }

  /**
   * Ignored messages `peer` relayed beyond its budget: since the budget was last full, or, for
   * a peer disconnected for them, since its budget was first held.
   */
  excessOf(peer: string): number {
    const bucket = this.buckets.get(peer)
    if (bucket === undefined) return 0
    return this.refill(bucket) && bucket.cutAtMs === undefined ? 0 : bucket.excess
  }

  /** Peers whose budget is held (at most `maxPeers`). */
  get trackedPeers(): number {
    return this.buckets.size
  }

  /** The peer's bucket, refilled up to now and moved to the most recently used end. */
  private refreshed(peer: string): Bucket {
    let bucket = this.buckets.get(peer)
    if (bucket === undefined) {
      bucket = { tokens: this.settings.burst, atMs: this.clock(), excess: 0, cutAtMs: undefined }
      // The peer forgotten is the one charged least recently: all it loses is the record of a
      // disconnect, if it had one.
      if (this.buckets.size >= this.settings.maxPeers) this.buckets.delete(this.buckets.keys().next().value as string)
    } else {
      this.buckets.delete(peer)
      // A full bucket forgives the excess, unless the peer was disconnected for it: a flooder
      // that comes back gets its budget again, and no more.
      if (this.refill(bucket) && bucket.cutAtMs === undefined) bucket.excess = 0
    }
    this.buckets.set(peer, bucket)
    return bucket
  }

  /** Bring the bucket's tokens up to now; true if it is full (the peer stayed within budget). */
  private refill(bucket: Bucket): boolean {
    const now = this.clock()
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsedMs = Math.max(0, now - bucket.atMs)
    bucket.tokens = Math.min(this.settings.burst, bucket.tokens + (elapsedMs * this.settings.ratePerSecond) / 1000)
    bucket.atMs = Math.max(bucket.atMs, now)
    return bucket.tokens >= this.settings.burst
  }
}
