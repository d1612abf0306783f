/**
 * What the live stream says of a committed block (`event: block` of `GET /v1/events`): per
 * topic epoch, the network inference against the naive one, every worker's inference and
 * weight, and what the epochs it settled cost and paid. Plain JSON, built once per block
 * however many clients listen.
 */
import { decisionsOfBlock, naiveInferenceOf } from '../roles/decisions.js'
import { certificateSummary } from './certificate.js'
import type { Block } from '../consensus/chain/block.js'
import type { CommitEvent } from './node.js'

export interface LiveSettlement {
  readonly epoch: number
  /**
   * Consensus log10 losses of the network inference, the naive one, the epoch's lowest worker
   * loss, and every worker's (so a page can tell the gain so far over each worker).
   */
  readonly losses: {
    readonly network: number
    readonly naive: number
    readonly bestWorker: number | null
    readonly inferers: Readonly<Record<string, number>>
  }
  readonly rewards: {
    readonly inferers: Readonly<Record<string, number>>
    readonly forecasters: Readonly<Record<string, number>>
    readonly reputers: Readonly<Record<string, number>>
  }
  /** Each reputer's score: how well it agreed with the others. */
  readonly reputerScores: Readonly<Record<string, number>>
}

export interface LiveEpoch {
  readonly topic: string
  readonly epoch: number
  readonly networkInference: number
  /** null before the topic's first settlement (docs/spec/math.md §7). */
  readonly naiveInference: number | null
  readonly inferences: Readonly<Record<string, number>>
  readonly weights: Readonly<Record<string, number>>
  readonly settled: readonly LiveSettlement[]
}

export interface LiveBlock {
  readonly height: number
  readonly hash: string
  readonly proposer: string
  readonly timeMs: number
  /** From the start of the height on this node to its commit; null for a block read from the store. */
  readonly commitMs: number | null
  readonly txs: number
  /** How the previous height was committed: its round and the members whose precommits the block carries. */
  readonly lastCommit: LiveCommit
  readonly epochs: readonly LiveEpoch[]
}

export interface LiveCommit {
  readonly height: number
  /** null for the first block, which certifies nothing. */
  readonly round: number | null
  readonly signers: readonly string[]
}

export function liveBlockOf(commit: CommitEvent): LiveBlock {
  return liveBlockFrom(commit.block, commit.hash, commit.ms)
}

/** The same for a block read back from the store. */
export function liveBlockFrom(block: Block, hash: string, commitMs: number | null): LiveBlock {
  const topics = [...new Set(block.topicEpochs.map((e) => e.topicId))]
  return {
    height: block.height,
    hash,
    proposer: block.proposer,
    timeMs: block.timeMs,
    commitMs,
    txs: block.txs.length,
    lastCommit: { height: block.height - 1, ...certificateSummary(block.lastCommit) },
    epochs: topics.flatMap((topic) =>
      decisionsOfBlock(block, topic).map((d) => ({
        topic,
        epoch: d.epoch,
        networkInference: d.output.networkInference,
        naiveInference: naiveInferenceOf(d),
        inferences: d.inferences,
        weights: d.output.weights.inferers,
        settled: d.settled.map((s) => {
          const workers = Object.values(s.consensusLosses.inferers)
          return {
            epoch: s.epoch,
            losses: {
              network: s.consensusLosses.network,
              naive: s.consensusLosses.naive,
              bestWorker: workers.length === 0 ? null : Math.min(...workers),
              inferers: s.consensusLosses.inferers,
            },
            rewards: s.rewards,
            reputerScores: s.scores.reputers,
          }
        }),
      })),
    ),
  }
}
