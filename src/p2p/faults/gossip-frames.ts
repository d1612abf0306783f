/**
 * Loss, duplication and reordering of whole gossip frames. A gossipsub stream is a sequence
 * of length-prefixed RPCs (messages and control); faults applied to raw bytes would break
 * the encrypted connection, so they act here, on the frames this node writes to its
 * outbound gossipsub stream of a peer. A dropped frame is never received: gossipsub's own
 * recovery (IHAVE/IWANT) and the node's sync have to make up for it.
 */
import * as lp from 'it-length-prefixed'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { Counters } from '../../util/counters.js'
import type { PeerLink } from './link.js'
import type { FaultStatKey } from './stats.js'

type Chunk = Uint8Array | Uint8ArrayList

/** Protocols whose outbound streams carry gossip frames. */
export function isGossipProtocol(protocol: string | undefined): boolean {
  return protocol !== undefined && (protocol.startsWith('/meshsub/') || protocol.startsWith('/floodsub/'))
}

/**
 * A frame held back for reordering goes out after the next frame, or alone after this long
 * when no frame follows (an idle link must not keep it for ever).
 */
export const REORDER_HOLD_MS = 50

/** Our own frames are re-framed, not checked: the limit only bounds a runaway length. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024

/**
 * Whether an RPC carries subscription changes (field 1 of gossipsub's RPC message). Gossipsub
 * announces subscriptions once per stream and never repeats them; losing one would cut the
 * link for a topic for good, which no network does to a TCP stream, so such frames are never
 * dropped. Anything that does not parse counts as carrying them.
 */
export function carriesSubscriptions(rpc: Uint8Array): boolean {
  let at = 0
  const varint = (): number | undefined => {
    let value = 0
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= rpc.length) return undefined
      const byte = rpc[at++]
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return value
    }
    return undefined
  }
  while (at < rpc.length) {
    const key = varint()
    if (key === undefined) return true
    const field = Math.floor(key / 8)
    if (field === 1) return true
    switch (key % 8) {
      case 0:
        if (varint() === undefined) return true
        break
      case 1:
        at += 8
        break
      case 2: {
        const length = varint()
        if (length === undefined) return true
        at += length
        break
      }
      case 5:
        at += 4
        break
      default:
        return true
    }
    if (at > rpc.length) return true
  }
  return false
}

async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** The frames of `source` as they leave this node on `link`. */
export async function* faultyFrames(
  source: AsyncIterable<Chunk>,
  link: PeerLink,
  counters: Counters<FaultStatKey>,
): AsyncGenerator<Chunk> {
  const frames = lp.decode(source, { maxDataLength: MAX_FRAME_BYTES })[Symbol.asyncIterator]()
  // The next frame is read ahead while this one is out, so a frame held back can be released
  // by a timer; the read's failure is caught here and seen when it is awaited.
  const readNext = (): Promise<IteratorResult<Uint8ArrayList>> => {
    const read = frames.next()
    read.catch(() => {})
    return read
  }
  let held: Chunk | undefined
  let next = readNext()
  try {
    for (;;) {
      let result: IteratorResult<Uint8ArrayList>
      if (held === undefined) {
        result = await next
      } else {
        const raced = await raceTimeout(next, REORDER_HOLD_MS)
        if (raced === undefined) {
          yield held
          held = undefined
          continue
        }
        result = raced
      }
      if (result.done === true) break
      next = readNext()
      const payload = result.value
      const fate = link.nextFrameFate()
      counters.inc('framesSeen')
      if (fate.drop) {
        if (!carriesSubscriptions(payload.subarray())) {
          counters.inc('framesDropped')
          continue
        }
        counters.inc('framesSpared')
      }
      const frame = lp.encode.single(payload)
      if (fate.duplicate) {
        counters.inc('framesDuplicated')
        yield frame
      }
      if (fate.reorder && held === undefined) {
        held = frame
        continue
      }
      yield frame
      if (held !== undefined) {
        counters.inc('framesReordered')
        yield held
        held = undefined
      }
    }
    if (held !== undefined) yield held
  } finally {
    // Not awaited: it waits for the read in flight, which ends only when the source does.
    void frames.return?.().catch(() => {})
  }
}
