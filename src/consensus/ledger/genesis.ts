/**
 * The genesis file (configs/genesis.json): chain id, committee, initial balances and stakes,
 * the topics that exist from the start with their registrations, and the ledger's economic
 * parameters. Amounts are decimal strings (they exceed 2^53) and become bigint here; every
 * error names the file, the field and the reason. Topic definitions (loss function, ground
 * truth, synthesis params) stay in configs/topics/*.json; genesis only holds what the ledger
 * needs of a topic (its epoch length, minimum stakes and initial fee revenue) and the hash of
 * its consensus rules, so that every coordinator can check it runs the same ones. A genesis
 * meant to be shared embeds each topic's definition (the topic file's object), so a node that
 * joins needs nothing but the genesis; its hash (`genesisHash`) names the network.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { encodeCanonical, toHex } from '../../wire/index.js'
import { z } from 'zod'
import { isValidTopicId, TOPIC_ID_PATTERN } from '../../wire/channels.js'
import { participantIdSchema } from '../../wire/messages.js'
import { DEFAULT_TOPIC_WEIGHT_PARAMS, type TopicWeightParams } from '../../synthesis/topic-weights.js'
import { AMOUNT_PATTERN, AMOUNT_RULE, fractionToPpm } from './amounts.js'
import { GenesisError } from './errors.js'
import { MAX_COMMITTEE_SIZE, type CommitteeMember } from './committee-terms.js'
import { DEFAULT_GOVERNANCE, type GovernanceParams } from './governance-types.js'

/** Topic epochs are measured in ms here, so the weight drip's "blocks per month" is ms per month. */
export const MS_PER_MONTH = 30 * 24 * 3600 * 1000

const amount = z.string().regex(AMOUNT_PATTERN, `must be ${AMOUNT_RULE}`)
const ppm = z
  .number()
  .refine((x) => fractionToPpm(x) !== undefined, 'must be a fraction in [0, 1] with at most 6 decimals')
const epochMs = z.number().int().min(50).max(86_400_000)

const topicSchema = z.strictObject({
  id: z.string().refine(isValidTopicId, `must match ${TOPIC_ID_PATTERN}`),
  /** The topic definition file, relative to the genesis file; for the node, not the ledger. */
  file: z.string().min(1).nullable().default(null),
  /** The topic definition itself (a topic file's object); wins over `file`. For the node, not the ledger. */
  definition: z.record(z.string(), z.unknown()).nullable().default(null),
  creator: participantIdSchema.nullable().default(null),
  epochMs,
  minWorkerStake: amount.optional(),
  minReputerStake: amount.optional(),
  /** Fee revenue P_t the topic starts with: a weight signal (§14.1), not tokens. */
  initialRevenue: amount.default('0'),
  workers: z.array(participantIdSchema).default([]),
  reputers: z.array(participantIdSchema).default([]),
  /** SHA-256 of the topic's consensus rules (topic-rules.ts); null: only epochMs is pinned. */
  rules: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex chars (a SHA-256)')
    .nullable()
    .default(null),
})

