/**
 * What roles, validators and the synthesis ask the ledger: who takes part in a topic, with what
 * stake. A participant counts only while it is registered AND its self-stake meets the topic's
 * minimum for the role: unstaking below the minimum silently benches it (there is no
 * unregister transaction), and the synthesis must ignore it.
 */
import { isTopicActive, topicWeight } from '../../synthesis/topic-weights.js'
import { accountOf, sortedKeys, type LedgerState, type TopicRole } from './state.js'

export function balanceOf(state: LedgerState, id: string): bigint {
  return accountOf(state, id).balance
}

export function selfStakeOf(state: LedgerState, id: string): bigint {
  return accountOf(state, id).stake
}

/** Σ stake delegated to `reputer`. */
export function delegatedTo(state: LedgerState, reputer: string): bigint {
  let total = 0n
  for (const amount of state.delegations.get(reputer)?.values() ?? []) total += amount
  return total
}

/** A reputer's total stake S_m: self + delegated (the stake its losses are weighted by). */
export function reputerStake(state: LedgerState, reputer: string): bigint {
  return selfStakeOf(state, reputer) + delegatedTo(state, reputer)
}

export function minStakeFor(state: LedgerState, topicId: string, role: TopicRole): bigint | undefined {
  const topic = state.topics.get(topicId)
  if (topic === undefined) return undefined
  return role === 'worker' ? topic.minWorkerStake : topic.minReputerStake
}

/** Registered in the topic for the role, with enough self-stake to count. */
export function isRegistered(state: LedgerState, topicId: string, role: TopicRole, id: string): boolean {
  const topic = state.topics.get(topicId)
  if (topic === undefined) return false
  const members = role === 'worker' ? topic.workers : topic.reputers
  const min = role === 'worker' ? topic.minWorkerStake : topic.minReputerStake
  return members.has(id) && selfStakeOf(state, id) >= min
}

/** Stake of an active participant (0 if not active): self for workers, self + delegated for reputers. */
export function stakeOf(state: LedgerState, topicId: string, role: TopicRole, id: string): bigint {
  if (!isRegistered(state, topicId, role, id)) return 0n
  return role === 'reputer' ? reputerStake(state, id) : selfStakeOf(state, id)
}

/**
 * Active participants of a topic and role, ascending (the spec's order). A state never changes,
 * so the list is made once per state, topic and role: a block reads its rosters many times.
 */
export function participants(state: LedgerState, topicId: string, role: TopicRole): readonly string[] {
  let lists = rosters.get(state)
  if (lists === undefined) rosters.set(state, (lists = new Map()))
  const key = `${role}\u0000${topicId}`
  let list = lists.get(key)
  if (list === undefined) {
    const topic = state.topics.get(topicId)
    list =
      topic === undefined
        ? []
        : sortedKeys(role === 'worker' ? topic.workers : topic.reputers).filter((id) =>
            isRegistered(state, topicId, role, id),
          )
    lists.set(key, list)
  }
  return list
}

const rosters = new WeakMap<LedgerState, Map<string, readonly string[]>>()

/** Whether `id` is an active reputer in some topic (delegation needs one). */
export function isReputerAnywhere(state: LedgerState, id: string): boolean {
  for (const topicId of state.topics.keys()) if (isRegistered(state, topicId, 'reputer', id)) return true
  return false
}

/** S_t of §14.1: the stake of the topic's active reputers, delegations included. */
export function topicStake(state: LedgerState, topicId: string): bigint {
  let total = 0n
  for (const id of participants(state, topicId, 'reputer')) total += reputerStake(state, id)
  return total
}

/**
 * Whether a topic runs its epochs now (§14.1): its smoothed weight is at least the genesis
 * minimum (0 by default: every topic runs, and one nobody pays for earns nothing). A topic not
 * weighed yet (before its first epoch closes) is judged by the weight its stake and revenue
 * give it now. An inactive topic's epochs close without inferences and earn nothing, until
 * someone pays for it again (`fund-topic`).
 */
export function isTopicRunning(state: LedgerState, topicId: string): boolean {
  const topic = state.topics.get(topicId)
  if (topic === undefined) return false
  const params = state.params.topicWeight
  const weight =
    topic.weight ??
    topicWeight(params, {
      stake: Number(topicStake(state, topicId)),
      feeRevenue: Number(topic.revenue),
      epochLength: topic.epochMs,
    })
  return isTopicActive(params, weight)
}
