/**
 * The consensus driver of one committee member: runs one `ConsensusMachine` per height and
 * performs its actions: builds and verifies blocks (`chain/execution.ts`), signs and gossips
 * proposals and votes, keeps timeouts, and on commit stores the block, its certificate and
 * its messages atomically, then announces the commit. Inputs are fed to the machine one at a
 * time, in arrival order; all I/O happens between transitions. Everything outside it comes
 * in through its options: the network, the store, the clock and the timers.
 */
import {
  Ed25519Verifier,
  encodeCanonical,
  fromHex,
  messageId,
  globalChannel,
  toHex,
  topicChannel,
  type Envelope,
  type UnsignedEnvelope,
} from '../../wire/index.js'
import type { DeliveredMessage } from '../../p2p/index.js'
import { epochClosesAt, type TopicRuntime } from '../../topic/windows.js'
import { EventEmitter } from 'node:events'
import { Counters } from '../../util/counters.js'
import { systemClock, Timers, type Clock, type Scheduler } from '../../util/timers.js'
import {
  ConsensusMachine,
  SelfEquivocationError,
  type Committee,
  type ConsensusAction,
  type ConsensusEvent,
  type Timeouts,
  type Vote,
} from '../bft/index.js'
import { blockHash, decodeBlock, type Block } from '../chain/block.js'
import { proposeBlock } from './block-draft.js'
import type { ChainState } from '../chain/execution.js'
import { CatchUp, type CatchUpHost } from '../sync/catch-up.js'
import { committeeMemberOfPeer } from '../committee-peers.js'
import { committeeOfHeight, upcomingMembers } from '../chain/committees.js'
import { withLatePrecommit } from './late-precommits.js'
import { ChainSync, referencedMessages } from '../sync/chain-sync.js'
import { usableEvidence } from '../chain/evidence-codec.js'
import { readCommitNotice } from '../chain/commit-notice.js'
import { ledgerEpochAt, type Genesis } from '../ledger/index.js'
import { MessagePool } from '../pool/message-pool.js'
import { RoundInputs } from '../pool/round-inputs.js'
import { CoordinatorAdmission } from '../pool/gossip-admission.js'
import type { DriverCounter, DriverEvents } from './events.js'
import { BackgroundFetch } from './background-fetch.js'
import { CommitNotices } from './commit-notices.js'
import { judgeCandidate, stateAfterCommit } from './verdict.js'
import { VoteSigner } from './vote-signer.js'
import { decodeWalEntry, encodeWalEntry } from './wal.js'

export type { CommitEvent, DriverCounter, DriverEvents, TxRejection } from './events.js'
import type { ConsensusNetwork } from '../network.js'
import type { ChainStore, StoredBlock } from '../store.js'

const VALIDATE_RETRY_MS = 200

function eventHeight(e: ConsensusEvent): number {
  return e.type === 'proposal'
    ? e.proposal.height
    : e.type === 'vote'
      ? e.vote.height
      : e.type === 'timeout'
        ? e.height
        : -1
}

export interface DriverOptions {
  readonly network: ConsensusNetwork
  readonly store: ChainStore
  readonly genesis: Genesis
  readonly topics: readonly TopicRuntime[]
  /** Chain state to start from (restored from the store by the caller). */
  readonly chain: ChainState
  readonly timeouts: Timeouts
  /** A voter prevotes nil on a fresh block whose stamp is further than this from its clock. */
  readonly maxClockSkewMs: number
  /** @default 4 */
  readonly maxFutureRounds?: number
  /** @default the system clock */
  readonly clock?: Clock
  /** Where timeouts and retries are scheduled. @default timers on `clock` */
  readonly timers?: Scheduler
}

