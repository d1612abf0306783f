/**
 * Getting a coordinator's chain up to date: serve committed blocks and their messages over
 * the sync protocol, replay the local store after a restart, and adopt blocks others
 * committed (from a commit notice, fetching what is missing), each checked by its
 * certificate and by re-execution.
 */
import { decodeCanonical, Ed25519Verifier, messageId, readEnvelope, toHex, type Envelope } from '../../wire/index.js'
import { verifyEnvelopeBytes, type DeliveredMessage } from '../../p2p/index.js'
import type { ConsensusNetwork } from '../network.js'
import type { TopicConfig } from '../../topic/config.js'
import { decodeBlock, type Block } from '../chain/block.js'
import { genesisChainState, recompute, type ChainState } from '../chain/execution.js'
import { expectedCommittee } from '../chain/committees.js'
import { readCommitNotice } from '../chain/commit-notice.js'
import { ledgerEpochAt, type Genesis } from '../ledger/index.js'
import type { MessagePool } from '../pool/message-pool.js'
import { MAX_ROUND_MESSAGES } from '../pool/round-inputs.js'
import type { ChainStore } from '../store.js'

const MAX_BLOCKS_PER_REQUEST = 64
/**
 * Blocks a catching-up node asks one member for at a time: fewer than a member serves, so that
 * an answer of large blocks stays well under the sync frame limit.
 */
export const BLOCKS_PER_CATCH_UP_REQUEST = 16
/** Ids one `chain-messages` request may name (a block may name more: they go in slices). */
const MAX_IDS_PER_MESSAGE_REQUEST = 4096

export type Adopt = (next: ChainState, bytes: Uint8Array, certificate: readonly Uint8Array[]) => Promise<void>

/** A committed block as a commit notice carries it. */
export interface CommitNotice {
  readonly height: number
  readonly block: Uint8Array
  readonly certificate: readonly Uint8Array[]
}

