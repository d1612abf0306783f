/**
 * A committee of consensus drivers without sockets: composed as `node.ts` composes a
 * coordinator (store, restored chain, driver, the driver's admission hooks in the validator),
 * with a genesis built as `local-cluster.ts` builds one, on an in-memory network and a fake
 * clock shared by all members (each member has its own scheduler view).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Committee, type Timeouts } from '../../../../src/consensus/bft/index.js'
import { topicRulesHash, topicRulesOf } from '../../../../src/consensus/chain/topic-rules.js'
import { ConsensusDriver, type CommitEvent } from '../../../../src/consensus/driver/driver.js'
import { buildLocalGenesis, type Genesis } from '../../../../src/consensus/ledger/index.js'
import { ChainStore } from '../../../../src/consensus/store.js'
import { restoreChain } from '../../../../src/consensus/sync/chain-sync.js'
import { generateIdentity, type NodeIdentity } from '../../../../src/p2p/index.js'
import { admissionPolicy } from '../../../../src/roles/admission.js'
import { parseTopicConfig, type TopicConfig } from '../../../../src/topic/config.js'
import { EpochClock } from '../../../../src/topic/epoch-clock.js'
import { graceMs, type TopicRuntime } from '../../../../src/topic/windows.js'
import { toHex } from '../../../../src/wire/index.js'
import { FakeClock } from '../../../utils/fake-clock.js'
import { MemoryNetwork, type MemoryEndpoint } from '../../../utils/memory-network.js'

export const CHAIN_ID = 'chorus-driver-test'
export const GENESIS_MS = 1_700_000_000_000
export const EPOCH_MS = 1000
/** As node.ts's defaults. */
export const TIMEOUTS: Timeouts = Object.freeze({ propose: 1000, prevote: 500, precommit: 500, delta: 250 })
export const MAX_FUTURE_ROUNDS = 4

export const TOPIC: TopicConfig = parseTopicConfig(
  { id: 't1', name: 't1', epochMs: EPOCH_MS, groundTruth: 'synthetic:1' },
  'driver test',
)
/** When the first height starts: epoch 0's submission window has closed and its grace has passed (driver.scheduleHeight). */
export const FIRST_HEIGHT_AT = GENESIS_MS + TOPIC.submissionWindowMs + graceMs(TOPIC)

/** The next `commit` event of `member` for `height` (or the one it already emitted). */
export function commitAt(member: Member, height: number): Promise<CommitEvent> {
  const done = member.commits.find((c) => c.height === height)
  if (done !== undefined) return Promise.resolve(done)
  return new Promise((resolve) => {
    const listener = (c: CommitEvent): void => {
      if (c.height !== height) return
      member.driver.events.off('commit', listener)
      resolve(c)
    }
    member.driver.events.on('commit', listener)
  })
}

export interface Member {
  readonly identity: NodeIdentity
  readonly id: string
  readonly endpoint: MemoryEndpoint
  readonly store: ChainStore
  readonly driver: ConsensusDriver
  /** Every commit event of this driver, in order. */
  readonly commits: CommitEvent[]
  /** Every internal-error event of this driver (a test expects none). */
  readonly errors: unknown[]
}

export class DriverCluster {
  readonly members: Member[] = []
  /** Members stopped (their stores closed); kept for their counters and events. */
  readonly stopped: Member[] = []
  private readonly dirs: string[] = []

  private constructor(
    readonly identities: readonly NodeIdentity[],
    readonly genesis: Genesis,
    readonly clock: FakeClock,
    readonly net: MemoryNetwork,
    readonly topics: readonly TopicRuntime[],
  ) {}