export class ConsensusDriver {
  readonly events = new EventEmitter<DriverEvents>()
  readonly counters = new Counters<DriverCounter>()
  /** Why the last block this node judged was refused (for operators and tests). */
  lastRejection: string | undefined
  private chainState: ChainState
  private machine: ConsensusMachine | undefined
  /** A follower's next height, once its topic epochs have closed (it waits for the committee's commit). */
  private awaited: number | undefined
  private heightStartedAt = 0
  readonly pool = new MessagePool()
  /** The validator hooks of this coordinator (gossip-admission.ts). */
  readonly admission = new CoordinatorAdmission(() => this.chainState, this.pool)
  private readonly inputs: RoundInputs
  private readonly nextHeightEvents: ConsensusEvent[] = []
  private readonly clock: Clock
  private readonly timers: Scheduler
  private readonly sync: ChainSync
  private readonly catchUp: CatchUp
  private readonly signer: VoteSigner
  private readonly verifier = new Ed25519Verifier()
  private stopped = false
  /** Inputs wait here while an action (building, verifying, storing) is under way. */
  private queue: Promise<void> = Promise.resolve()
  private readonly fetch: BackgroundFetch
  private readonly notices: CommitNotices
  /** Topics whose channels this member pools (genesis topics, then those created by transaction). */
  private readonly pooledTopics = new Set<string>()
  /** Whether this node decides one of the next COMMITTEE_LAG heights: it pools what blocks are made of. */
  private pooling = false

  constructor(private readonly o: DriverOptions) {
    this.chainState = o.chain
    this.clock = o.clock ?? systemClock
    this.timers = o.timers ?? new Timers(this.clock)
    this.inputs = new RoundInputs(this.clock)
    this.signer = new VoteSigner(o.network, o.chain.chainId, o.store)
    this.sync = new ChainSync(
      o.network,
      o.store,
      o.genesis,
      this.pool,
      (next, bytes, certificate) => this.adoptCommitted(next, bytes, certificate),
      (height, ms) => this.events.emit('block-executed', { height, ms, as: 'follower' }),
    )
    const host: CatchUpHost = {
      self: o.network.participantId,
      chain: () => this.chainState,
      stopped: () => this.stopped,
      deciding: () => this.machine !== undefined || this.awaited === this.chainState.height + 1,
      enqueue: (task) => this.enqueue(task),
      deliver: (m) => this.onConsensus(m),
      count: (name) => this.count(name),
    }
    this.fetch = new BackgroundFetch(
      {
        stopped: () => this.stopped,
        enqueue: (task) => this.enqueue(task),
        counted: () => this.count('messages-fetch'),
        committee: () => this.chainState.committee.ids,
      },
      this.sync,
      this.pool,
    )
    this.notices = new CommitNotices({
      timers: this.timers,
      backupMs: o.timeouts.propose,
      certified: (notice) => {
        const committee = this.committeeAt(notice.height)
        if (committee === undefined) return undefined
        const read = readCommitNotice(notice, committee, this.chainState.chainId, this.verifier)
        return read.ok ? toHex(blockHash(notice.block)) : undefined
      },
      enqueue: (task) => this.enqueue(task),
    })
    this.catchUp = new CatchUp(
      host,
      this.sync,
      this.timers,
      o.timeouts.propose + o.timeouts.prevote + o.timeouts.precommit,
    )
  }

  get chain(): ChainState {
    return this.chainState
  }

  /** A committed block from this node's store. */
  blockAt(height: number): Block | undefined {
    const stored = this.o.store.block(height)
    return stored === undefined ? undefined : decodeBlock(stored.bytes)
  }

  /** A committed block as stored: its bytes, hash and certificate (the canonical CBOR list of its precommits). */
  storedBlock(height: number): StoredBlock | undefined {
    return this.o.store.block(height)
  }

  /** Whether this node votes in the current committee (otherwise it follows the chain). */
  isMember(): boolean {
    return this.chainState.committee.has(this.self)
  }

  private get self(): string {
    return this.o.network.participantId
  }

  private count(name: DriverCounter): void {
    this.counters.inc(name)
  }

  private ledgerEpoch = (timeMs: number): number => ledgerEpochAt(this.o.genesis, timeMs)

  /** The committee of a height, as the committed ledger schedules it. */
  private committeeAt = (height: number): Committee | undefined => committeeOfHeight(this.chainState.ledger, height)

