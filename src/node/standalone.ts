/**
 * One node as its own process (`chorus node`): a coordinator, worker or reputer of a network
 * it knows by its genesis, with a persistent key and data dir. It dials its bootstrap peers
 * (retrying), follows the chain up to the present, registers itself by transaction if its
 * key is not registered yet (a stake and a register transaction, then waiting for their
 * commit), and only then starts working. A restart with the same data dir resumes: the
 * chain is restored from the store, and a registration already committed is not sent again.
 */
import { silentLog, type Log } from '../util/log.js'
import { logNode } from './node-log.js'
import { watchCommittee, watchEpochs, type NodeReport } from './reports.js'

export type { NodeReport } from './reports.js'
import { dialBootstrap } from './bootstrap-dial.js'
import { applyTx, isRegistered, ledgerEpochAt, selfStakeOf, type TxKind } from '../consensus/ledger/index.js'
import { LOOPBACK_TUNING, type NetworkFaults, type NodeIdentity } from '../p2p/index.js'
import type { Clock } from '../util/timers.js'
import { createGroundTruth } from '../roles/ground-truth/registry.js'
import { createModel, type ModelSpec } from '../roles/models/registry.js'
import type { GroundTruthSource, WorkerModel } from '../roles/plugins.js'
import { EpochClock } from '../topic/epoch-clock.js'
import type { TopicRuntime } from '../topic/windows.js'
import type { UnsignedEnvelope } from '../wire/index.js'
import type { NetworkGenesis } from './genesis-file.js'
import { RoleNode, type Role } from './role-node.js'
import { serveApi } from './api-node.js'
import { ByzantineFaultError, checkFaultForRole, type ByzantineFault } from '../adversary/index.js'
import type { ApiServer } from '../api/index.js'

/** A failure of the start the user can act on (bad options, an unreachable bootstrap, no funds). */
export class NodeStartError extends Error {
  override readonly name = 'NodeStartError'
}

export interface StandaloneOptions {
  readonly role: Role
  readonly network: NetworkGenesis
  readonly identity: NodeIdentity
  readonly dataDir: string
  /** @default ['/ip4/127.0.0.1/tcp/0'] */
  readonly listen?: readonly string[]
  readonly announce?: readonly string[]
  readonly bootstrap?: readonly string[]
  /** Topic ids this worker or reputer works on. @default every topic */
  readonly topics?: readonly string[]
  /** A worker's model. @default 'ema:0.3' */
  readonly model?: ModelSpec
  /** Self-stake to register with, in smallest units, when the key is not registered. */
  readonly stake?: bigint
  /** Serve the consumer API on `HOST:PORT` (port 0: a free one). @default no API */
  readonly api?: string
  readonly report: (report: NodeReport) => void
  readonly signal?: AbortSignal
  /** @default 5 */
  readonly dialAttempts?: number
  /** Run as a Byzantine node of its role (tests and chaos runs; docs/adversaries.md). @default honest */
  readonly byzantine?: ByzantineFault
  /** Run under a chaos run: a fault layer, a clock of its own, and a hook on the node before it starts. @default none */
  readonly chaos?: StandaloneChaos
  /** The structured log (docs/configuration.md). @default nothing is logged */
  readonly log?: Log
}

export interface StandaloneChaos {
  readonly faults: NetworkFaults
  /** The node's clock, for its driver and its topics' epoch clocks. */
  readonly clock: Clock
  /** Called with the node before its chain starts (to observe it). */
  attach(node: RoleNode): void
}

export interface StandaloneNode {
  readonly node: RoleNode
  stop(): Promise<void>
}

const DEFAULT_MODEL: ModelSpec = 'ema:0.3'

