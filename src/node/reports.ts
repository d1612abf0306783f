/**
 * What a standalone node reports as it runs, beyond its start: each committed epoch of the
 * topics it serves with its own part in it, and a coordinator's entries into and exits from
 * the committee (elected by stake, COMMITTEE_LAG heights ahead).
 */
import type { Block } from '../consensus/chain/block.js'
import { COMMITTEE_LAG, committeeAt } from '../consensus/ledger/index.js'
import { decisionsOfBlock } from '../roles/decisions.js'
import type { RoleNode, Role } from './role-node.js'

/** What a standalone node reports while it starts and runs (the CLI prints these). */
export type NodeReport =
  | {
      readonly type: 'node'
      readonly role: Role
      readonly peerId: string
      readonly participantId: string
      readonly addrs: readonly string[]
      readonly height: number
      /** The consumer API's URL, when it serves one. */
      readonly api: string | null
    }
  | { readonly type: 'dial-failed'; readonly address: string; readonly attempt: number; readonly reason: string }
  | { readonly type: 'synced'; readonly height: number }
  | { readonly type: 'registering'; readonly topics: readonly string[]; readonly stake: string }
  | { readonly type: 'registered'; readonly topics: readonly string[]; readonly height: number }
  | { readonly type: 'working'; readonly topics: readonly string[] }
  /** A coordinator elected into the committee (deciding from `height`), or out of it. */
  | { readonly type: 'committee'; readonly member: boolean; readonly height: number }
  | {
      readonly type: 'epoch'
      readonly role: Role
      readonly topic: string
      readonly epoch: number
      readonly height: number
      /** The committed block's hash (hex). */
      readonly hash: string
      /** When this node committed or adopted the block (ms since the Unix epoch). */
      readonly atMs: number
      readonly networkInference: number
      /** This node's inference in the epoch (workers), or null when it is not in it. */
      readonly inference: number | null
      readonly weight: number | null
      /** Rewards to this node in the epochs this block settled (smallest units, summed). */
      readonly reward: string | null
    }

/** Report each committed epoch of the served topics, with this node's part in it. */
export function watchEpochs(
  node: RoleNode,
  role: Role,
  report: (r: NodeReport) => void,
  served: readonly string[],
): void {
  const self = node.participantId
  node.driver.events.on('commit', ({ block, height, hash, committedAtMs }) => {
    for (const topic of served) {
      const reward = rewardIn(block, topic, self)
      for (const d of decisionsOfBlock(block, topic)) {
        report({
          type: 'epoch',
          role,
          topic,
          epoch: d.epoch,
          height,
          hash,
          atMs: committedAtMs,
          networkInference: d.output.networkInference,
          inference: d.inferences[self] ?? null,
          weight: d.output.weights.inferers[self] ?? null,
          reward,
        })
      }
    }
  })
}

/** What the epochs a block settled in `topic` paid `id` (null when it settled none). */
function rewardIn(block: Block, topic: string, id: string): string | null {
  let total: number | null = null
  for (const te of block.topicEpochs) {
    if (te.topicId !== topic) continue
    for (const s of te.settled) {
      const r = s.rewards as unknown as Record<string, Record<string, number> | undefined>
      for (const family of Object.values(r)) {
        const v = family?.[id]
        if (typeof v === 'number') total = (total ?? 0) + v
      }
    }
  }
  return total === null ? null : String(total)
}

/** Report when the ledger elects this coordinator into the committee, or out of it. */
export function watchCommittee(node: RoleNode, report: (r: NodeReport) => void): void {
  const self = node.participantId
  let member = node.driver.isMember()
  node.driver.events.on('commit', ({ height }) => {
    const at = height + COMMITTEE_LAG
    const elected = committeeAt(node.driver.chain.ledger, at)?.some((m) => m.id === self) ?? member
    if (elected === member) return
    member = elected
    report({ type: 'committee', member, height: at })
  })
}