  start(): void {
    const network = this.o.network
    // A follower only relays transactions: a joiner's reach the members through whichever node it knows.
    network.subscribe(globalChannel('tx'), (m) => {
      if (this.pooling) this.pooled(m)
    })
    network.subscribe(globalChannel('commits'), (m) => this.enqueue(() => this.onConsensus(m)))
    this.followCommittee()
    // Committee members may use the sync slots kept back for priority peers, so a few hostile
    // peers holding the ordinary ones cannot stop a member from catching up.
    network.prioritize(() => this.chainState.committee)
    this.sync.start()
    network.provide('round-messages', (query) => {
      const height = Number((query as { height?: unknown }).height)
      if (height !== this.chainState.height + 1) return []
      return this.inputs.envelopesOf(height)
    })
    this.scheduleHeight()
    this.catchUp.scheduleStallCheck()
    // A member that comes back (a healed partition, a restart) holds the round's messages this
    // node missed while they were apart, and gossip never sends them again: ask at once rather
    // than at the next stall check.
    const memberOf = committeeMemberOfPeer(() => this.chainState.committee)
    network.onPeerConnected?.((peer) => {
      const member = memberOf(peer)
      if (member !== undefined) this.enqueue(() => this.catchUp.pullFromIfDeciding(member))
    })
  }

  stop(): void {
    this.stopped = true
    this.timers.clear()
  }

  /**
   * A member pools what blocks are made of; a follower fetches what a committed block names.
   * A node elected for one of the next heights starts pooling now, so it holds the epoch's
   * messages when it first proposes; one that left the committee stops.
   */
  private followCommittee(): void {
    // The upcoming members include the next height's, so a member always pools.
    const pooling = upcomingMembers(this.chainState.ledger).has(this.self)
    // Proposals and votes reach the members only: a follower's share of them would be all
    // cost (it adopts the committed blocks on the commits channel).
    const network = this.o.network
    if (pooling && !this.pooling)
      network.subscribe(globalChannel('consensus'), (m) => this.enqueue(() => this.onConsensus(m)))
    if (!pooling && this.pooling) network.unsubscribe?.(globalChannel('consensus'))
    this.pooling = pooling
    if (!this.pooling) return
    for (const t of this.o.topics) this.poolTopic(t.config.id)
    for (const id of this.chainState.topics.keys()) this.poolTopic(id)
  }

  /** Pool a topic's inferences, forecasts and loss bundles (a member, once per topic). */
  private poolTopic(topicId: string): void {
    if (this.pooledTopics.has(topicId)) return
    this.pooledTopics.add(topicId)
    for (const kind of ['inferences', 'forecasts', 'losses'] as const)
      this.o.network.subscribe(topicChannel(topicId, kind), (m) => {
        if (this.pooling) this.pooled(m)
      })
  }

  private pooled({ envelope, id, bytes }: DeliveredMessage): void {
    if (envelope.type === 'proposal' || envelope.type === 'vote' || envelope.type === 'commit') return
    const holder = this.pool.add(toHex(id), envelope, bytes)
    const first = holder === undefined ? undefined : this.pool.bytes(holder)
    if (first === undefined) return
    // A worker or reputer sent two different messages for one slot: slashable evidence.
    const evidence = usableEvidence(first, bytes, this.chainState.chainId, this.committeeAt, this.verifier)
    if (typeof evidence === 'string') return this.count('evidence-unusable')
    this.o.store.addEvidence(blockHash(evidence), evidence)
    this.count('evidence')
  }

  /** Serialise inputs: one transition (and its I/O) at a time, in arrival order. */
  private enqueue(task: () => Promise<void> | void): void {
    this.queue = this.queue.then(task).catch((err: unknown) => {
      this.count('internal-error')
      this.events.emit('internal-error', err)
    })
  }

  /** Start the next height once a topic epoch has closed beyond the chain's last one. */
  private scheduleHeight(): void {
    if (this.stopped) return
    const chain = this.chainState
    const times = [...chain.topics.values()].map((t) => epochClosesAt(t.schedule, t.config, t.lastEpoch + 1))
    const dueAt = Math.min(...times)
    this.timers.at(dueAt, () => this.enqueue(() => this.startHeight(chain.height + 1, dueAt)))
  }