export async function startStandaloneNode(o: StandaloneOptions): Promise<StandaloneNode> {
  const { genesis } = o.network
  const genesisTime = genesis.genesisTime as number
  const served = o.topics ?? o.network.topics.map((t) => t.id)
  if (o.role === 'coordinator' && o.topics !== undefined)
    throw new NodeStartError('a coordinator runs every topic; --topic is for workers and reputers')
  if (o.byzantine !== undefined) checkByzantine(o.role, o.byzantine)
  // A topic not in the genesis must be created by transaction; the node waits for it once in sync.
  const created = served.filter((id) => !o.network.topics.some((t) => t.id === id))
  const runtimes: TopicRuntime[] = o.network.topics.map((config) => ({
    config,
    clock: new EpochClock(genesisTime, config.epochMs, o.chaos?.clock),
  }))
  const closers: (() => Promise<void> | void)[] = []
  const groundTruth = new Map<string, GroundTruthSource>()
  const models = new Map<string, WorkerModel>()
  try {
    // A coordinator reads the truth only for its dashboard: a source it cannot open costs the page its line, not the node its start.
    const truthProblems: string[] = []
    const forDashboardOnly = o.role === 'coordinator'
    for (const t of o.network.topics.filter(
      (t) => served.includes(t.id) && (!forDashboardOnly || o.api !== undefined),
    )) {
      let truth: GroundTruthSource
      try {
        truth = await createGroundTruth(t.groundTruth, { baseDir: o.network.baseDir })
      } catch (err) {
        if (!forDashboardOnly) throw err
        truthProblems.push(`${t.id}: ${(err as Error).message}`)
        continue
      }
      groundTruth.set(t.id, truth)
      closers.push(() => truth.close?.())
      if (o.role === 'worker') models.set(t.id, createModel(o.model ?? DEFAULT_MODEL, { groundTruth: truth }))
    }
    const listen = o.listen ?? ['/ip4/127.0.0.1/tcp/0']
    const loopback = listen.every((a) => a.startsWith('/ip4/127.') || a.startsWith('/ip6/::1/'))
    const node = await RoleNode.create({
      role: o.role,
      topics: runtimes,
      serves: served,
      groundTruth,
      models,
      consensus: { genesis, dataDir: o.dataDir, ...(o.chaos === undefined ? {} : { clock: o.chaos.clock }) },
      byzantine: o.byzantine,
      p2p: {
        chainId: genesis.chainId,
        identity: o.identity,
        listen,
        announce: o.announce,
        // Many peers on one loopback host: gossipsub must not penalise them for sharing an IP.
        ...(loopback ? LOOPBACK_TUNING : {}),
        ...(o.chaos === undefined ? {} : { faults: o.chaos.faults }),
      },
    })
    o.chaos?.attach(node)
    const log = (o.log ?? silentLog).child({ role: o.role, participant: node.participantId.slice(0, 16) })
    const unlog = logNode(node, log)
    for (const problem of truthProblems)
      log.warn({ event: 'dashboard-truth-unavailable', problem }, 'the dashboard will show no ground truth for a topic')
    let api: ApiServer | undefined
    const stop = async (): Promise<void> => {
      log.info({ event: 'node-stopping' }, 'node stopping')
      unlog()
      await api?.close()
      await node.stop()
      for (const close of closers.reverse()) await close()
    }
    try {
      if (o.api !== undefined) api = await serveApi(node, genesis, o.api, groundTruth)
      o.report({
        type: 'node',
        role: o.role,
        peerId: node.node.peerId,
        participantId: node.participantId,
        addrs: node.node.multiaddrs(),
        height: node.driver.chain.height,
        api: api?.url ?? null,
      })
      log.info(
        {
          event: 'node-started',
          peerId: node.node.peerId,
          addrs: node.node.multiaddrs(),
          height: node.driver.chain.height,
        },
        'node started',
      )
      await dialBootstrap(node, { ...o, error: (message) => new NodeStartError(message) })
      node.startChain()
      if (o.role !== 'coordinator') {
        await syncToPresent(node, o)
        for (const id of created) await addCreatedTopic(node, o, id, closers)
        await register(node, o, served)
      }
      watchEpochs(node, o.role, o.report, served)
      if (o.role === 'coordinator') watchCommittee(node, o.report)
      node.startRoles()
      o.report({ type: 'working', topics: o.role === 'coordinator' ? [] : served })
      return { node, stop }
    } catch (err) {
      await stop()
      throw err
    }
  } catch (err) {
    for (const close of closers.reverse()) await close()
    for (const model of models.values()) await model.close?.()
    throw err
  }
}

/**
 * Wait until the chain is at the present: a block stamped within a few epochs of now (the
 * committee commits every closed epoch), so a registration is judged on the current ledger.
 */
async function syncToPresent(node: RoleNode, o: StandaloneOptions): Promise<void> {
  const longest = Math.max(...o.network.topics.map((t) => t.epochMs))
  const present = (): boolean => node.driver.chain.timeMs >= Date.now() - 4 * longest
  if (Date.now() < (o.network.genesis.genesisTime as number) + 2 * longest || present()) {
    o.report({ type: 'synced', height: node.driver.chain.height })
    return
  }
  await untilCommit(node, o, present, 60_000 + 10 * longest, 'the chain to reach the present')
  o.report({ type: 'synced', height: node.driver.chain.height })
}

