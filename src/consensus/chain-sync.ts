/**
 * Getting a coordinator's chain up to date: serve committed blocks and their messages over
 * the sync protocol, replay the local store after a restart, and adopt blocks others
 * committed (from a commit notice, fetching what is missing), each checked by its
 * certificate and by re-execution.
 */
import { decodeCanonical, Ed25519Verifier, messageId, peerIdOfParticipant, readEnvelope, toHex, verifyEnvelopeBytes, type ChorusNode, type DeliveredMessage, type Envelope } from '../p2p/index.js'
import type { TopicConfig } from '../roles/topic.js'
import { decodeBlock, type Block } from './block.js'
import { genesisChainState, recompute, type ChainState } from './chain.js'
import { readCommitNotice } from './commit-notice.js'
import { ledgerEpochAt, type Genesis } from './ledger/index.js'
import type { MessagePool } from './message-pool.js'
import type { ChainStore } from './store.js'

const MAX_BLOCKS_PER_REQUEST = 64

export type Adopt = (next: ChainState, bytes: Uint8Array, certificate: readonly Uint8Array[]) => Promise<void>

/** Vote envelopes of a stored certificate. */
export function certificateVotes(bytes: Uint8Array): Uint8Array[] {
  const list = decodeCanonical(bytes)
  return Array.isArray(list) ? list.filter((b): b is Uint8Array => b instanceof Uint8Array) : []
}

function signerOf(voteBytes: Uint8Array): string | undefined {
  try {
    return toHex(readEnvelope(voteBytes).envelope.signer)
  } catch {
    return undefined
  }
}

/** Rebuild the chain state by re-executing every stored block with its stored messages. */
export function restoreChain(store: ChainStore, genesis: Genesis, topics: readonly TopicConfig[]): ChainState {
  const verifier = new Ed25519Verifier()
  let chain = genesisChainState(genesis, topics)
  const latest = store.latestHeight()
  for (let h = 1; h <= latest; h++) {
    const stored = store.block(h)
    if (stored === undefined) throw new Error(`store has no block ${h} below its latest ${latest}`)
    const block = decodeBlock(stored.bytes)
    const lookup = (id: string): Envelope | undefined => {
      const bytes = store.message(id)
      const read = bytes === undefined ? undefined : verifyEnvelopeBytes(bytes, genesis.chainId, verifier)
      return read?.ok === true ? read.envelope : undefined
    }
    const next = recompute(chain, block, lookup, (t) => ledgerEpochAt(genesis, t))
    if (next.hash !== toHex(stored.hash)) throw new Error(`stored block ${h} does not re-execute to its hash`)
    chain = { ...next, lastCommit: certificateVotes(stored.certificate) }
  }
  return chain
}

export class ChainSync {
  private readonly verifier = new Ed25519Verifier()

  constructor(
    private readonly node: ChorusNode,
    private readonly store: ChainStore,
    private readonly genesis: Genesis,
    private readonly pool: MessagePool,
    private readonly adopt: Adopt,
  ) {}

  start(): void {
    this.node.sync.provide('blocks', (query) => {
      const q = query as { from?: unknown; count?: unknown }
      const from = Number(q.from)
      const count = Math.min(Number(q.count), MAX_BLOCKS_PER_REQUEST)
      if (!Number.isSafeInteger(from) || from < 1 || !Number.isSafeInteger(count) || count < 1) throw new Error('query must be {from >= 1, count >= 1}')
      const items: (Uint8Array | null)[] = []
      for (let h = from; h < from + count; h++) {
        const b = this.store.block(h)
        if (b === undefined) break
        items.push(b.bytes, b.certificate)
      }
      return items
    })
    this.node.sync.provide('chain-messages', (query) => {
      if (!Array.isArray(query) || query.length > 4096) throw new Error('query must be a list of at most 4096 ids')
      return query.map((id) => (typeof id === 'string' ? (this.pool.bytes(id) ?? this.store.message(id) ?? null) : null))
    })
  }

  voterOf(voteBytes: Uint8Array): string | undefined {
    return signerOf(voteBytes)
  }

  /** Blocks are carried by proposals; without one there is nobody known to ask. */
  async fetchCandidate(_hash: string): Promise<undefined> {
    return undefined
  }

