/**
 * One topic epoch of a block: the messages it names (registered signers, one per slot, the
 * active-set caps kept), the settlements of earlier epochs, the synthesis of the closed one,
 * and the topic's chain state after it.
 */
import { toHex, type Envelope } from '../../wire/index.js'
import { opensCommitment } from '../../topic/commit-reveal.js'
import { participantsOf, scopedLossBundle } from '../../topic/loss-bundle.js'
import { lastAdmissionAt } from '../../topic/windows.js'
import { idsOfBitmap, meritAfterStep, selectionProblem, type MeritTask } from './merit.js'
import type { IdMap, LossBundle } from '../../synthesis/types.js'
import type { BlockTopicEpoch } from './block.js'
import {
  isRegistered,
  isTopicRunning,
  participants as roster,
  reputerStake,
  topicRewardFor,
  type Settlement,
} from '../ledger/index.js'
import { stateHash } from './state-hash.js'
import { topicStep } from './topic-step.js'

import {
  fail,
  type ChainState,
  type MessageLookup,
  type TopicChain,
  type TopicEpochDraft,
  MAX_UNSETTLED_AGE,
} from './chain-state.js'

const sortedUnique = (ids: readonly string[], what: string): readonly string[] => {
  for (let i = 1; i < ids.length; i++) if (!(ids[i - 1] < ids[i])) fail(`${what} ids are not ascending and unique`)
  return ids
}

/** The messages of a list of ids, each of `type` for (topic, epoch), at most one per signer. */
function messagesOf(
  ids: readonly string[],
  lookup: MessageLookup,
  type: Envelope['type'],
  topicId: string,
  epoch: number,
  allowed: (signer: string) => boolean,
): Map<string, Envelope> {
  const bySigner = new Map<string, Envelope>()
  for (const id of sortedUnique(ids, type)) {
    const env = lookup(id) ?? fail(`message ${id} is not available`)
    if (env.type !== type || env.topicId !== topicId || env.epoch !== epoch)
      fail(`message ${id} is not a ${type} of ${topicId}/${epoch}`)
    const signer = toHex(env.signer)
    if (!allowed(signer)) fail(`${type} ${id} comes from ${signer}, who is not registered for ${topicId}`)
    if (bySigner.has(signer)) fail(`two ${type} messages from ${signer} for ${topicId}/${epoch}`)
    bySigner.set(signer, env)
  }
  return bySigner
}

