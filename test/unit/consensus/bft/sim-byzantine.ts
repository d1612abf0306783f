/**
 * How each kind of member sends in the simulator. Byzantine members sign only as themselves
 * (the driver checks envelope signatures, so nobody can forge another's vote), but otherwise
 * do what they like: send different votes or proposals to different peers, build invalid
 * blocks, stay silent, or send arbitrary votes and proposals for nearby rounds.
 */
import { type ConsensusEvent, type Proposal, type Vote, proposer } from '../../../../src/consensus/bft/index.js'
import type { Sim, SimNode } from './sim.js'

export type Behaviour =
  /** Follows the protocol (may crash and recover). */
  | 'honest'
  /** Never sends anything. */
  | 'silent'
  /** Runs the protocol but sends each peer its real vote, a conflicting one, or both. */
  | 'equivocator'
  /** Runs the protocol but proposes a second, different block to some peers. */
  | 'doubleProposer'
  /** Runs the protocol but every block it builds is invalid. */
  | 'invalidProposer'
  /** No protocol: random votes and proposals for nearby rounds, to random peers. */
  | 'chaos'

export type Msg =
  | { readonly kind: 'proposal'; readonly proposal: Proposal }
  | { readonly kind: 'vote'; readonly vote: Vote }

export const msgHeight = (m: Msg): number => (m.kind === 'vote' ? m.vote.height : m.proposal.height)
export const msgRound = (m: Msg): number => (m.kind === 'vote' ? m.vote.round : m.proposal.round)
export const toEvent = (m: Msg): ConsensusEvent =>
  m.kind === 'vote' ? { type: 'vote', vote: m.vote } : { type: 'proposal', proposal: m.proposal }

/** Sends what `node`'s machine asked to broadcast, the way its behaviour wants. */
export function byzantineSend(sim: Sim, node: SimNode, msg: Msg): void {
  if (node.behaviour === 'equivocator' && msg.kind === 'vote') {
    const v = msg.vote
    return split(sim, node, msg, {
      kind: 'vote',
      vote: { ...v, blockHash: v.blockHash === null ? someBlock(sim, v.height) : null },
    })
  }
  if (node.behaviour === 'doubleProposer' && msg.kind === 'proposal') {
    const p = msg.proposal
    return split(sim, node, msg, {
      kind: 'proposal',
      proposal: { ...p, blockHash: sim.newBlock(p.height, true), polRound: -1 },
    })
  }
  sim.send(node, msg)
  node.own.push({ msg })
}

/** Each peer gets `a`, `b`, or both; re-sends keep to the same split. */
function split(sim: Sim, node: SimNode, a: Msg, b: Msg): void {
  const toA = new Set<number>()
  const toB = new Set<number>()
  for (const peer of sim.peers(node)) {
    const pick = sim.rng.int(3)
    if (pick !== 1) toA.add(peer)
    if (pick !== 0) toB.add(peer)
  }
  sim.send(node, a, toA)
  sim.send(node, b, toB)
  node.own.push({ msg: a, to: toA }, { msg: b, to: toB })
}

function someBlock(sim: Sim, height: number): string {
  const found = (sim.built.get(height) ?? []).filter((hash) => sim.blocks.get(hash)?.valid === true)
  return found.length > 0 ? found[sim.rng.int(found.length)] : sim.newBlock(height, true)
}

/** A chaos member's reaction to `trigger` (a message it received) or to a gossip tick (undefined). */
export function chaosMessages(sim: Sim, node: SimNode, trigger: Msg | undefined): void {
  if (trigger !== undefined) {
    node.height = Math.max(node.height, msgHeight(trigger))
    node.seenRound = Math.max(node.seenRound, msgRound(trigger))
    if (!sim.rng.chance(0.5)) return
  }
  const height = node.height
  for (let i = trigger === undefined ? 2 : 1; i > 0; i--) {
    const round = Math.max(0, node.seenRound + sim.rng.int(4) - 1)
    const to = sim.peers(node).filter(() => sim.rng.chance(0.6))
    if (sim.rng.chance(0.25)) {
      const mine = [0, 1, 2, 3, 4].map((d) => round + d).find((r) => proposer(sim.committee, height, r) === node.id)
      if (mine === undefined) continue
      const blockHash = pickValue(sim, height) ?? sim.newBlock(height, sim.rng.chance(0.5))
      sim.send(
        node,
        {
          kind: 'proposal',
          proposal: { height, round: mine, polRound: sim.rng.int(mine + 1) - 1, blockHash, proposer: node.id },
        },
        to,
      )
    } else {
      const step = sim.rng.chance(0.5) ? 'prevote' : 'precommit'
      sim.send(
        node,
        { kind: 'vote', vote: { height, round, step, blockHash: pickValue(sim, height), voter: node.id } },
        to,
      )
    }
  }
}

/** nil, a block someone built at `height`, or a fresh (valid or invalid) one. */
function pickValue(sim: Sim, height: number): string | null {
  const r = sim.rng.int(3)
  if (r === 0) return null
  const known = sim.built.get(height) ?? []
  if (r === 1 && known.length > 0) return known[sim.rng.int(known.length)]
  return sim.newBlock(height, sim.rng.chance(0.5))
}
