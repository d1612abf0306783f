/**
 * What a chaos runner tells a node's fault layer: link conditions, cuts and heals, as plain
 * JSON (they cross a process boundary), each checked before it takes effect.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { z } from 'zod'

/**
 * Conditions on what this node sends to one peer (or to every peer). Absent fields are off.
 * docs/transport.md ("Fault layer") says at which level each acts.
 */
export interface LinkConditions {
  /** Added to every chunk of the byte stream, in ms. */
  readonly latencyMs?: number
  /** Each chunk's latency varies uniformly by ± this, in ms; bytes are never reordered. */
  readonly jitterMs?: number
  /** Probability that a gossip frame is never sent. */
  readonly loss?: number
  /** Probability that a gossip frame is sent twice. */
  readonly duplicate?: number
  /** Probability that a gossip frame is held back behind the next one. */
  readonly reorder?: number
  /** Bytes per second the link carries; absent: unlimited. */
  readonly bandwidthBytesPerSec?: number
}

export type FaultCommand =
  /** Set the conditions towards `peer` (absent: the default for every peer); null removes them. */
  | { readonly op: 'link'; readonly peer?: string; readonly conditions: LinkConditions | null }
  /** Remove every condition, the default and each peer's (cuts stay). */
  | { readonly op: 'clear' }
  /** Close every connection to the peers and refuse new ones, both ways, until healed. */
  | { readonly op: 'cut'; readonly peers: readonly string[] }
  /** Accept the peers again (absent: every cut peer). */
  | { readonly op: 'heal'; readonly peers?: readonly string[] }

export class FaultCommandError extends Error {
  override name = 'FaultCommandError'
}

/** A day: a latency beyond it is a mistake, not a condition. */
const MAX_LATENCY_MS = 86_400_000

const probability = z.number().min(0).max(1)
const milliseconds = z.number().min(0).max(MAX_LATENCY_MS)

export const linkConditionsSchema = z.strictObject({
  latencyMs: milliseconds.optional(),
  jitterMs: milliseconds.optional(),
  loss: probability.optional(),
  duplicate: probability.optional(),
  reorder: probability.optional(),
  bandwidthBytesPerSec: z.number().positive().max(Number.MAX_SAFE_INTEGER).optional(),
})

const peerIdSchema = z.string().refine(
  (s) => {
    try {
      peerIdFromString(s)
      return true
    } catch {
      return false
    }
  },
  { message: 'not a libp2p peer id' },
)

const commandSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('link'), peer: peerIdSchema.optional(), conditions: linkConditionsSchema.nullable() }),
  z.strictObject({ op: z.literal('clear') }),
  z.strictObject({ op: z.literal('cut'), peers: z.array(peerIdSchema) }),
  z.strictObject({ op: z.literal('heal'), peers: z.array(peerIdSchema).optional() }),
])

function explain(error: z.ZodError): string {
  const issue = error.issues[0]
  const where = issue.path.length === 0 ? '' : `${issue.path.join('.')}: `
  return `${where}${issue.message}`
}

/** Check a command from outside; a bad one is a FaultCommandError naming the field. */
export function parseFaultCommand(value: unknown): FaultCommand {
  const parsed = commandSchema.safeParse(value)
  if (!parsed.success) throw new FaultCommandError(`invalid fault command: ${explain(parsed.error)}`)
  return parsed.data
}

/** Check peer ids from outside (libp2p's text form). */
export function checkPeerIds(peers: readonly string[]): void {
  const parsed = z.array(peerIdSchema).safeParse(peers)
  if (!parsed.success) throw new FaultCommandError(`invalid peer id: ${explain(parsed.error)}`)
}

/** Check link conditions from outside (the same rules as in a `link` command). */
export function parseLinkConditions(value: unknown): LinkConditions {
  const parsed = linkConditionsSchema.safeParse(value)
  if (!parsed.success) throw new FaultCommandError(`invalid link conditions: ${explain(parsed.error)}`)
  return parsed.data
}