  /**
   * Fetch the messages a block names that the pool lacks: from `from`, the proposer, then the
   * other committee members. True when none is missing any more.
   */
  async fetchMissing(block: Block, pool: MessagePool, from?: string, committee: readonly string[] = []): Promise<boolean> {
    const missing = missingMessages(block, pool)
    if (missing.length === 0) return true
    const peers = [...new Set([...(from !== undefined ? [from] : []), block.proposer, ...committee])]
    for (const participant of peers) {
      if (participant === this.node.participantId) continue
      let items: (Uint8Array | null)[]
      try {
        items = await this.node.sync.request(peerIdOfParticipant(participant), 'chain-messages', missing)
      } catch {
        continue
      }
      items.forEach((bytes, i) => {
        // The id is the hash of the bytes: a peer cannot hand over another message under it.
        if (bytes === null || toHex(messageId(bytes)) !== missing[i]) return
        const read = verifyEnvelopeBytes(bytes, this.genesis.chainId, this.verifier)
        if (read.ok) pool.addReferenced(missing[i], read.envelope, bytes)
      })
      if (missing.every((id) => pool.get(id) !== undefined)) return true
    }
    return false
  }

  /** Ask every other member in turn for the next height's messages or commit. */
  async pullRound(self: string, chain: ChainState, deliver: (m: DeliveredMessage) => Promise<void>, stopped: () => boolean): Promise<void> {
    for (const member of chain.committee.ids) {
      if (member === self || stopped()) continue
      await this.pullFrom(member, chain.height + 1, chain, deliver)
    }
  }

  /**
   * Catch up with one member: adopt a block it committed at `height` (and before), else take
   * its proposals and votes for `height` as if they had just arrived by gossip.
   */
  async pullFrom(member: string, height: number, chain: ChainState, deliver: (m: DeliveredMessage) => Promise<void>): Promise<void> {
    const peer = peerIdOfParticipant(member)
    try {
      const [bytes, cert] = await this.node.sync.request(peer, 'blocks', { from: height, count: 1 })
      if (bytes instanceof Uint8Array && cert instanceof Uint8Array) {
        await this.adoptVerified({ height, block: bytes, certificate: certificateVotes(cert) }, member, chain)
        return
      }
      for (const raw of await this.node.sync.request(peer, 'round-messages', { height })) {
        if (raw === null) continue
        const read = verifyEnvelopeBytes(raw, chain.chainId, this.verifier)
        if (!read.ok || !chain.committee.has(toHex(read.envelope.signer))) continue
        await deliver({ envelope: read.envelope, id: messageId(raw), channel: '', bytes: raw })
      }
    } catch {
      // An unreachable member: the next check asks again.
    }
  }

  /** A member committed a block: adopt it (and any blocks before it) if this node is behind. */
  async onCommitNotice(envelope: Envelope<'commit'>, signer: string, chain: ChainState): Promise<void> {
    const notice = envelope.payload
    if (notice.height <= chain.height) return
    // Check the notice's own certificate before fetching anything for it: a bogus notice
    // costs one signature check, not a network round trip.
    if (!readCommitNotice(notice, chain.committee, chain.chainId, this.verifier).ok) return
    let current = chain
    if (notice.height > chain.height + 1) {
      // Fetch the gap from the announcer, oldest first.
      let items: (Uint8Array | null)[] = []
      try {
        items = await this.node.sync.request(peerIdOfParticipant(signer), 'blocks', { from: chain.height + 1, count: notice.height - chain.height - 1 })
      } catch {
        return
      }
      for (let i = 0; i + 1 < items.length; i += 2) {
        const [bytes, cert] = [items[i], items[i + 1]]
        if (bytes === null || cert === null) return
        const adopted = await this.adoptVerified({ height: current.height + 1, block: bytes, certificate: certificateVotes(cert) }, signer, current)
        if (adopted === undefined) return
        current = adopted
      }
      if (current.height !== notice.height - 1) return
    }
    await this.adoptVerified(notice, signer, current)
  }

  private async adoptVerified(notice: { height: number; block: Uint8Array; certificate: readonly Uint8Array[] }, signer: string, chain: ChainState): Promise<ChainState | undefined> {
    const read = readCommitNotice(notice, chain.committee, chain.chainId, this.verifier)
    if (!read.ok || read.block.height !== chain.height + 1) return undefined
    if (!(await this.fetchMissing(read.block, this.pool, signer, chain.committee.ids))) return undefined
    let next: ChainState
    try {
      next = recompute(chain, read.block, (id) => this.pool.get(id), (t) => ledgerEpochAt(this.genesis, t))
    } catch {
      return undefined
    }
    await this.adopt(next, notice.block, notice.certificate)
    return next
  }
}

/** Ids of every message `block` names (inferences, forecasts, commitments, loss bundles). */
export function referencedMessages(block: Block): string[] {
  return block.topicEpochs.flatMap((e) => [...e.inferenceIds, ...e.forecastIds, ...e.commitIds, ...e.settlements.flatMap((s) => s.lossBundleIds)])
}

/** Ids of the messages `block` names that `pool` does not hold. */
export function missingMessages(block: Block, pool: MessagePool): string[] {
  return referencedMessages(block).filter((id) => pool.get(id) === undefined)
}