const genesisSchema = z.strictObject({
  /** Free text for humans (JSON has no comments). */
  comment: z.string().optional(),
  chainId: z.string().min(1).max(64),
  /** ms since the Unix epoch of ledger epoch 0; null lets the cluster set it at start. */
  genesisTime: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable(),
  /** Length of a ledger epoch: the unit of unbonding delays and of the emission rate. */
  epochMs: z.number().int().min(1).max(86_400_000),
  committee: z
    .array(z.strictObject({ id: participantIdSchema, power: z.number().int().min(1).max(1e12) }))
    .min(1)
    .max(MAX_COMMITTEE_SIZE),
  accounts: z.array(z.strictObject({ id: participantIdSchema, balance: amount, stake: amount.default('0') })),
  topics: z.array(topicSchema),
  emission: z.strictObject({ perEpoch: amount, committeeShare: ppm }),
  fees: z.strictObject({ createTopic: amount }),
  unbondingEpochs: z.number().int().min(0).max(1_000_000),
  slashFraction: ppm,
  minimumStake: z.strictObject({ worker: amount, reputer: amount }),
  topicWeight: z
    .strictObject({
      stakeImportance: z.number().min(0).max(4).optional(),
      feeRevenueImportance: z.number().min(0).max(4).optional(),
      alpha: z.number().gt(0).max(1).optional(),
      minTopicWeight: z.number().min(0).optional(),
      /** The month of the revenue drip: a topic's revenue decays by a week (monthMs / 4.345) of epochs. */
      monthMs: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    })
    .default({}),
  /** The committee chosen by stake (committee-election.ts). */
  committeeElection: z
    .strictObject({
      /** Most members: the top candidates by stake. @default the genesis committee's size */
      size: z.number().int().min(1).max(MAX_COMMITTEE_SIZE).optional(),
      /** Self-stake a candidate needs to be elected. @default minimumStake.reputer */
      minStake: amount.optional(),
    })
    .default({}),
  /** On-chain votes on parameters (governance.ts). */
  governance: z
    .strictObject({
      /** Part of all bonded stake that must vote for a tally to count. */
      quorum: ppm.optional(),
      minVotingBlocks: z.number().int().min(1).max(1_000_000).optional(),
    })
    .default({}),
})

/** The genesis file's form, as `parseGenesis` reads it (amounts as decimal strings). */
export type GenesisFile = z.input<typeof genesisSchema>

export type { CommitteeMember } from './committee-terms.js'

export interface GenesisAccount {
  readonly id: string
  readonly balance: bigint
  readonly stake: bigint
}

export interface GenesisTopic {
  readonly id: string
  readonly file: string | null
  readonly definition: Readonly<Record<string, unknown>> | null
  readonly creator: string | null
  readonly epochMs: number
  readonly minWorkerStake: bigint
  readonly minReputerStake: bigint
  readonly initialRevenue: bigint
  readonly workers: readonly string[]
  readonly reputers: readonly string[]
  readonly rules: string | null
}

export interface Genesis {
  readonly chainId: string
  readonly genesisTime: number | null
  readonly epochMs: number
  /** The committee of the first COMMITTEE_LAG heights; the genesis candidates for the committee. */
  readonly committee: readonly CommitteeMember[]
  /** Most members of an elected committee. */
  readonly committeeSize: number
  /** Self-stake a candidate needs to be elected. */
  readonly committeeMinStake: bigint
  readonly accounts: readonly GenesisAccount[]
  readonly topics: readonly GenesisTopic[]
  /** Minted per ledger epoch of chain time, split among topics by weight (§14.2). */
  readonly emissionPerEpoch: bigint
  /** Part of every topic emission paid to the commit's signers, in ppm. */
  readonly committeeSharePpm: number
  readonly createTopicFee: bigint
  readonly unbondingEpochs: number
  /** Part of an equivocator's stake (and unbonding) burned per piece of evidence, in ppm. */
  readonly slashFractionPpm: number
  /** Floors of the per-topic minimum stakes; create-topic may ask more, never less. */
  readonly minimumStake: { readonly worker: bigint; readonly reputer: bigint }
  /** §14.1 parameters, with epoch lengths in ms. */
  readonly topicWeight: TopicWeightParams
  readonly governance: GovernanceParams
}

function fail(source: string, path: readonly PropertyKey[], message: string): never {
  const field = path.length > 0 ? path.map(String).join('.') : '(root)'
  throw new GenesisError(`${source}: ${field}: ${message}`)
}

function firstDuplicate(ids: readonly string[]): number {
  const seen = new Set<string>()
  for (let i = 0; i < ids.length; i++) {
    if (seen.has(ids[i])) return i
    seen.add(ids[i])
  }
  return -1
}

