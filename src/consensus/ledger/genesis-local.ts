/**
 * A genesis for a local cluster whose identities are generated at start: the cluster knows
 * its committee, workers and reputers only then, so it builds the genesis in memory instead of
 * editing configs/genesis.json. Same numbers as that file, validated by the same parser.
 */
import { parseGenesis, type Genesis, type GenesisFile } from './genesis.js'
import { TOP_POWER } from './committee-terms.js'

/** One token is 10^18 smallest units, so local amounts exercise the > 2^53 path too. */
export const TOKEN = 10n ** 18n

export const LOCAL_GENESIS_DEFAULTS = {
  chainId: 'chorus-local',
  epochMs: 1000,
  /** One token per second of chain time across all topics. */
  emissionPerEpoch: TOKEN,
  committeeShare: 0.05,
  createTopicFee: 10n * TOKEN,
  /** 30 s: long enough to test, short enough to watch; production would use days. */
  unbondingEpochs: 30,
  slashFraction: 0.05,
  minWorkerStake: TOKEN,
  minReputerStake: 10n * TOKEN,
  balance: 1000n * TOKEN,
  committeeStake: 100n * TOKEN,
  workerStake: 10n * TOKEN,
  reputerStake: 100n * TOKEN,
  /** Seed revenue so a topic has weight (and its participants earn) before anyone pays. */
  topicRevenue: TOKEN,
  /** The faucet of a local network: enough to fund thousands of joiners. */
  faucetBalance: 1_000_000n * TOKEN,
} as const

export interface LocalGenesisOptions {
  readonly committee: readonly string[]
  /** Registered as workers in every topic. */
  readonly workers: readonly string[]
  /** Registered as reputers in every topic. */
  readonly reputers: readonly string[]
  /** `workers` / `reputers` of a topic, when given, replace the every-topic lists for it. */
  readonly topics: readonly {
    readonly id: string
    readonly epochMs: number
    readonly file?: string
    /** The topic definition (a topic file's object), embedded so the genesis is all a joiner needs. */
    readonly definition?: Readonly<Record<string, unknown>>
    readonly workers?: readonly string[]
    readonly reputers?: readonly string[]
    /** Hash of the topic's consensus rules (topic-rules.ts), pinned in the genesis. */
    readonly rules?: string
  }[]
  /** @default 'chorus-local' */
  readonly chainId?: string
  /** @default null (set when the cluster starts) */
  readonly genesisTime?: number | null
  /** An account holding `faucetBalance`, which funds new keys of a local network. @default none */
  readonly faucet?: string
  /** Changes to the file before it is parsed (a topic's revenue, the minimum topic weight, ...). */
  readonly edit?: (file: GenesisFile) => GenesisFile
}

export function buildLocalGenesis(options: LocalGenesisOptions): Genesis {
  const d = LOCAL_GENESIS_DEFAULTS
  // One account per id, with the largest stake any of its roles asks for.
  const stakes = new Map<string, bigint>()
  const want = (id: string, stake: bigint): void => {
    const prior = stakes.get(id) ?? 0n
    stakes.set(id, stake > prior ? stake : prior)
  }
  for (const id of options.committee) want(id, d.committeeStake)
  for (const id of options.workers) want(id, d.workerStake)
  for (const id of options.reputers) want(id, d.reputerStake)
  const ids = [...stakes.keys()].sort()
  const file: GenesisFile = {
    chainId: options.chainId ?? d.chainId,
    genesisTime: options.genesisTime ?? null,
    epochMs: d.epochMs,
    // Equal stakes: the powers the first election gives them too, so it hands nothing off.
    committee: options.committee.map((id) => ({ id, power: TOP_POWER })),
    accounts: [
      ...ids.map((id) => ({ id, balance: String(d.balance), stake: String(stakes.get(id)) })),
      ...(options.faucet === undefined ? [] : [{ id: options.faucet, balance: String(d.faucetBalance), stake: '0' }]),
    ],
    topics: options.topics.map((t) => ({
      id: t.id,
      file: t.file ?? null,
      definition: t.definition ?? null,
      epochMs: t.epochMs,
      initialRevenue: String(d.topicRevenue),
      workers: [...(t.workers ?? options.workers)],
      reputers: [...(t.reputers ?? options.reputers)],
      rules: t.rules ?? null,
    })),
    emission: { perEpoch: String(d.emissionPerEpoch), committeeShare: d.committeeShare },
    fees: { createTopic: String(d.createTopicFee) },
    unbondingEpochs: d.unbondingEpochs,
    slashFraction: d.slashFraction,
    minimumStake: { worker: String(d.minWorkerStake), reputer: String(d.minReputerStake) },
  }
  return parseGenesis(options.edit?.(file) ?? file, 'local genesis')
}