  private startHeight(height: number, dueAt: number): void {
    if (this.stopped || height !== this.chainState.height + 1 || this.machine?.height === height) return
    // Not a member: adopt what the committee commits (commit notices, or a pull on a stall).
    if (!this.isMember()) {
      this.awaited = height
      return
    }
    this.machine = new ConsensusMachine({
      committee: this.chainState.committee,
      self: this.self,
      height,
      timeouts: this.o.timeouts,
      maxFutureRounds: this.o.maxFutureRounds ?? 4,
    })
    this.heightStartedAt = this.clock()
    // A restart inside this height: replay what the machine saw before, to the same state and
    // the same votes (re-sent votes are the same bytes, so peers drop them as duplicates).
    const logged = this.o.store.wal(height)
    for (const bytes of logged) {
      const entry = decodeWalEntry(bytes)
      if (entry.block !== undefined) this.inputs.rememberCandidate(height, entry.block)
      if (entry.envelope !== undefined && entry.event.type === 'vote')
        this.inputs.addVote(entry.event.vote, entry.envelope, true)
      this.feed(entry.event, false)
    }
    if (logged.length === 0) this.feed({ type: 'start' })
    // Only this height's early inputs; the next height's stay buffered.
    const early = this.nextHeightEvents.splice(0)
    for (const e of early) {
      if (eventHeight(e) === height) this.feed(e)
      else if (eventHeight(e) > height) this.nextHeightEvents.push(e)
    }
    // Started late (a restart, a catch-up), or just elected (as a follower it adopted the last
    // block after the members had moved on, and dropped what came for heights it could not
    // place yet): the others have been voting on this height since before this node listened,
    // and gossip never sends those votes again.
    const elected = !this.chainState.lastCommittee.has(this.self) && this.chainState.height > 0
    if (elected || this.clock() - dueAt > this.o.timeouts.propose) this.catchUp.pullFromAll()
  }

  private feed(event: ConsensusEvent, log = true): void {
    const machine = this.machine
    if (machine === undefined || this.stopped) return
    if (log) this.o.store.appendWal(machine.height, encodeWalEntry(event, this.inputs))
    let actions: ConsensusAction[]
    try {
      actions = machine.handle(event)
    } catch (err) {
      if (!(err instanceof SelfEquivocationError)) throw err
      this.count('self-equivocation-refused')
      return
    }
    for (const action of actions) this.enqueue(() => this.perform(action))
  }

  private async onConsensus({ envelope, bytes }: DeliveredMessage): Promise<void> {
    if (this.stopped) return
    const signer = toHex(envelope.signer)
    if (envelope.type === 'commit') {
      const notice = (envelope as Envelope<'commit'>).payload
      if (this.pooling) this.notices.heard(notice)
      return this.catchUp.onCommitNotice(notice, signer)
    }
    // Proposals and votes are the members' business; a follower adopts their commits. One
    // elected for the height after keeps them: they may come before the block that ends this
    // height reaches it as a follower.
    if (!this.pooling) return
    const extended = withLatePrecommit(this.chainState, envelope, bytes)
    if (extended !== undefined) {
      this.chainState = extended
      return
    }
    const next = this.chainState.height + 1
    const admitted = this.inputs.admit(
      envelope,
      bytes,
      signer,
      next,
      (this.machine?.state.round ?? 0) + (this.o.maxFutureRounds ?? 4),
      this.committeeAt,
    )
    if (admitted === undefined) return
    if (typeof admitted === 'string') return this.count(admitted)
    const { event, height } = admitted
    if (height === next && this.machine?.height === height) this.feed(event)
    else if (height === next || height === next + 1) this.nextHeightEvents.push(event)
    if (this.nextHeightEvents.length > 10_000) this.nextHeightEvents.splice(0, this.nextHeightEvents.length - 10_000)
  }

