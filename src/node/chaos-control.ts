/**
 * A node process under a chaos run, driven by its parent over Node's IPC channel (never over
 * the network or the consumer API): the parent sets the node's fault layer (./fault-control.ts),
 * skews its clock, asks what its store and ledger hold, and hears what it commits and sends.
 *
 * Parent → node: `{type:'chaos-clock', seq, offsetMs}`, `{type:'chaos-query', seq, what, …}`.
 * Node → parent: `{type:'chaos-answer', seq, ok, value?, error?}` once per message, and
 * `{type:'chaos-observation', observation}` for every commit and every inference sent.
 */
import { NetworkFaults } from '../p2p/index.js'
import { toHex } from '../wire/index.js'
import { WorkerService } from '../roles/worker.js'
import { attachFaultControl } from './fault-control.js'
import { commitSeen, type Observation } from './observations.js'
import type { RoleNode } from './role-node.js'
import type { StandaloneChaos } from './standalone.js'

/** A node's clock offset, read by the clock the node was built with on every call. */
export interface ClockSkew {
  offsetMs: number
}

export type ChaosQuery =
  /** Hashes (hex) the store holds at these heights; null where it holds none. */
  | { readonly what: 'stored'; readonly heights: readonly number[] }
  /** (balance + stake) and stake of these accounts in the committed ledger, as decimal strings. */
  | { readonly what: 'holdings'; readonly ids: readonly string[] }
  /** The validator's counters and the fault layer's. */
  | { readonly what: 'stats' }

export interface ChaosAnswer {
  readonly type: 'chaos-answer'
  readonly seq: number
  readonly ok: boolean
  readonly value?: unknown
  readonly error?: string
}

export interface ChaosObservationMessage {
  readonly type: 'chaos-observation'
  readonly observation: Observation
}

/** Answers a query from what the node holds now. */
export function answerQuery(node: RoleNode, faults: NetworkFaults, query: ChaosQuery): unknown {
  switch (query.what) {
    case 'stored':
      return Object.fromEntries(
        query.heights.map((h) => {
          const stored = node.driver.storedBlock(h)
          return [h, stored === undefined ? null : toHex(stored.hash)]
        }),
      )
    case 'holdings': {
      const accounts = node.driver.chain.ledger.accounts
      return Object.fromEntries(
        query.ids.map((id) => {
          const a = accounts.get(id)
          return [id, { total: String((a?.balance ?? 0n) + (a?.stake ?? 0n)), stake: String(a?.stake ?? 0n) }]
        }),
      )
    }
    case 'stats':
      return { rejected: node.node.validator.counters.snapshot(), faults: faults.stats() }
    default:
      throw new Error(`unknown query ${JSON.stringify((query as { what?: unknown }).what)}`)
  }
}

/** The node's commits and inferences, as observations. */
export function observe(node: RoleNode, name: string, report: (o: Observation) => void): void {
  const driver = node.driver
  driver.events.on('commit', (c) => report(commitSeen(name, c.block, c.hash, driver.chain.ledger, c.committedAtMs)))
  const participant = node.participantId
  for (const service of node.services)
    if (service instanceof WorkerService)
      service.events.on('published', (p) => report({ type: 'published', node: name, participant, ...p }))
}

/**
 * Serve a chaos run on `channel`: fault commands, clock skew, queries; and report observations.
 * Returns the function that detaches it all.
 */
export function attachChaosControl(
  parts: { readonly node: RoleNode; readonly faults: NetworkFaults; readonly skew: ClockSkew; readonly name: string },
  channel: NodeJS.Process,
): () => void {
  const detachFaults = attachFaultControl(parts.faults, channel)
  const send = (channel.send as NonNullable<NodeJS.Process['send']>).bind(channel)
  // The parent may be gone; then nobody is listening, and that is not this node's failure.
  const post = (message: ChaosAnswer | ChaosObservationMessage): void =>
    void send(message, undefined, undefined, () => {})
  const onMessage = (message: unknown): void => {
    if (typeof message !== 'object' || message === null) return
    const m = message as { type?: unknown; seq?: unknown; offsetMs?: unknown }
    if (m.type !== 'chaos-clock' && m.type !== 'chaos-query') return
    const seq = Number.isSafeInteger(m.seq) ? (m.seq as number) : -1
    try {
      if (m.type === 'chaos-clock') {
        if (!Number.isSafeInteger(m.offsetMs)) throw new Error('offsetMs must be an integer')
        parts.skew.offsetMs = m.offsetMs as number
        post({ type: 'chaos-answer', seq, ok: true })
      } else
        post({
          type: 'chaos-answer',
          seq,
          ok: true,
          value: answerQuery(parts.node, parts.faults, message as ChaosQuery),
        })
    } catch (err) {
      post({ type: 'chaos-answer', seq, ok: false, error: err instanceof Error ? err.message : String(err) })
    }
  }
  channel.on('message', onMessage)
  observe(parts.node, parts.name, (observation) => post({ type: 'chaos-observation', observation }))
  return () => {
    detachFaults()
    channel.off('message', onMessage)
  }
}

/**
 * The chaos set-up of a node process a chaos run started: only with an IPC channel to its
 * parent and CHORUS_CHAOS_SEED in its environment (the seed of its fault layer); otherwise
 * undefined, and the node runs as it always does.
 */
export function chaosFromEnvironment(env: NodeJS.ProcessEnv, channel: NodeJS.Process): StandaloneChaos | undefined {
  const raw = env.CHORUS_CHAOS_SEED
  if (raw === undefined || raw === '' || typeof channel.send !== 'function') return undefined
  const seed = Number(raw)
  if (!Number.isSafeInteger(seed)) throw new Error(`CHORUS_CHAOS_SEED must be an integer, got "${raw}"`)
  const faults = new NetworkFaults({ seed })
  const skew: ClockSkew = { offsetMs: 0 }
  const name = env.CHORUS_CHAOS_NAME ?? 'node'
  return {
    faults,
    clock: () => Date.now() + skew.offsetMs,
    attach: (node) => {
      attachChaosControl({ node, faults, skew, name }, channel)
    },
  }
}
