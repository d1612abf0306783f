/**
 * The ignored flood, for tests and chaos runs: messages every honest node ignores rather than
 * rejects, sent at a high rate. Gossipsub lowers a peer's score only for rejected messages, so
 * each of these costs its receiver a decode and its sender nothing, but for the receiver's
 * ignore budget (src/p2p/ignore-budget.ts). Two kinds alternate: inferences of a stale epoch
 * signed by random keys with random signatures (turned down by the epoch window before the
 * signer or the signature is looked at), and transfers from accounts no ledger holds (turned
 * down by the tx admission before the signature).
 */
import { Prng } from '../roles/prng.js'
import { encodeEnvelope, globalChannel, toHex, topicChannel, type Envelope } from '../wire/index.js'

/** Publishes bytes as they are (a node's `publishRaw`). */
export type FloodPublisher = (channel: string, bytes: Uint8Array) => Promise<unknown>

export interface IgnoredFloodOptions {
  readonly chainId: string
  /**
   * A topic the receivers run: its epoch window turns the inferences down. (On a topic they do
   * not run, the random signers are checked for registration instead, and rejected.)
   */
  readonly topicId: string
  /** An epoch behind every receiver's window, such as 0 once the topic has run a few epochs. */
  readonly staleEpoch: number
  /** Seed of the forged keys, signatures, nonces and values. */
  readonly seed: string | number
}

export interface ForgedMessage {
  readonly channel: string
  readonly bytes: Uint8Array
}

/**
 * The forged messages, one at a time: a stale-epoch inference, then a transfer of an unknown
 * account, and so on. Every one is distinct (random signer, nonce and signature), so gossipsub
 * hands each to the validator rather than dropping it as already seen.
 */
export class IgnoredFloodForger {
  private readonly prng: Prng
  private readonly inferences: string
  private readonly txs = globalChannel('tx')
  private count = 0

  constructor(private readonly options: IgnoredFloodOptions) {
    if (!Number.isSafeInteger(options.staleEpoch) || options.staleEpoch < 0)
      throw new RangeError(`staleEpoch must be an integer >= 0, got ${options.staleEpoch}`)
    this.inferences = topicChannel(options.topicId, 'inferences') // throws on a bad topic id
    this.prng = new Prng('ignored-flood', options.seed)
  }

  /** Messages forged so far. */
  get forged(): number {
    return this.count
  }

  next(): ForgedMessage {
    const { chainId, topicId, staleEpoch } = this.options
    const forged = { nonce: this.bytes(8), signer: this.bytes(32), signature: this.bytes(64) }
    const stale = this.count++ % 2 === 0
    const envelope: Envelope = stale
      ? { type: 'inference', chainId, topicId, epoch: staleEpoch, payload: { value: this.prng.next() }, ...forged }
      : {
          type: 'tx',
          chainId,
          topicId: '',
          epoch: 0,
          payload: { kind: 'transfer', accountNonce: 0, body: { to: toHex(this.bytes(32)), amount: '1' } },
          ...forged,
        }
    return { channel: stale ? this.inferences : this.txs, bytes: encodeEnvelope(envelope) }
  }

  private bytes(length: number): Uint8Array {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i += 4) {
      const word = this.prng.nextUint32()
      for (let k = 0; k < 4 && i + k < length; k++) out[i + k] = (word >>> (8 * k)) & 0xff
    }
    return out
  }
}

export interface IgnoredFloodRun extends IgnoredFloodOptions {
  /** Messages a second. */
  readonly ratePerSecond: number
  /** Stop after this many. @default until `signal` aborts */
  readonly count?: number
  /** Stops the flood (the promise then resolves). */
  readonly signal?: AbortSignal
}

/** How often the flood sends what its rate owes: a slow event loop gets a burst, not a lower rate. */
const TICK_MS = 10

/**
 * Publish forged messages (IgnoredFloodForger) at `ratePerSecond` until `count` are sent or
 * `signal` aborts; resolves with the number published. A publish that throws (the node
 * stopped) ends the flood with that error.
 */
export async function ignoredFlood(publish: FloodPublisher, run: IgnoredFloodRun): Promise<number> {
  if (!(Number.isFinite(run.ratePerSecond) && run.ratePerSecond > 0))
    throw new RangeError(`ratePerSecond must be a finite number > 0, got ${run.ratePerSecond}`)
  if (run.count !== undefined && !(Number.isSafeInteger(run.count) && run.count >= 0))
    throw new RangeError(`count must be an integer >= 0, got ${run.count}`)
  const forger = new IgnoredFloodForger(run)
  const limit = run.count ?? Number.POSITIVE_INFINITY
  const aborted = (): boolean => run.signal?.aborted === true
  const start = performance.now()
  while (forger.forged < limit && !aborted()) {
    const owed = Math.min(limit, Math.floor(((performance.now() - start) * run.ratePerSecond) / 1000))
    while (forger.forged < owed && !aborted()) {
      const { channel, bytes } = forger.next()
      await publish(channel, bytes)
    }
    if (forger.forged < limit) await pause(TICK_MS, run.signal)
  }
  return forger.forged
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}
