/**
 * The application message types, their payload schemas and the per-type tables the validator
 * and the node use. Adding a type is a compile error until every table has its entry.
 * Payloads carry participant ids as lowercase hex of their ed25519 public key.
 */
import { z } from 'zod'
import type { ChannelKind } from './channels.js'

export const MESSAGE_TYPES = [
  'inference',
  'inference-commit',
  'forecast',
  'loss-bundle',
  'proposal',
  'vote',
  'commit',
  'tx',
] as const
export type MessageType = (typeof MESSAGE_TYPES)[number]

const KiB = 1024
const MiB = 1024 * KiB

/** A participant / account id: hex of a 32-byte ed25519 public key. */
export const participantIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex chars (an ed25519 public key)')
/** Byte strings of any backing buffer (z.instanceof narrows to ArrayBuffer-backed ones). */
const uint8 = () => z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'must be a byte string')
const finite = z.number().refine(Number.isFinite, 'must be a finite number')
const nonNegativeInt = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const bytes = (length: number) => uint8().refine((b) => b.length === length, `must be ${length} bytes`)

/**
 * The log10 of a loss (a positive finite double) lies in [−324, 309]; forecasts and loss
 * bundles carry nothing else, and a larger number from one worker or reputer would make the
 * epoch's synthesis or settlement fail for everyone. The same range as the synthesis
 * engine's (src/synthesis/input-ranges.ts; a test holds them equal).
 */
export const LOG10_LOSS_RANGE = { min: -324, max: 309 } as const
const isLog10Loss = (v: number): boolean => v >= LOG10_LOSS_RANGE.min && v <= LOG10_LOSS_RANGE.max
const log10Loss = z
  .number()
  .refine(isLog10Loss, `must be a log10 loss (a number in [${LOG10_LOSS_RANGE.min}, ${LOG10_LOSS_RANGE.max}])`)
const log10LossMap = z.record(participantIdSchema, log10Loss)

/**
 * Elements of one forecast, at most (docs/spec/math.md §2, the chain's MaxElementsPerForecast):
 * each element costs the coordinators a one-out recomputation over all of them.
 */
export const MAX_ELEMENTS_PER_FORECAST = 12
const forecastLosses = log10LossMap.refine(
  (m) => Object.keys(m).length <= MAX_ELEMENTS_PER_FORECAST,
  `must hold at most ${MAX_ELEMENTS_PER_FORECAST} elements`,
)

/**
 * An inference is any number up to 1e300 in magnitude: the network inference is a weighted
 * sum of them, which one value near the largest double would overflow (the epoch would fail
 * for everyone). The synthesis engine's limit (src/synthesis/input-ranges.ts).
 */
export const INFERENCE_LIMIT = 1e300
const inferenceNumber = z
  .number()
  .refine((v) => Math.abs(v) <= INFERENCE_LIMIT, `must be a number of magnitude at most ${INFERENCE_LIMIT}`)

/** Ascending, unique participant ids. */
const sortedIds = z
  .array(participantIdSchema)
  .refine((ids) => ids.every((id, i) => i === 0 || ids[i - 1] < id), 'ids must be ascending and unique')

/**
 * A table by (row id, column id) as the synthesis engine holds it: a Float64Array (tag 86 on
 * the wire) of rows × cols entries, each a log10 loss or NaN (absent).
 */
const log10LossTable = z
  .strictObject({ rows: sortedIds, cols: sortedIds, values: z.instanceof(Float64Array) })
  .refine((t) => t.values.length === t.rows.length * t.cols.length, 'values must hold rows × cols entries')
  .refine(
    (t) => t.values.every((v) => v !== v || isLog10Loss(v)),
    `values must be log10 losses (in [${LOG10_LOSS_RANGE.min}, ${LOG10_LOSS_RANGE.max}]), or NaN for an absent entry`,
  )

/**
 * A worker's answer for one epoch: a number, or a vector for multi-output topics. On a
 * commit-reveal topic this is the reveal, and `salt` opens the earlier commitment.
 */
export const inferencePayloadSchema = z.strictObject({
  value: z.union([inferenceNumber, z.array(inferenceNumber).min(1).max(256)]),
  salt: z
    .instanceof(Uint8Array)
    .refine((b) => b.length >= 16 && b.length <= 32, 'must be 16..32 bytes')
    .optional(),
})

/** Commit-reveal, phase one: SHA-256 over the domain-separated (topic, epoch, signer, value, salt). */
export const inferenceCommitPayloadSchema = z.strictObject({
  commitment: bytes(32),
})

/** The log10 loss a worker expects each other inferer to get this epoch. */
export const forecastPayloadSchema = z.strictObject({
  losses: forecastLosses,
})

/** A reputer's log10 losses of every value of a decided epoch (docs/spec/math.md §2). */
export const lossBundlePayloadSchema = z.strictObject({
  network: log10Loss,
  naive: log10Loss,
  inferers: log10LossMap,
  forecasters: log10LossMap,
  oneOutInferers: log10LossMap,
  oneOutForecasters: log10LossMap,
  oneInForecasters: log10LossMap,
  /** Row forecaster k, column withheld inferer l. */
  oneOutInfererForecasters: log10LossTable,
})

export const proposalPayloadSchema = z.strictObject({
  height: nonNegativeInt,
  round: nonNegativeInt,
  /** Round of the proof-of-lock this proposal re-proposes, or -1. */
  polRound: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER),
  blockHash: bytes(32),
  /** The canonical block bytes; their hash must be blockHash (checked by consensus). */
  block: uint8(),
})

