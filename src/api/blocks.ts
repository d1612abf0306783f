/**
 * Committed blocks as the API reads them from the node's store: bytes, hash, certificate
 * votes and the decoded block, with the most recently read ones kept decoded (every consumer
 * asking for the latest inference reads the same block).
 */
import { decodeBlock, type Block } from '../consensus/chain/block.js'
import { certificateVotes } from '../consensus/sync/chain-sync.js'
import { toHex } from '../wire/index.js'
import type { ApiNode } from './node.js'

export interface CommittedBlock {
  readonly height: number
  /** Hex of the block hash. */
  readonly hash: string
  readonly bytes: Uint8Array
  /** The precommit vote envelopes that commit it. */
  readonly certificate: readonly Uint8Array[]
  readonly block: Block
}

export class BlockReader {
  private readonly cache = new Map<number, CommittedBlock>()

  constructor(
    private readonly node: Pick<ApiNode, 'block'>,
    private readonly capacity = 16,
  ) {}

  /** The committed block at `height`, or undefined if the store has none. */
  read(height: number): CommittedBlock | undefined {
    const cached = this.cache.get(height)
    if (cached !== undefined) {
      // Most recently used last.
      this.cache.delete(height)
      this.cache.set(height, cached)
      return cached
    }
    const stored = this.node.block(height)
    if (stored === undefined) return undefined
    const read: CommittedBlock = {
      height: stored.height,
      hash: toHex(stored.hash),
      bytes: stored.bytes,
      certificate: certificateVotes(stored.certificate),
      block: decodeBlock(stored.bytes),
    }
    this.cache.set(height, read)
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as number)
    return read
  }
}

/**
 * The hand-offs a light client follows to the committee of `block`'s height (api/verify.ts):
 * every earlier block that handed the committee over, ascending, from the chain of
 * `prevHandoff` links. Throws if the store lacks one (a node keeps every committed block).
 */
export function handoffsBefore(reader: BlockReader, block: Block): CommittedBlock[] {
  const chain: CommittedBlock[] = []
  for (let height = block.prevHandoff; height > 0; ) {
    const read = reader.read(height)
    if (read === undefined) throw new Error(`the store lacks hand-off block ${height}`)
    chain.push(read)
    height = read.block.prevHandoff
  }
  return chain.reverse()
}