  /** `size` members with fresh keys, in memory, started at genesis time. */
  static async create(size = 4): Promise<DriverCluster> {
    const identities = await Promise.all(Array.from({ length: size }, () => generateIdentity()))
    const ids = identities.map((i) => toHex(i.publicKey))
    const genesis = buildLocalGenesis({
      chainId: CHAIN_ID,
      genesisTime: GENESIS_MS,
      committee: ids,
      workers: [],
      reputers: [],
      topics: [{ id: TOPIC.id, epochMs: TOPIC.epochMs, rules: topicRulesHash(topicRulesOf(TOPIC)) }],
    })
    const clock = new FakeClock(GENESIS_MS)
    const topics: TopicRuntime[] = [{ config: TOPIC, clock: new EpochClock(GENESIS_MS, TOPIC.epochMs, clock.now) }]
    return new DriverCluster(identities, genesis, clock, new MemoryNetwork(CHAIN_ID), topics)
  }

  /** A fresh temporary data dir (removed by `close`). */
  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'chorus-driver-'))
    this.dirs.push(dir)
    return dir
  }

  /** Start a member as node.ts starts a coordinator: store, restored chain, endpoint, driver. */
  start(identity: NodeIdentity, dataDir?: string): Member {
    const store = ChainStore.open(dataDir ?? ':memory:')
    const chain = restoreChain(
      store,
      this.genesis,
      this.topics.map((t) => t.config),
    )
    let driver: ConsensusDriver | undefined
    const endpoint = this.net.endpoint(identity, {
      policy: admissionPolicy(() => driver?.chain ?? chain, new Map(this.topics.map((t) => [t.config.id, t]))),
    })
    driver = new ConsensusDriver({
      network: endpoint,
      store,
      genesis: this.genesis,
      topics: this.topics,
      chain,
      timeouts: TIMEOUTS,
      maxClockSkewMs: 2000,
      maxFutureRounds: MAX_FUTURE_ROUNDS,
      clock: this.clock.now,
      timers: this.clock.scheduler(),
    })
    endpoint.validateWith(driver.admission)
    const member: Member = { identity, id: endpoint.participantId, endpoint, store, driver, commits: [], errors: [] }
    driver.events.on('commit', (c) => member.commits.push(c))
    driver.events.on('internal-error', (e) => member.errors.push(e))
    driver.start()
    this.members.push(member)
    return member
  }

  /** Start every identity, in memory unless `dataDirs` names a dir for it. */
  startAll(dataDirs: ReadonlyMap<string, string> = new Map()): Member[] {
    return this.identities.map((i) => this.start(i, dataDirs.get(toHex(i.publicKey))))
  }

  /** Stop a member as ConsensusService.stop does: the driver, then its store. */
  stop(member: Member): void {
    member.driver.stop()
    member.store.close()
    this.members.splice(this.members.indexOf(member), 1)
    this.stopped.push(member)
  }

  member(id: string): Member {
    const m = this.members.find((x) => x.id === id)
    if (m === undefined) throw new Error(`no running member ${id.slice(0, 12)}`)
    return m
  }

  /** The genesis committee (as genesisChainState builds it), before any member starts. */
  get committee(): Committee {
    return new Committee(Object.fromEntries(this.genesis.committee.map((m) => [m.id, m.power])))
  }

  /** Every running member has committed `height`. */
  allCommitted(height: number, members: readonly Member[] = this.members): boolean {
    return members.every((m) => m.commits.some((c) => c.height === height))
  }

  /**
   * Await `promise` (an event), moving fake time on instant by instant only while it is
   * pending, at most `limitMs`; fails naming `what` if it is still pending then.
   */
  async eventually<T>(promise: Promise<T>, what: string, limitMs: number): Promise<T> {
    let done = false
    const settled = promise.then(
      (value) => {
        done = true
        return value
      },
      (err: unknown) => {
        done = true
        throw err
      },
    )
    await this.clock.runUntil(() => done, what, limitMs)
    return settled
  }

  async close(): Promise<void> {
    for (const m of [...this.members]) m.driver.stop()
    // Let queued tasks of the stopped drivers return before their stores close.
    await this.clock.run(0)
    for (const m of [...this.members]) this.stop(m)
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true })
  }
}