export const VOTE_STEPS = ['prevote', 'precommit'] as const
export const votePayloadSchema = z.strictObject({
  height: nonNegativeInt,
  round: nonNegativeInt,
  step: z.enum(VOTE_STEPS),
  /** null votes for "no block" (nil). */
  blockHash: bytes(32).nullable(),
})

/**
 * A committed block and its certificate (the precommit vote envelopes), announced by a
 * committee member after it commits: anyone holding the committee's keys can check it.
 */
export const commitPayloadSchema = z.strictObject({
  height: nonNegativeInt,
  block: uint8(),
  certificate: z.array(uint8()).min(1).max(1024),
})

export const TX_KINDS = [
  'transfer',
  'stake',
  'unstake',
  'delegate',
  'register',
  'deregister',
  'create-topic',
  'fund-topic',
  'candidacy',
  'propose',
  'vote',
] as const
export const txPayloadSchema = z.strictObject({
  kind: z.enum(TX_KINDS),
  /** Per-account sequence number: a replayed or reordered tx is rejected by the ledger. */
  accountNonce: nonNegativeInt,
  /** Kind-specific fields; the ledger validates them. */
  body: z.record(z.string(), z.union([z.string(), finite, z.boolean(), z.null()])),
})

export interface PayloadMap {
  inference: z.infer<typeof inferencePayloadSchema>
  'inference-commit': z.infer<typeof inferenceCommitPayloadSchema>
  forecast: z.infer<typeof forecastPayloadSchema>
  'loss-bundle': z.infer<typeof lossBundlePayloadSchema>
  proposal: z.infer<typeof proposalPayloadSchema>
  vote: z.infer<typeof votePayloadSchema>
  commit: z.infer<typeof commitPayloadSchema>
  tx: z.infer<typeof txPayloadSchema>
}

export interface MessageSpec<T extends MessageType> {
  /** The channel kind the type travels on. */
  readonly channel: ChannelKind
  /** Whether the envelope names a topic (network-wide types carry `''`). */
  readonly topicScoped: boolean
  /** Largest accepted envelope, in bytes. */
  readonly maxBytes: number
  readonly schema: z.ZodType<PayloadMap[T]>
  /**
   * The slot a signer may fill once; a second message for the same slot is a replay or an
   * equivocation. Vote and proposal slots include the step so evidence stays per step.
   */
  readonly slot: (epoch: number, payload: PayloadMap[T]) => string
  /**
   * Whether `slot` reads the payload. A slot that does not (one message per signer, topic and
   * epoch) is looked up before the payload is parsed, so a replay into it costs no parse.
   */
  readonly slotReadsPayload: boolean
  /**
   * What a second, different message for a filled slot gets: 'reject' (a replay or a lazy
   * resubmission) or 'deliver' (consensus equivocation: the receiver keeps it as evidence).
   */
  readonly onConflict: 'reject' | 'deliver'
}

export const MESSAGE_SPECS: { readonly [T in MessageType]: MessageSpec<T> } = {
  inference: {
    channel: 'inferences',
    topicScoped: true,
    maxBytes: 4 * KiB,
    schema: inferencePayloadSchema,
    slot: (e) => `${e}`,
    slotReadsPayload: false,
    onConflict: 'deliver',
  },
  'inference-commit': {
    channel: 'inferences',
    topicScoped: true,
    maxBytes: 1 * KiB,
    schema: inferenceCommitPayloadSchema,
    slot: (e) => `${e}`,
    slotReadsPayload: false,
    onConflict: 'deliver',
  },
  forecast: {
    channel: 'forecasts',
    topicScoped: true,
    maxBytes: 128 * KiB,
    schema: forecastPayloadSchema,
    slot: (e) => `${e}`,
    slotReadsPayload: false,
    onConflict: 'deliver',
  },
  'loss-bundle': {
    channel: 'losses',
    topicScoped: true,
    maxBytes: 1 * MiB,
    schema: lossBundlePayloadSchema,
    slot: (e) => `${e}`,
    slotReadsPayload: false,
    onConflict: 'deliver',
  },
  proposal: {
    channel: 'consensus',
    topicScoped: false,
    maxBytes: 2 * MiB,
    schema: proposalPayloadSchema,
    slot: (_e, p) => `${p.height}/${p.round}`,
    slotReadsPayload: true,
    onConflict: 'deliver',
  },
  vote: {
    channel: 'consensus',
    topicScoped: false,
    maxBytes: 1 * KiB,
    schema: votePayloadSchema,
    slot: (_e, p) => `${p.height}/${p.round}/${p.step}`,
    slotReadsPayload: true,
    onConflict: 'deliver',
  },
  commit: {
    channel: 'commits',
    topicScoped: false,
    maxBytes: 2 * MiB,
    schema: commitPayloadSchema,
    slot: (_e, p) => `${p.height}`,
    slotReadsPayload: true,
    onConflict: 'reject',
  },
  tx: {
    channel: 'tx',
    topicScoped: false,
    maxBytes: 8 * KiB,
    schema: txPayloadSchema,
    // Every distinct tx has its own slot: the ledger, not gossip, decides which of two txs with
    // one nonce wins (a refused tx must not lock its nonce); identical bytes stay duplicates.
    slot: (_e, p) =>
      `${p.accountNonce}|${p.kind}|${JSON.stringify(Object.entries(p.body).sort(([a], [b]) => (a < b ? -1 : 1)))}`,
    slotReadsPayload: true,
    onConflict: 'reject',
  },
}

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value)
}

/** The largest envelope of any type: gossipsub's own inbound limit. */
export const MAX_ENVELOPE_BYTES = Math.max(...MESSAGE_TYPES.map((t) => MESSAGE_SPECS[t].maxBytes))