/** Validate a parsed genesis object; `source` names where it came from in errors. */
export function parseGenesis(value: unknown, source: string): Genesis {
  const parsed = genesisSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    fail(source, issue.path, issue.message)
  }
  const g = parsed.data
  const duplicate = (list: readonly string[], field: string): void => {
    const i = firstDuplicate(list)
    if (i >= 0) fail(source, [field, i, 'id'], `duplicate id ${list[i]}`)
  }
  duplicate(
    g.committee.map((m) => m.id),
    'committee',
  )
  duplicate(
    g.accounts.map((a) => a.id),
    'accounts',
  )
  duplicate(
    g.topics.map((t) => t.id),
    'topics',
  )

  const minimumStake = { worker: BigInt(g.minimumStake.worker), reputer: BigInt(g.minimumStake.reputer) }
  const stakes = new Map(g.accounts.map((a) => [a.id, BigInt(a.stake)]))
  const topics = g.topics.map((t, i): GenesisTopic => {
    const minWorkerStake = BigInt(t.minWorkerStake ?? g.minimumStake.worker)
    const minReputerStake = BigInt(t.minReputerStake ?? g.minimumStake.reputer)
    if (minWorkerStake < minimumStake.worker)
      fail(source, ['topics', i, 'minWorkerStake'], 'is below minimumStake.worker')
    if (minReputerStake < minimumStake.reputer)
      fail(source, ['topics', i, 'minReputerStake'], 'is below minimumStake.reputer')
    for (const [role, ids, min] of [
      ['workers', t.workers, minWorkerStake],
      ['reputers', t.reputers, minReputerStake],
    ] as const) {
      const d = firstDuplicate(ids)
      if (d >= 0) fail(source, ['topics', i, role, d], `duplicate id ${ids[d]}`)
      ids.forEach((id, j) => {
        const stake = stakes.get(id)
        if (stake === undefined) fail(source, ['topics', i, role, j], `${id} is not in accounts`)
        if (stake < min) fail(source, ['topics', i, role, j], `${id} stakes ${stake}, below the topic's minimum ${min}`)
      })
    }
    return { ...t, minWorkerStake, minReputerStake, initialRevenue: BigInt(t.initialRevenue) }
  })
  const { monthMs, ...weightParams } = g.topicWeight

  return {
    chainId: g.chainId,
    genesisTime: g.genesisTime,
    epochMs: g.epochMs,
    committee: g.committee,
    committeeSize: g.committeeElection.size ?? g.committee.length,
    committeeMinStake: BigInt(g.committeeElection.minStake ?? g.minimumStake.reputer),
    accounts: g.accounts.map((a) => ({ id: a.id, balance: BigInt(a.balance), stake: BigInt(a.stake) })),
    topics,
    emissionPerEpoch: BigInt(g.emission.perEpoch),
    committeeSharePpm: fractionToPpm(g.emission.committeeShare) as number,
    createTopicFee: BigInt(g.fees.createTopic),
    unbondingEpochs: g.unbondingEpochs,
    slashFractionPpm: fractionToPpm(g.slashFraction) as number,
    minimumStake,
    // The chain's MinTopicWeight (100) is in its own units (uallo, blocks); here weights have
    // other units, so by default any topic someone pays for competes.
    governance: {
      quorumPpm:
        g.governance.quorum === undefined
          ? DEFAULT_GOVERNANCE.quorumPpm
          : (fractionToPpm(g.governance.quorum) as number),
      minVotingBlocks: g.governance.minVotingBlocks ?? DEFAULT_GOVERNANCE.minVotingBlocks,
    },
    topicWeight: {
      ...DEFAULT_TOPIC_WEIGHT_PARAMS,
      minTopicWeight: 0,
      ...weightParams,
      blocksPerMonth: monthMs ?? MS_PER_MONTH,
    },
  }
}

