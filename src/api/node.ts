/**
 * What the consumer API reads of a node, and the one thing it asks of it (publishing a
 * transaction). The node composition implements it; the API knows nothing else of the node,
 * so it sits below src/node in the layers (docs/architecture.md, docs/api.md).
 */
import type { ChainState } from '../consensus/chain/execution.js'
import type { BlockExecution, CommitEvent } from '../consensus/driver/events.js'
import type { Genesis } from '../consensus/ledger/index.js'
import type { StoredBlock } from '../consensus/store.js'

export type { BlockExecution, CommitEvent } from '../consensus/driver/events.js'
export type { StoredBlock } from '../consensus/store.js'

/** The driver's events the API hears (its typed EventEmitter fits): every block the node commits or adopts, in height order, and the time it took to execute the blocks it drafted or checked. */
export interface CommitSource {
  on(event: 'commit', listener: (commit: CommitEvent) => void): unknown
  on(event: 'block-executed', listener: (execution: BlockExecution) => void): unknown
  off(event: 'commit', listener: (commit: CommitEvent) => void): unknown
  off(event: 'block-executed', listener: (execution: BlockExecution) => void): unknown
}

/** Counts and sizes a node keeps anyway, read when `/metrics` is scraped (nothing is counted for it). */
export interface NodeStats {
  /** Gossip messages validated since start, by channel kind and result (`inferences:accept`). */
  readonly messagesByChannel: Readonly<Record<string, number>>
  /** The same by result and reason (`reject:bad-signature`). */
  readonly messagesByReason: Readonly<Record<string, number>>
  /** Open libp2p connections. */
  readonly connections: number
  /** Gossip mesh peers of each channel the node subscribes to. */
  readonly meshPeers: Readonly<Record<string, number>>
  /** A worker's counts per topic and event (`synthetic:published`, `synthetic:decision-late`); none on other roles. */
  readonly workerEvents?: Readonly<Record<string, number>>
}

export interface ApiNode {
  /** The chain's genesis (the API serves its file form and hash, and checks txs against its chain id). */
  readonly genesis: Genesis
  /** Hex of the node's ed25519 public key: its participant and account id. */
  readonly participantId: string
  /** The node's libp2p peer id (base58). */
  readonly peerId: string
  /** `coordinator`, `worker` or `reputer`. */
  readonly role: string
  /** The multiaddrs the node's libp2p listens on. */
  listenAddrs(): readonly string[]
  /** libp2p peer ids of the peers connected now. */
  connectedPeers(): readonly string[]
  /** The chain state after the last block the node committed or adopted (`driver.chain`). */
  chain(): ChainState
  /** A committed block from the node's store with its certificate; undefined above the tip (`driver.storedBlock`). */
  block(height: number): StoredBlock | undefined
  /** The driver's events (`driver.events`); the API listens to `commit` and `block-executed`. */
  readonly events: CommitSource
  /**
   * Publish a signed `tx` envelope, as these bytes, on the tx channel
   * (`node.publishRaw(globalChannel('tx'), bytes)`). The API calls it only for envelopes it
   * has verified and the committed ledger accepts. Gossip does not deliver a node's own
   * messages to itself, so a committee member must also put the tx in its own pool
   * (`driver.pool.add(id, envelope, bytes)`), or a one-member committee would never see it.
   * Rejects if the transport cannot publish.
   */
  publishTx(bytes: Uint8Array): Promise<void>
  /**
   * A topic's ground truth at an epoch, from the node's source (undefined while not known), for
   * the dashboard to draw next to the network inference; without it the page shows none.
   */
  groundTruth?(topicId: string, epoch: number): number | undefined | Promise<number | undefined>
  /** The node's counters for `/metrics`; without it those series are left out. */
  stats?(): NodeStats
}