  private async perform(action: ConsensusAction): Promise<void> {
    if (this.stopped) return
    switch (action.type) {
      case 'scheduleTimeout':
        this.timers.after(action.ms, () =>
          this.enqueue(() =>
            this.feed({ type: 'timeout', height: action.height, round: action.round, step: action.step }),
          ),
        )
        return
      case 'requestBlock':
        return this.buildBlock(action.height, action.round)
      case 'broadcastProposal': {
        const c = this.inputs.candidates.get(action.proposal.blockHash)
        if (c === undefined) return this.count('proposal-without-block')
        const p = action.proposal
        await this.publish({
          type: 'proposal',
          chainId: this.chainState.chainId,
          topicId: '',
          epoch: p.height,
          nonce: new Uint8Array(0),
          payload: {
            height: p.height,
            round: p.round,
            polRound: p.polRound,
            blockHash: fromHex(p.blockHash),
            block: c.bytes,
          },
        })
        return
      }
      case 'broadcastVote':
        return this.castVote(action.vote)
      case 'validateBlock':
        // A block adopted meanwhile (catching up) ended the height this verdict was for.
        return this.machine?.height === action.height ? this.validate(action.blockHash) : undefined
      case 'commit':
        return this.commit(action.blockHash, action.certificate)
      case 'evidence': {
        const { a, b } = action.evidence
        const ea = this.inputs.vote(a)
        const eb = this.inputs.vote(b)
        if (ea === undefined || eb === undefined) return
        // Only evidence every voter will accept goes into the queue of what blocks carry.
        const bytes = usableEvidence(ea, eb, this.chainState.chainId, this.committeeAt, this.verifier)
        if (typeof bytes === 'string') return this.count('evidence-unusable')
        this.o.store.addEvidence(blockHash(bytes), bytes)
        return this.count('evidence')
      }
    }
  }

  private async publish(unsigned: UnsignedEnvelope): Promise<void> {
    await this.o.network.publish(this.o.network.sign(unsigned))
  }

  private async castVote(vote: Vote): Promise<void> {
    const bytes = await this.signer.cast(vote)
    if (bytes === undefined) return this.count('own-vote-conflict-refused')
    this.inputs.addVote(vote, bytes, true)
  }

  private buildBlock(height: number, round: number): void {
    const timeMs = Math.max(this.clock(), this.chainState.timeMs + 1)
    const evidence = this.o.store.pendingEvidence().map((e) => e.bytes)
    const startedMs = performance.now()
    const proposal = proposeBlock(
      this.chainState,
      this.pool,
      { height, timeMs, proposer: this.self, ledgerEpoch: this.ledgerEpoch(timeMs), evidence },
      this.ledgerEpoch,
    )
    for (const r of proposal.rejectedTxs) {
      this.count('tx-rejected')
      this.events.emit('tx-rejected', r)
    }
    this.events.emit('block-executed', { height, ms: performance.now() - startedMs, as: 'proposer' })
    this.pool.dropTxs(proposal.rejectedTxs.map((r) => r.id))
    for (const reason of proposal.refusals) {
      this.count('draft-retry')
      this.lastRejection = `own draft: ${reason}`
    }
    const { built } = proposal
    if (built === undefined) return this.count('draft-failed')
    this.inputs.addCandidate(built.hash, { height, bytes: built.bytes, block: built.block, next: built.next }, true)
    this.feed({ type: 'proposalValue', blockHash: built.hash, round })
  }

  private async validate(hash: string): Promise<void> {
    if (this.stopped) return
    const height = this.chainState.height + 1
    const c = this.inputs.candidates.get(hash) ?? (await this.sync.fetchCandidate(hash))
    if (c === undefined) {
      // Never a verdict for a local failure: ask again shortly, while the height is current.
      this.count('block-unavailable')
      this.retryValidate(hash, height)
      return
    }
    this.inputs.addCandidate(hash, c, true)
    const startedMs = performance.now()
    const judged = judgeCandidate(this.chainState, c, this.pool, {
      ledgerEpoch: this.ledgerEpoch,
      nowMs: this.clock(),
      maxClockSkewMs: this.o.maxClockSkewMs,
    })
    // Validated again once the messages are in (fetched outside the queue meanwhile).
    if (judged.kind === 'messages-missing') return this.fetchInBackground(hash, height, judged.block)
    this.events.emit('block-executed', { height, ms: performance.now() - startedMs, as: 'voter' })
    if (judged.valid) c.next = judged.next
    else {
      this.count(judged.counter)
      this.lastRejection = judged.reason
    }
    if (this.machine?.height === height)
      this.feed({ type: 'blockVerdict', blockHash: hash, valid: judged.valid, timely: judged.timely })
  }