/** One topic epoch of a block: its messages checked, its settlements and synthesis run. */
export function computeTopicEpoch(
  prev: ChainState,
  topic: TopicChain,
  draft: TopicEpochDraft,
  lookup: MessageLookup,
  blockTimeMs: number,
): { entry: BlockTopicEpoch; topic: TopicChain; settlements: Settlement[] } {
  const { config } = topic
  const ledger = prev.ledger
  if (draft.epoch !== topic.lastEpoch + 1) fail(`${config.id}: epoch ${draft.epoch} does not follow ${topic.lastEpoch}`)
  // One skewed clock must not close epochs early: the epoch must have closed by the block's
  // time (its window over; on a commit-reveal topic, the epoch over).
  if (lastAdmissionAt(topic.schedule, config, draft.epoch) > blockTimeMs)
    fail(`${config.id}: epoch ${draft.epoch} has not closed at the block's time`)
  const worker = (id: string): boolean => isRegistered(ledger, config.id, 'worker', id)
  if (
    !isTopicRunning(ledger, config.id) &&
    draft.inferenceIds.length +
      draft.forecastIds.length +
      draft.commitIds.length +
      draft.standbyInferers.length +
      draft.standbyForecasters.length >
      0
  )
    fail(
      `${config.id}: the topic is inactive (its weight is below the minimum), so epoch ${draft.epoch} takes no inferences`,
    )
  const inferenceMsgs = messagesOf(draft.inferenceIds, lookup, 'inference', config.id, draft.epoch, worker)
  const forecastMsgs = messagesOf(draft.forecastIds, lookup, 'forecast', config.id, draft.epoch, worker)
  const commits = messagesOf(draft.commitIds, lookup, 'inference-commit', config.id, draft.epoch, worker)
  // Every topic epoch of a block is ranked by the scores, and names its standby over the
  // rosters, of the state the block starts from.
  const rankedBy = (prev.topics.get(config.id) ?? topic).merit.scores
  const standbyOf = (bits: Uint8Array, role: 'worker' | 'reputer', epoch: number): string[] => {
    if (bits.length === 0) return []
    const ids = idsOfBitmap(bits, roster(ledger, config.id, role))
    if (typeof ids === 'string') fail(`${config.id}: epoch ${epoch}: ${ids}`)
    return ids
  }
  const checkSelection = (task: MeritTask, chosen: Map<string, Envelope>, left: readonly string[], epoch: number) => {
    const why = selectionProblem(task, [...chosen.keys()], left, rankedBy[task], config.activeSet)
    if (why !== undefined) fail(`${config.id}: epoch ${epoch}: ${why}`)
  }
  const standbyInferers = standbyOf(draft.standbyInferers, 'worker', draft.epoch)
  const standbyForecasters = standbyOf(draft.standbyForecasters, 'worker', draft.epoch)
  checkSelection('inferers', inferenceMsgs, standbyInferers, draft.epoch)
  checkSelection('forecasters', forecastMsgs, standbyForecasters, draft.epoch)
  if (!config.commitReveal && commits.size > 0) fail(`${config.id}: commitments on a topic without commit-reveal`)
  const inferences: Record<string, number> = {}
  for (const [signer, env] of [...inferenceMsgs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const { value, salt } = env.payload as { value: number | number[]; salt?: Uint8Array }
    if (typeof value !== 'number') fail(`${config.id}: vector inferences are not synthesised`)
    if (config.commitReveal) {
      const commitment = (commits.get(signer)?.payload as { commitment: Uint8Array } | undefined)?.commitment
      if (
        commitment === undefined ||
        salt === undefined ||
        !opensCommitment(commitment, config.id, draft.epoch, signer, value, salt)
      ) {
        fail(`${config.id}: the reveal of ${signer} does not open a commitment in the block`)
      }
    }
    inferences[signer] = value
  }
  const forecasts: Record<string, IdMap> = {}
  for (const [signer, env] of [...forecastMsgs].sort(([a], [b]) => (a < b ? -1 : 1)))
    forecasts[signer] = (env.payload as { losses: IdMap }).losses

  const reward = Number(topicRewardFor(ledger, config.id))
  const standbyReputers = new Map<number, string[]>()
  const settlementInputs = draft.settlements.map((s, i) => {
    if (i > 0 && !(draft.settlements[i - 1].epoch < s.epoch)) fail(`${config.id}: settlements are not ascending`)
    if (!topic.unsettled.includes(s.epoch)) fail(`${config.id}: epoch ${s.epoch} is not awaiting settlement`)
    // The ledger pays a topic's epochs in order: once a later one is paid, an earlier one never is.
    if (s.epoch <= (ledger.topics.get(config.id)?.lastSettledEpoch ?? -1))
      fail(`${config.id}: epoch ${s.epoch} is older than the topic's last settled epoch`)
    if (s.epoch + config.groundTruthLag > draft.epoch)
      fail(`${config.id}: the truth of epoch ${s.epoch} is not known at epoch ${draft.epoch}`)
    const reputer = (id: string): boolean => isRegistered(ledger, config.id, 'reputer', id)
    const bundles = messagesOf(s.lossBundleIds, lookup, 'loss-bundle', config.id, s.epoch, reputer)
    if (bundles.size === 0) fail(`${config.id}: settlement of epoch ${s.epoch} has no loss bundle`)
    const standby = standbyOf(s.standbyReputers, 'reputer', s.epoch)
    checkSelection('reputers', bundles, standby, s.epoch)
    standbyReputers.set(s.epoch, standby)
    const participants =
      topic.participants.get(s.epoch) ?? fail(`${config.id}: epoch ${s.epoch} has no participants on record`)
    const reputers = Object.fromEntries(
      [...bundles].map(([id, env]) => [
        id,
        {
          stake: Number(reputerStake(ledger, id)),
          losses: scopedLossBundle(env.payload as unknown as LossBundle, participants),
        },
      ]),
    )
    return { epoch: s.epoch, reputers, topicReward: reward }
  })
  const step = topicStep(config.params, topic.state, settlementInputs, { inferences, forecasts })
  if (step.settleErrors.length > 0)
    fail(`${config.id}: settlement of epoch ${step.settleErrors[0].epoch} fails (${step.settleErrors[0].code})`)
  const lastSettled = Math.max(-1, ...step.settled.map((s) => s.epoch))
  // Epochs whose bundles never came are given up after a while, and at once when a later epoch
  // is settled (the ledger pays a topic's epochs in order): the same rule on every node.
  const unsettled = topic.unsettled.filter((e) => e > lastSettled && e >= draft.epoch - MAX_UNSETTLED_AGE)
  if (step.output !== undefined) unsettled.push(draft.epoch)
  const participants = new Map([...topic.participants].filter(([e]) => unsettled.includes(e)))
  if (step.output !== undefined) participants.set(draft.epoch, participantsOf({ inferences, output: step.output }))
  const merit = meritAfterStep(
    topic.merit,
    config.activeSet,
    step.settled.map((s) => ({
      epoch: s.epoch,
      scores: s.scores,
      standbyReputers: standbyReputers.get(s.epoch) ?? [],
    })),
    step.output === undefined
      ? undefined
      : {
          epoch: draft.epoch,
          standby: { inferers: standbyInferers, forecasters: standbyForecasters },
        },
    (epoch) => unsettled.includes(epoch),
    (task, id) => isRegistered(ledger, config.id, task === 'reputers' ? 'reputer' : 'worker', id),
  )
  const entry: BlockTopicEpoch = {
    topicId: config.id,
    epoch: draft.epoch,
    inferenceIds: draft.inferenceIds,
    forecastIds: draft.forecastIds,
    commitIds: draft.commitIds,
    standbyInferers: draft.standbyInferers,
    standbyForecasters: draft.standbyForecasters,
    inferences,
    forecasts,
    settlements: draft.settlements,
    settled: step.settled,
    output: step.output ?? null,
    stateHash: stateHash(step.state),
  }
  return {
    entry,
    topic: { ...topic, state: step.state, unsettled, participants, lastEpoch: draft.epoch, merit },
    settlements: step.settled.map((s) => ({ topicId: config.id, epoch: s.epoch, rewards: s.rewards })),
  }
}
