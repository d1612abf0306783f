/**
 * The chain's state and a block's draft, as block execution (execution.ts) and each topic
 * epoch's step in it (topic-epoch.ts) read them, and the error a block that breaks a rule gets.
 */
import type { Envelope } from '../../wire/index.js'
import type { Committee } from '../bft/index.js'
import type { EpochParticipants } from '../../topic/loss-bundle.js'
import type { TopicMerit } from './merit.js'
import type { TopicConfig } from '../../topic/config.js'
import type { EpochSchedule } from '../../topic/epoch-schedule.js'
import type { TopicState } from '../../synthesis/types.js'
import type { BlockTopicEpoch } from './block.js'
import type { LedgerState } from '../ledger/index.js'

export interface TopicChain {
  readonly config: TopicConfig
  readonly state: TopicState
  /** Decided epochs (with an output) not settled yet, ascending. */
  readonly unsettled: readonly number[]
  /** Who took part in each unsettled epoch: its loss bundles are read for those ids only. */
  readonly participants: ReadonlyMap<number, EpochParticipants>
  /** The last epoch committed for this topic; -1 before the first. */
  readonly lastEpoch: number
  /** Score EMAs and standby actors of merit sortition (merit.ts). */
  readonly merit: TopicMerit
  /** When each epoch starts and ends: one length from genesis, or as governance changed it (topic/epoch-schedule.ts). */
  readonly schedule: EpochSchedule
}

export interface ChainState {
  readonly chainId: string
  readonly height: number
  /** Hash (hex) of the last block; the genesis hash at height 0. */
  readonly hash: string
  readonly timeMs: number
  readonly genesisTimeMs: number
  /** This node's certificate of the last block (what it puts in a block it proposes). */
  readonly lastCommit: readonly Uint8Array[]
  /** The committee deciding the next height (chain/committees.ts). */
  readonly committee: Committee
  /** The committee that decided this height: `lastCommit` and late precommits are its votes. */
  readonly lastCommittee: Committee
  readonly ledger: LedgerState
  readonly topics: ReadonlyMap<string, TopicChain>
}

/** Verified envelopes by message id (hex). */
export type MessageLookup = (idHex: string) => Envelope | undefined

/** What a proposer chooses for a topic epoch: the block's entry without what execution computes from it. */
export type TopicEpochDraft = Pick<
  BlockTopicEpoch,
  | 'topicId'
  | 'epoch'
  | 'inferenceIds'
  | 'forecastIds'
  | 'commitIds'
  | 'standbyInferers'
  | 'standbyForecasters'
  | 'settlements'
>

export interface BlockDraft {
  readonly height: number
  readonly timeMs: number
  readonly proposer: string
  readonly topicEpochs: readonly TopicEpochDraft[]
  readonly txs: readonly Uint8Array[]
  readonly evidence: readonly Uint8Array[]
  readonly lastCommit: readonly Uint8Array[]
}

/** Epochs a decided epoch may wait for its loss bundles before it is left unsettled for good. */
export const MAX_UNSETTLED_AGE = 64

/** A block that breaks a rule; the reason names the rule. */
export class BlockInvalid extends Error {
  override readonly name = 'BlockInvalid'
}

export function fail(reason: string): never {
  throw new BlockInvalid(reason)
}
