/**
 * Bodies of the ledger's transaction kinds. The transport checked only that a body is a flat
 * record of strings, numbers, booleans and nulls; here each kind gets a strict shape. Amounts
 * must be canonical positive decimal strings (a number would lose digits above 2^53, and one
 * spelling per amount keeps signed bytes unambiguous). The first failing field picks the code.
 */
import { z } from 'zod'
import { TOPIC_ID_PATTERN } from '../../wire/channels.js'
import { TX_KINDS } from '../../wire/messages.js'
import { AMOUNT_RULE, POSITIVE_AMOUNT_PATTERN } from './amounts.js'
import { reject, type TxRejection } from './errors.js'
import { TOPIC_ROLES } from './state.js'
import { VOTE_CHOICES } from './governance-types.js'

export type TxKind = (typeof TX_KINDS)[number]
export type TxBodyValue = string | number | boolean | null

const amount = z
  .string({ error: `must be ${AMOUNT_RULE}` })
  .regex(POSITIVE_AMOUNT_PATTERN, `must be a positive integer, ${AMOUNT_RULE}`)
  .transform((s) => BigInt(s))
const account = z
  .string({ error: 'must be an account id' })
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex chars (an ed25519 public key)')
const topicId = z.string({ error: 'must be a topic id' }).regex(TOPIC_ID_PATTERN, `must match ${TOPIC_ID_PATTERN}`)

export const TX_BODY_SCHEMAS = {
  transfer: z.strictObject({ to: account, amount }),
  stake: z.strictObject({ amount }),
  /** With `reputer`, undelegates from that reputer instead of unbonding self-stake. */
  unstake: z.strictObject({ amount, reputer: account.optional() }),
  delegate: z.strictObject({ reputer: account, amount }),
  register: z.strictObject({ topicId, role: z.enum(TOPIC_ROLES) }),
  deregister: z.strictObject({ topicId, role: z.enum(TOPIC_ROLES) }),
  'create-topic': z.strictObject({
    topicId,
    epochMs: z.number().int().min(50).max(86_400_000),
    minWorkerStake: amount.optional(),
    minReputerStake: amount.optional(),
    /** The topic file's object as JSON; with it the chain runs the topic (chain/created-topics.ts). */
    definition: z.string().max(6000).optional(),
  }),
  'fund-topic': z.strictObject({ topicId, amount }),
  /** Stand for the committee (true) or withdraw (false); election is by self-stake (committee-election.ts). */
  candidacy: z.strictObject({ stand: z.boolean({ error: 'must be true or false' }) }),
  /** A new value (as text) for one governed parameter, and the height that tallies and applies it. */
  propose: z.strictObject({
    param: z.string().max(64),
    value: z.string().max(64),
    height: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  }),
  vote: z.strictObject({
    proposal: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    choice: z.enum(VOTE_CHOICES),
  }),
} as const satisfies { readonly [K in TxKind]: z.ZodType }

export type TxBody<K extends TxKind> = z.infer<(typeof TX_BODY_SCHEMAS)[K]>

const AMOUNT_FIELDS = new Set(['amount', 'minWorkerStake', 'minReputerStake'])
const ID_FIELDS = new Set(['to', 'reputer', 'topicId'])

export function isTxKind(kind: string): kind is TxKind {
  return (TX_KINDS as readonly string[]).includes(kind)
}

export function parseTxBody<K extends TxKind>(
  kind: K,
  body: Readonly<Record<string, TxBodyValue>>,
): { ok: true; body: TxBody<K> } | TxRejection {
  const parsed = TX_BODY_SCHEMAS[kind].safeParse(body)
  if (parsed.success) return { ok: true, body: parsed.data as TxBody<K> }
  const issue = parsed.error.issues[0]
  const field = issue.path.length > 0 ? String(issue.path[0]) : ''
  // An unknown or missing key is a shape error whatever its name.
  const shape = issue.code === 'unrecognized_keys' || (issue.code === 'invalid_type' && !Object.hasOwn(body, field))
  const code = shape
    ? 'BAD_BODY'
    : AMOUNT_FIELDS.has(field)
      ? 'BAD_AMOUNT'
      : ID_FIELDS.has(field)
        ? 'BAD_ID'
        : 'BAD_BODY'
  return reject(code, `${kind} body: ${field || '(root)'}: ${issue.message}`)
}