/** What a member answered a pull with: blocks it committed, or its round messages. */
export type Pulled =
  | { readonly kind: 'commits'; readonly notices: readonly CommitNotice[] }
  | { readonly kind: 'messages'; readonly messages: readonly DeliveredMessage[] }

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
    private readonly network: ConsensusNetwork,
    private readonly store: ChainStore,
    private readonly genesis: Genesis,
    private readonly pool: MessagePool,
    private readonly adopt: Adopt,
    /** Hears how long each adopted block took to execute (for observation only). */
    private readonly onExecuted: (height: number, ms: number) => void = () => {},
  ) {}

  start(): void {
    this.network.provide('blocks', (query) => {
      const q = query as { from?: unknown; count?: unknown }
      const from = Number(q.from)
      const count = Math.min(Number(q.count), MAX_BLOCKS_PER_REQUEST)
      if (!Number.isSafeInteger(from) || from < 1 || !Number.isSafeInteger(count) || count < 1)
        throw new Error('query must be {from >= 1, count >= 1}')
      const items: (Uint8Array | null)[] = []
      let bytes = 0
      for (let h = from; h < from + count; h++) {
        const b = this.store.block(h)
        if (b === undefined) break
        // Within one frame: the asker continues from the last block it got.
        bytes += b.bytes.length + b.certificate.length
        if (items.length > 0 && bytes > this.network.answerBudget) break
        items.push(b.bytes, b.certificate)
      }
      return items
    })
    this.network.provide('chain-messages', (query) => {
      if (!Array.isArray(query) || query.length > MAX_IDS_PER_MESSAGE_REQUEST)
        throw new Error(`query must be a list of at most ${MAX_IDS_PER_MESSAGE_REQUEST} ids`)
      // Within one frame (loss bundles of a large topic are near 1 MiB each): null past the
      // budget, and the asker asks again for what it still lacks.
      let bytes = 0
      return query.map((id) => {
        const found = typeof id === 'string' ? (this.pool.bytes(id) ?? this.store.message(id) ?? null) : null
        if (found === null || (bytes > 0 && bytes + found.length > this.network.answerBudget)) return null
        bytes += found.length
        return found
      })
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
  async fetchMissing(
    block: Block,
    pool: MessagePool,
    from?: string,
    committee: readonly string[] = [],
  ): Promise<boolean> {
    const missing = missingMessages(block, pool)
    if (missing.length === 0) return true
    const peers = [...new Set([...(from !== undefined ? [from] : []), block.proposer, ...committee])]
    let wanted = missing
    for (const participant of peers) {
      if (participant === this.network.participantId) continue
      // Ask this peer again for the next slice of ids, or while its answers come back cut
      // short by the answer budget (a quarter of it at least): a peer handing over one small
      // message at a time must not hold the fetch for a request per message.
      for (;;) {
        const asked = wanted.slice(0, MAX_IDS_PER_MESSAGE_REQUEST)
        let items: (Uint8Array | null)[]
        try {
          items = await this.network.request(participant, 'chain-messages', asked)
        } catch {
          break
        }
        let got = 0
        items.forEach((bytes, i) => {
          // The id is the hash of the bytes: a peer cannot hand over another message under it.
          if (bytes === null || i >= asked.length || toHex(messageId(bytes)) !== asked[i]) return
          const read = verifyEnvelopeBytes(bytes, this.genesis.chainId, this.verifier)
          if (!read.ok) return
          pool.addReferenced(asked[i], read.envelope, bytes)
          got += bytes.length
        })
        const still = wanted.filter((id) => pool.get(id) === undefined)
        if (still.length === 0) return true
        const sliceDone = asked.every((id) => pool.get(id) !== undefined)
        const cutShort = still.length < wanted.length && got >= this.network.answerBudget / 4
        wanted = still
        if (!sliceDone && !cutShort) break
      }
    }
    return false
  }

  /**
   * What `member` holds for `height` (network only; nothing is adopted here): the block it
   * committed there, or else its proposals and votes for the height. The messages a fetched
   * block names are fetched into the pool too, so adopting it later needs no network.
   */
  async pull(member: string, height: number, chain: ChainState): Promise<Pulled | undefined> {
    try {
      const [bytes, cert] = await this.network.request(member, 'blocks', { from: height, count: 1 })
      if (bytes instanceof Uint8Array && cert instanceof Uint8Array) {
        const notice = { height, block: bytes, certificate: certificateVotes(cert) }
        return (await this.prefetch(notice, member, chain)) ? { kind: 'commits', notices: [notice] } : undefined
      }
      const messages: DeliveredMessage[] = []
      const seen = new Set<string>()
      // As many as an honest member sends (it answers with its newest); copies, other types
      // and outsiders' messages are dropped before their signature is checked.
      for (const raw of (await this.network.request(member, 'round-messages', { height })).slice(
        0,
        MAX_ROUND_MESSAGES,
      )) {
        if (raw === null) continue
        const id = messageId(raw)
        const signer = signerOf(raw)
        if (signer === undefined || !chain.committee.has(signer) || seen.has(toHex(id))) continue
        seen.add(toHex(id))
        const read = verifyEnvelopeBytes(raw, chain.chainId, this.verifier)
        if (!read.ok || (read.envelope.type !== 'proposal' && read.envelope.type !== 'vote')) continue
        messages.push({ envelope: read.envelope, id, channel: '', bytes: raw })
      }
      return { kind: 'messages', messages }
    } catch {
      // An unreachable member: the next check asks again.
      return undefined
    }
  }

  /** Whether a commit notice is for a height after `chain`'s and carries a valid certificate (no network). */
  worthAdopting(notice: CommitNotice, chain: ChainState): boolean {
    // Its own certificate first: a bogus notice costs one signature check, not a round trip.
    return (
      notice.height > chain.height &&
      readCommitNotice(notice, expectedCommittee(chain.ledger, notice.height), chain.chainId, this.verifier).ok
    )
  }

  /**
   * The next notices to adopt, oldest first, towards a member's commit notice from `chain`:
   * the next blocks in between (one request of at most BLOCKS_PER_CATCH_UP_REQUEST, from the
   * announcer), or the notice itself once nothing is in between, each with every message it
   * names fetched into the pool (network only; nothing is adopted here). Returns the prefix it
   * could complete, possibly empty; the caller adopts it and asks again from its new height,
   * so a node far behind never holds more than one chunk of blocks and their messages.
   */
  async gap(notice: CommitNotice, signer: string, chain: ChainState): Promise<CommitNotice[]> {
    const from = chain.height + 1
    if (from >= notice.height) return this.completed([notice], signer, chain)
    const count = Math.min(BLOCKS_PER_CATCH_UP_REQUEST, notice.height - from)
    const notices: CommitNotice[] = []
    try {
      const items = await this.network.request(signer, 'blocks', { from, count })
      for (let i = 0; i + 1 < items.length && i < 2 * count; i += 2) {
        const [bytes, cert] = [items[i], items[i + 1]]
        if (bytes === null || cert === null) break
        // A certificate that does not decode ends the chunk here (the member is Byzantine or broken).
        notices.push({ height: from + i / 2, block: bytes, certificate: certificateVotes(cert) })
      }
    } catch {
      // Unreachable, timed out or garbage: what was read so far stands.
    }
    return this.completed(notices, signer, chain)
  }

  /** The prefix of `notices` whose messages could all be fetched. */
  private async completed(notices: CommitNotice[], signer: string, chain: ChainState): Promise<CommitNotice[]> {
    for (let i = 0; i < notices.length; i++) {
      if (!(await this.prefetch(notices[i], signer, chain))) return notices.slice(0, i)
    }
    return notices
  }

  /**
   * Adopt `notices` in order on top of `chain`, each checked by its certificate and by
   * re-execution, without the network (what they name must be in the pool): for the
   * consensus queue. Stops at the first that does not follow (another path got there first).
   */
  async adoptAll(notices: readonly CommitNotice[], chain: ChainState, stopped: () => boolean): Promise<void> {
    let current = chain
    for (const n of notices) {
      if (stopped()) return
      if (n.height <= current.height) continue
      const adopted = await this.adoptVerified(n, current)
      if (adopted === undefined) return
      current = adopted
    }
  }

  /** Fetch what a notice's block names into the pool; false if the notice is unreadable or something stays missing. */
  private async prefetch(notice: CommitNotice, from: string, chain: ChainState): Promise<boolean> {
    const committee = expectedCommittee(chain.ledger, notice.height)
    const read = readCommitNotice(notice, committee, chain.chainId, this.verifier)
    return read.ok && (await this.fetchMissing(read.block, this.pool, from, committee.ids))
  }

  private async adoptVerified(notice: CommitNotice, chain: ChainState): Promise<ChainState | undefined> {
    const read = readCommitNotice(notice, chain.committee, chain.chainId, this.verifier)
    if (!read.ok || read.block.height !== chain.height + 1) return undefined
    // Fetched beforehand (pull, gap), outside the consensus queue.
    if (missingMessages(read.block, this.pool).length > 0) return undefined
    let next: ChainState
    const startedMs = performance.now()
    try {
      next = recompute(
        chain,
        read.block,
        (id) => this.pool.get(id),
        (t) => ledgerEpochAt(this.genesis, t),
      )
    } catch {
      return undefined
    }
    this.onExecuted(read.block.height, performance.now() - startedMs)
    await this.adopt(next, notice.block, notice.certificate)
    return next
  }
}

/** Ids of every message `block` names (inferences, forecasts, commitments, loss bundles). */
export function referencedMessages(block: Block): string[] {
  return block.topicEpochs.flatMap((e) => [
    ...e.inferenceIds,
    ...e.forecastIds,
    ...e.commitIds,
    ...e.settlements.flatMap((s) => s.lossBundleIds),
  ])
}

/** Ids of the messages `block` names that `pool` does not hold. */
export function missingMessages(block: Block, pool: MessagePool): string[] {
  return referencedMessages(block).filter((id) => pool.get(id) === undefined)
}
