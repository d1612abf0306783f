/**
 * Topic definitions: one JSON file per topic under configs/topics/. Loading validates every
 * field and an error names the file, the field and the reason.
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { isValidTopicId } from '../wire/index.js'
import { parseParams } from '../synthesis/epoch-json.js'
import { SynthesisError } from '../synthesis/errors.js'
import type { SynthesisParams } from '../synthesis/types.js'
import { writeParams } from '../synthesis/epoch-json-write.js'
import { LOSS_FUNCTIONS, type LossFunctionName } from './losses.js'
import { activeSetSchema, type ActiveSetParams } from '../synthesis/active-set.js'

export interface TopicConfig {
  readonly id: string
  readonly name: string
  readonly lossFunction: LossFunctionName
  /** Epoch e is [genesis + e·epochMs, genesis + (e+1)·epochMs). */
  readonly epochMs: number
  /** Inferences (or commitments) are accepted during the first submissionWindowMs of an epoch. */
  readonly submissionWindowMs: number
  /** The truth of epoch e is known once epoch e + groundTruthLag opens. */
  readonly groundTruthLag: number
  /** Ground-truth source spec: `synthetic[:seed]`, `csv:PATH[:COLUMN]`, `http:URL`. */
  readonly groundTruth: string
  /** Workers publish a hash commitment in the window and reveal after it. */
  readonly commitReveal: boolean
  /** Synthesis parameters (spec defaults, overridden by the file's snake_case `params`). */
  readonly params: SynthesisParams
  /** Reward paid to the topic's participants per settled epoch (until the ledger's emission). */
  readonly rewardPerEpoch: number
  /** Caps on the actors synthesised and paid per epoch, chosen by score EMA. */
  readonly activeSet: ActiveSetParams
}

export class TopicConfigError extends Error {
  override readonly name = 'TopicConfigError'
}

const topicFileSchema = z.strictObject({
  id: z.string().refine(isValidTopicId, 'must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  name: z.string().min(1).max(200),
  lossFunction: z.enum(LOSS_FUNCTIONS).default('squared-error'),
  epochMs: z.number().int().min(50).max(86_400_000),
  submissionWindowMs: z.number().int().positive().optional(),
  groundTruthLag: z.number().int().min(1).max(1000).default(1),
  groundTruth: z.string().min(1).default('synthetic:1'),
  commitReveal: z.boolean().default(false),
  params: z.record(z.string(), z.unknown()).default({}),
  rewardPerEpoch: z.number().nonnegative().default(1000),
  activeSet: activeSetSchema,
})

/** Validate a parsed topic object; `source` names where it came from in errors. */
export function parseTopicConfig(value: unknown, source: string): TopicConfig {
  const parsed = topicFileSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue.path.length > 0 ? issue.path.join('.') : '(root)'
    throw new TopicConfigError(`${source}: ${field}: ${issue.message}`)
  }
  const file = parsed.data
  const window = file.submissionWindowMs ?? Math.floor(file.epochMs * 0.6)
  if (window >= file.epochMs) {
    throw new TopicConfigError(
      `${source}: submissionWindowMs: must be less than epochMs (${window} >= ${file.epochMs})`,
    )
  }
  let params: SynthesisParams
  try {
    params = parseParams(file.params, 'params')
  } catch (err) {
    if (err instanceof SynthesisError || err instanceof Error) throw new TopicConfigError(`${source}: ${err.message}`)
    throw err
  }
  return { ...file, submissionWindowMs: window, params }
}

export async function loadTopicConfig(path: string): Promise<TopicConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new TopicConfigError(
      `cannot read topic file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new TopicConfigError(`${path}: not valid JSON: ${(err as Error).message}`)
  }
  return parseTopicConfig(value, path)
}

/**
 * The topic file's object of a config (parseTopicConfig(topicDefinition(c)) equals c), with
 * every default written out: what a genesis embeds, so every node runs the same definition.
 */
export function topicDefinition(config: TopicConfig): Record<string, unknown> {
  return {
    id: config.id,
    name: config.name,
    lossFunction: config.lossFunction,
    epochMs: config.epochMs,
    submissionWindowMs: config.submissionWindowMs,
    groundTruthLag: config.groundTruthLag,
    groundTruth: config.groundTruth,
    commitReveal: config.commitReveal,
    params: writeParams(config.params),
    rewardPerEpoch: config.rewardPerEpoch,
    activeSet: { ...config.activeSet },
  }
}