  private retryValidate(hash: string, height: number): void {
    this.timers.after(VALIDATE_RETRY_MS, () =>
      this.enqueue(() => (this.machine?.height === height ? this.validate(hash) : undefined)),
    )
  }

  /** Validate a candidate again once its missing messages are in. */
  private fetchInBackground(hash: string, height: number, block: Block): void {
    this.fetch.run(
      `validate:${hash}`,
      block,
      () => this.machine?.height === height,
      (complete) => {
        if (complete) return this.validate(hash)
        // Messages nobody could send us yet: a local gap, not an invalid block. Ask again.
        this.count('messages-unavailable')
        this.retryValidate(hash, height)
      },
    )
  }

  private async commit(hash: string, certificate: readonly Vote[]): Promise<void> {
    const c = this.inputs.candidates.get(hash)
    if (c === undefined) return this.count('commit-without-block')
    if (c.next === undefined) {
      const after = stateAfterCommit(this.chainState, c, this.pool, this.ledgerEpoch)
      if (after === undefined) return this.count('commit-without-state')
      if ('missing' in after) {
        // Fetched outside the queue, then committed again; if they never come, a peer's commit notice will do.
        const height = after.missing.height
        return this.fetch.run(
          `commit:${hash}`,
          after.missing,
          () => this.chainState.height + 1 === height,
          (complete) => (complete ? this.commit(hash, certificate) : this.count('commit-without-state')),
        )
      }
      c.next = after.next
    }
    const cert = certificate.map((v) => this.inputs.vote(v)).filter((b): b is Uint8Array => b !== undefined)
    const height = c.next.height
    await this.adoptCommitted(c.next, c.bytes, cert)
    const announce = (): Promise<void> =>
      this.publish({
        type: 'commit',
        chainId: this.chainState.chainId,
        topicId: '',
        epoch: height,
        nonce: new Uint8Array(0),
        payload: { height, block: c.bytes, certificate: cert },
      })
    this.notices.announce(height, hash, (c.block ?? decodeBlock(c.bytes)).proposer === this.self, announce)
  }

  /** Store a committed block (ours or fetched) and move to the next height. */
  private async adoptCommitted(next: ChainState, bytes: Uint8Array, certificate: readonly Uint8Array[]): Promise<void> {
    const block = decodeBlock(bytes)
    const known = referencedMessages(block).map((id) => [id, this.pool.bytes(id) ?? this.o.store.message(id)] as const)
    const missing = known.filter(([, b]) => b === undefined).length
    if (missing > 0) this.count('committed-message-not-stored')
    const messages = new Map(known.filter((e): e is readonly [string, Uint8Array] => e[1] !== undefined))
    const hash = blockHash(bytes)
    // One transaction: block, certificate, messages, evidence marks and the log's pruning.
    this.o.store.commit({
      height: block.height,
      hash,
      bytes,
      certificate: encodeCanonical(certificate),
      state: new Map(),
      messages,
      includedEvidence: block.evidence.map((e) => blockHash(e)),
    })
    this.chainState = { ...next, lastCommit: certificate }
    // Elected (or not) for the next heights; a topic created by this block: its messages start coming.
    this.followCommittee()
    this.pool.dropTxs(new Set(block.txs.map((b) => toHex(messageId(b)))))
    for (const e of block.topicEpochs) this.pool.prune(e.topicId, e.epoch - 16)
    // Keep what already arrived for the next height.
    this.inputs.committed(block.height)
    this.machine = undefined
    this.count('committed')
    const now = this.clock()
    this.events.emit('commit', {
      height: block.height,
      hash: toHex(hash),
      block,
      ms: now - this.heightStartedAt,
      startedAtMs: this.heightStartedAt,
      committedAtMs: now,
    })
    this.scheduleHeight()
  }
}
