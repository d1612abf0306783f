/**
 * What a chaos run does to a cluster, whether its nodes live in this process or each in a
 * process of its own: one vocabulary of faults, two implementations.
 */
import type { Observation } from '../node/observations.js'
import type { LinkConditions } from './scenario.js'

export interface Holding {
  readonly total: bigint
  readonly stake: bigint
}

/** Where the network faults act: the project's libp2p fault layer, or network namespaces. */
export type FaultLevel = 'libp2p' | 'netns'

export interface TargetStats {
  /** Messages the honest nodes' validators turned down, by reason. */
  readonly rejected: Readonly<Record<string, number>>
  /** Counters of the fault layers (frames dropped, links cut, …), summed. */
  readonly faults: Readonly<Record<string, number>>
}

export interface ChaosTarget {
  readonly mode: 'inproc' | 'process'
  readonly level: FaultLevel
  /** The chain's genesis: epoch e starts at genesisMs + e·epochMs. */
  readonly genesisMs: number
  /**
   * The scenario's epoch 0: the first epoch in which every node was up (a cluster takes a
   * while to start, longer on a busy machine). Fault times count from its start.
   */
  readonly firstEpoch: number
  readonly epochMs: number
  readonly submissionWindowMs: number
  readonly topicIds: readonly string[]
  /** Every node by name (`coordinator-1`, …). */
  readonly names: readonly string[]
  /** Participant id (hex public key) of a node. */
  participantOf(name: string): string
  /** Model name of a worker. */
  modelOf(name: string): string | undefined
  /** Called with everything the nodes report. */
  onObservation(listener: (o: Observation) => void): void

  /** Kill the node (SIGKILL; in-process: drop the node object). */
  crash(name: string): Promise<void>
  /** Stop the node cleanly. */
  stopNode(name: string): Promise<void>
  /** Start a stopped or crashed node again from its data dir. */
  startNode(name: string): Promise<void>
  /** Freeze the node (SIGSTOP; in-process: cut every link of it). */
  pause(name: string): Promise<void>
  resume(name: string): Promise<void>
  /** Cut (or heal) the links between two nodes, both ways. */
  cut(a: string, b: string): Promise<void>
  heal(a: string, b: string): Promise<void>
  /** Conditions on the link between two nodes, both ways; null clears them. */
  setLink(a: string, b: string, conditions: LinkConditions | null): Promise<void>
  /** Run the node's clock `offsetMs` ahead of the others' (0: back in step). */
  skewClock(name: string, offsetMs: number): Promise<void>
  /** Hashes of the blocks the node's store holds, by height (a running node). */
  storedHashes(name: string, heights: readonly number[]): Promise<Map<number, string | undefined>>
  /** (balance + stake) and stake of accounts, in the committed ledger of a running node. */
  holdings(name: string, ids: readonly string[]): Promise<Map<string, Holding>>
  /** The same at genesis. */
  genesisHoldings(ids: readonly string[]): Map<string, Holding>
  /** Whether a node is running (not crashed or stopped). */
  isUp(name: string): boolean
  /** Multiaddrs (with /p2p/) a hostile peer can dial. */
  bootstrap(): string[]
  readonly chainId: string
  stats(): Promise<TargetStats>
  stop(): Promise<void>
}