/** Work on a topic created by transaction: wait until the chain runs it, then add its service. */
async function addCreatedTopic(
  node: RoleNode,
  o: StandaloneOptions,
  id: string,
  closers: (() => Promise<void> | void)[],
): Promise<void> {
  const longest = Math.max(...o.network.topics.map((t) => t.epochMs))
  await untilCommit(
    node,
    o,
    () => node.driver.chain.topics.has(id),
    10 * longest + 20_000,
    `topic ${id} to exist (created by transaction)`,
  )
  const config = node.driver.chain.topics.get(id)?.config
  if (config === undefined) throw new NodeStartError(`topic ${id} does not exist`)
  const truth = await createGroundTruth(config.groundTruth, { baseDir: o.network.baseDir })
  closers.push(() => truth.close?.())
  const model = o.role === 'worker' ? createModel(o.model ?? DEFAULT_MODEL, { groundTruth: truth }) : undefined
  node.addTopic(
    { config, clock: new EpochClock(o.network.genesis.genesisTime as number, config.epochMs, o.chaos?.clock) },
    truth,
    model,
  )
}

/** Stake and register where the ledger does not list this key yet; wait until that commits. */
async function register(node: RoleNode, o: StandaloneOptions, served: readonly string[]): Promise<void> {
  const role = o.role as 'worker' | 'reputer'
  const self = node.participantId
  const missing = served.filter((t) => !isRegistered(node.driver.chain.ledger, t, role, self))
  if (missing.length === 0) return
  const ledger = node.driver.chain.ledger
  const minimum = missing
    .map((t) => {
      const topic = ledger.topics.get(t)
      return topic === undefined ? 0n : role === 'worker' ? topic.minWorkerStake : topic.minReputerStake
    })
    .reduce((a, b) => (a > b ? a : b), 0n)
  const staked = selfStakeOf(ledger, self)
  const want = o.stake ?? (staked >= minimum ? 0n : undefined)
  if (want === undefined)
    throw new NodeStartError(
      `${self} is not registered as a ${role} in ${missing.join(', ')}; pass --stake AMOUNT (at least ${minimum - staked} more, in smallest units) with a funded key`,
    )
  const txs: { kind: TxKind; body: Record<string, string> }[] = []
  if (staked + want < minimum)
    throw new NodeStartError(
      `a stake of ${staked + want} is below the ${role} minimum of ${minimum} in ${missing.join(', ')}`,
    )
  if (want > 0n) txs.push({ kind: 'stake', body: { amount: String(want) } })
  for (const topicId of missing) txs.push({ kind: 'register', body: { topicId, role } })
  // Checked against the local ledger first, so a key without funds hears why at once.
  let state = ledger
  let nonce = ledger.accounts.get(self)?.nonce ?? 0
  const context = { height: node.driver.chain.height + 1, epoch: ledgerEpochAt(o.network.genesis, Date.now()) }
  const envelopes: UnsignedEnvelope<'tx'>[] = []
  for (const tx of txs) {
    const result = applyTx(state, { signer: self, kind: tx.kind, accountNonce: nonce, body: tx.body }, context)
    if (!result.ok)
      throw new NodeStartError(
        `${tx.kind} refused by the ledger: ${result.reason}` +
          (result.code === 'INSUFFICIENT_BALANCE'
            ? ` (fund ${self} first, e.g. from the faucet with chorus tx transfer)`
            : ''),
      )
    state = result.state
    envelopes.push({
      type: 'tx',
      chainId: o.network.genesis.chainId,
      topicId: '',
      epoch: 0,
      nonce: new Uint8Array(0),
      payload: { kind: tx.kind, accountNonce: nonce++, body: tx.body },
    })
  }
  o.report({ type: 'registering', topics: missing, stake: String(want) })
  for (const envelope of envelopes) await node.node.publish(envelope)
  const longest = Math.max(...o.network.topics.map((t) => t.epochMs))
  await untilCommit(
    node,
    o,
    () => missing.every((t) => isRegistered(node.driver.chain.ledger, t, role, self)),
    30_000 + 20 * longest,
    `the registration of ${self} to commit`,
  )
  o.report({ type: 'registered', topics: missing, height: node.driver.chain.height })
}

/** Resolve once `done()` holds after an adopted block (or now); reject after `timeoutMs` or on abort. */
function untilCommit(
  node: RoleNode,
  o: StandaloneOptions,
  done: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  if (done()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const events = node.driver.events
    const finish = (err?: Error): void => {
      clearTimeout(timer)
      events.off('commit', onCommit)
      o.signal?.removeEventListener('abort', onAbort)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onCommit = (): void => {
      if (done()) finish()
    }
    const onAbort = (): void => finish(new NodeStartError('stopped'))
    const timer = setTimeout(
      () => finish(new NodeStartError(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    )
    events.on('commit', onCommit)
    o.signal?.addEventListener('abort', onAbort)
  })
}

function checkByzantine(role: Role, fault: ByzantineFault): void {
  try {
    checkFaultForRole(role, fault)
  } catch (err) {
    if (err instanceof ByzantineFaultError) throw new NodeStartError(err.message)
    throw err
  }
}