export async function loadGenesis(path: string): Promise<Genesis> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new GenesisError(
      `cannot read genesis file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new GenesisError(`${path}: not valid JSON: ${(err as Error).message}`)
  }
  return parseGenesis(value, path)
}

/** The genesis with its start time fixed, e.g. by a cluster that starts now. */
export function withGenesisTime(genesis: Genesis, genesisTime: number): Genesis {
  return { ...genesis, genesisTime }
}

/** The ledger epoch a block timestamp falls in (epoch 0 before genesis). */
export function ledgerEpochAt(genesis: Pick<Genesis, 'genesisTime' | 'epochMs'>, timestampMs: number): number {
  if (genesis.genesisTime === null) throw new GenesisError('genesisTime is not set (call withGenesisTime first)')
  return Math.max(0, Math.floor((timestampMs - genesis.genesisTime) / genesis.epochMs))
}

const ppmToFraction = (ppm: number): number => ppm / 1e6

/** The file form of a genesis (parseGenesis(genesisToJson(g)) equals g), e.g. to persist a generated one. */
export function genesisToJson(genesis: Genesis): Record<string, unknown> {
  const { stakeImportance, feeRevenueImportance, alpha, minTopicWeight, blocksPerMonth } = genesis.topicWeight
  return {
    chainId: genesis.chainId,
    genesisTime: genesis.genesisTime,
    epochMs: genesis.epochMs,
    committee: genesis.committee.map((m) => ({ id: m.id, power: m.power })),
    accounts: genesis.accounts.map((a) => ({ id: a.id, balance: String(a.balance), stake: String(a.stake) })),
    topics: genesis.topics.map((t) => ({
      id: t.id,
      file: t.file,
      definition: t.definition,
      creator: t.creator,
      epochMs: t.epochMs,
      minWorkerStake: String(t.minWorkerStake),
      minReputerStake: String(t.minReputerStake),
      initialRevenue: String(t.initialRevenue),
      workers: [...t.workers],
      reputers: [...t.reputers],
      rules: t.rules,
    })),
    emission: { perEpoch: String(genesis.emissionPerEpoch), committeeShare: ppmToFraction(genesis.committeeSharePpm) },
    fees: { createTopic: String(genesis.createTopicFee) },
    unbondingEpochs: genesis.unbondingEpochs,
    slashFraction: ppmToFraction(genesis.slashFractionPpm),
    minimumStake: { worker: String(genesis.minimumStake.worker), reputer: String(genesis.minimumStake.reputer) },
    topicWeight: {
      stakeImportance,
      feeRevenueImportance,
      alpha,
      minTopicWeight,
      // Written only when set, so a genesis without it keeps its hash.
      ...(blocksPerMonth === MS_PER_MONTH ? {} : { monthMs: blocksPerMonth }),
    },
    // Written only when not the defaults, so a genesis without it keeps its hash.
    ...(genesis.committeeSize === genesis.committee.length && genesis.committeeMinStake === genesis.minimumStake.reputer
      ? {}
      : { committeeElection: { size: genesis.committeeSize, minStake: String(genesis.committeeMinStake) } }),
    ...(genesis.governance.quorumPpm === DEFAULT_GOVERNANCE.quorumPpm &&
    genesis.governance.minVotingBlocks === DEFAULT_GOVERNANCE.minVotingBlocks
      ? {}
      : {
          governance: {
            quorum: ppmToFraction(genesis.governance.quorumPpm),
            minVotingBlocks: genesis.governance.minVotingBlocks,
          },
        }),
  }
}

/**
 * The network's identity: SHA-256 (hex) of the genesis in its file form, canonically encoded
 * and domain-separated. Two nodes with the same hash run the same chain from the same start.
 */
export function genesisHash(genesis: Genesis): string {
  return toHex(
    createHash('sha256')
      .update('chorus/genesis/v1\0')
      .update(encodeCanonical(genesisToJson(genesis)))
      .digest(),
  )
}
