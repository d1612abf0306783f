/**
 * Merit sortition (docs/spec/math.md §10.4): per topic, at most `inferers` inferences,
 * `forecasters` forecasts and `reputers` loss bundles of an epoch are synthesised and paid,
 * chosen by each actor's score EMA. The cost of an epoch is bounded by the caps, not by how
 * many registered.
 *
 * - Rank: an actor's EMA; a newcomer (no EMA yet) ranks at the `quantile` of the EMAs the
 *   topic knows for that task, so it can enter a full set and prove itself. Ties go to the
 *   smaller id. When the candidates fit the cap, all are taken.
 * - After a settlement, each actor that was scored folds its instant score into its EMA
 *   (α = `alpha`); each standby (it submitted for the epoch but was left out by the cap)
 *   folds in the quantile of that epoch's instant scores, so an actor out of the set keeps
 *   rising while it keeps submitting, and earns its way back in by ranking above the lowest.
 * - A block names its standby actors as a bitmap over the topic's roster (its registered
 *   actors of the role, ascending, in the ledger the block starts from): a few bytes, and no
 *   message of theirs, so an actor left out costs the coordinators nothing beyond admission.
 *
 * Everything here is consensus: the same EMAs and candidates give the same sets on every node.
 */
import { ema, quantileDescending } from '../../synthesis/stats.js'
import type { ActiveSetParams } from '../../synthesis/active-set.js'

export const MERIT_TASKS = ['inferers', 'forecasters', 'reputers'] as const
export type MeritTask = (typeof MERIT_TASKS)[number]

/** Score EMAs of a topic's actors, per task. */
export type MeritScores = Readonly<Record<MeritTask, ReadonlyMap<string, number>>>

/** Who of a decided epoch was left out by the caps (it submitted), until the epoch is settled. */
export interface Standby {
  readonly inferers: readonly string[]
  readonly forecasters: readonly string[]
}

/** What a topic's chain keeps for sortition. */
export interface TopicMerit {
  readonly scores: MeritScores
  /** By decided epoch awaiting settlement. */
  readonly standby: ReadonlyMap<number, Standby>
}

export const NO_MERIT: TopicMerit = Object.freeze({
  scores: Object.freeze({
    inferers: new Map<string, number>(),
    forecasters: new Map<string, number>(),
    reputers: new Map<string, number>(),
  }),
  standby: new Map<number, Standby>(),
})

/** The candidates (distinct ids) to synthesise: the `cap` best ranked, ties by smaller id; all that fit. */
export function selectActive(
  candidates: readonly string[],
  emas: ReadonlyMap<string, number>,
  cap: number,
  quantile: number,
): Set<string> {
  if (candidates.length <= cap) return new Set(candidates)
  // A newcomer ranks at the quantile of the known EMAs (computed only if there is one).
  let newcomer: number | undefined
  const ranked = candidates.map((id) => {
    let rank = emas.get(id)
    if (rank === undefined) rank = newcomer ??= quantileDescending([...emas.values()], quantile)
    return { id, rank }
  })
  ranked.sort((a, b) => b.rank - a.rank || (a.id < b.id ? -1 : 1))
  return new Set(ranked.slice(0, cap).map((r) => r.id))
}

/**
 * One task's EMAs after a settled epoch: the scored fold in their instant score, the standby
 * the quantile of the instant scores (nothing without any score).
 */
export function updatedMerit(
  emas: ReadonlyMap<string, number>,
  instant: Readonly<Record<string, number>>,
  standby: readonly string[],
  params: Pick<ActiveSetParams, 'alpha' | 'quantile'>,
): ReadonlyMap<string, number> {
  const scored = Object.keys(instant).sort()
  if (scored.length === 0 && standby.length === 0) return emas
  const next = new Map(emas)
  const fold = (id: string, score: number): void => {
    if (!Number.isFinite(score)) return
    const previous = emas.get(id)
    next.set(id, ema(params.alpha, score, previous ?? 0, previous === undefined))
  }
  for (const id of scored) fold(id, instant[id])
  if (scored.length > 0) {
    const pseudo = quantileDescending(
      scored.map((id) => instant[id]),
      params.quantile,
    )
    for (const id of [...standby].sort()) if (!(id in instant)) fold(id, pseudo)
  }
  return next
}

/**
 * Why a block's choice of one task's actors breaks sortition, or undefined: the selected and
 * the standby must be distinct, and the selected exactly the best `cap` of both together.
 */
export function selectionProblem(
  task: MeritTask,
  selected: readonly string[],
  standby: readonly string[],
  emas: ReadonlyMap<string, number>,
  params: ActiveSetParams,
): string | undefined {
  const chosen = new Set(selected)
  if (standby.some((id) => chosen.has(id))) return `an actor is both selected and standby among the ${task}`
  if (standby.length === 0 && selected.length <= params[task]) return undefined
  const best = selectActive([...selected, ...standby], emas, params[task], params.quantile)
  if (best.size !== chosen.size || [...chosen].some((id) => !best.has(id)))
    return `the ${task} are not the ${params[task]} best ranked of those who submitted`
  return undefined
}

/** A settlement as sortition reads it: the instant scores, and the reputers left out of it. */
export interface MeritSettlement {
  readonly epoch: number
  readonly scores: Readonly<Record<MeritTask, Readonly<Record<string, number>>>>
  readonly standbyReputers: readonly string[]
}

/**
 * The topic's merit after one epoch step: each settlement (in order) folds its scores and its
 * standby into the EMAs; the decided epoch's standby is kept until it is settled (`awaiting`);
 * EMAs of actors no longer registered are dropped, so the maps stay the size of the topic.
 */
export function meritAfterStep(
  merit: TopicMerit,
  params: ActiveSetParams,
  settlements: readonly MeritSettlement[],
  decided: { readonly epoch: number; readonly standby: Standby } | undefined,
  awaiting: (epoch: number) => boolean,
  registered: (task: MeritTask, id: string) => boolean,
): TopicMerit {
  let scores = merit.scores
  for (const s of settlements) {
    const left = merit.standby.get(s.epoch) ?? { inferers: [], forecasters: [] }
    const standbyOf: Record<MeritTask, readonly string[]> = {
      inferers: left.inferers,
      forecasters: left.forecasters,
      reputers: s.standbyReputers,
    }
    const next: Record<MeritTask, ReadonlyMap<string, number>> = { ...scores }
    for (const task of MERIT_TASKS) {
      const folded = updatedMerit(scores[task], s.scores[task], standbyOf[task], params)
      const kept = new Map([...folded].filter(([id]) => registered(task, id)))
      next[task] = kept.size === folded.size ? folded : kept
    }
    scores = next
  }
  const standby = new Map([...merit.standby].filter(([epoch]) => awaiting(epoch)))
  const none = decided === undefined || decided.standby.inferers.length + decided.standby.forecasters.length === 0
  if (!none && awaiting(decided.epoch)) standby.set(decided.epoch, decided.standby)
  return { scores, standby }
}

/** The bitmap of `ids` over `roster` (ascending ids): bit i of byte i >> 3 is roster[i]. */
export function rosterBitmap(ids: Iterable<string>, roster: readonly string[]): Uint8Array {
  const index = new Map(roster.map((id, i) => [id, i]))
  const bits = new Uint8Array(Math.ceil(roster.length / 8))
  let last = -1
  for (const id of ids) {
    const i = index.get(id)
    if (i === undefined) throw new Error(`${id} is not on the roster`)
    bits[i >> 3] |= 1 << (i & 7)
    last = Math.max(last, i)
  }
  return last < 0 ? new Uint8Array(0) : bits.subarray(0, (last >> 3) + 1)
}

/** The ids a roster bitmap names, or why it is malformed (longer than needed, or naming past the roster). */
export function idsOfBitmap(bits: Uint8Array, roster: readonly string[]): string[] | string {
  if (bits.length > 0 && bits[bits.length - 1] === 0) return 'the standby bitmap ends with a zero byte'
  const ids: string[] = []
  for (let i = 0; i < bits.length * 8; i++) {
    if ((bits[i >> 3] & (1 << (i & 7))) === 0) continue
    if (i >= roster.length) return `the standby bitmap names actor ${i} of a roster of ${roster.length}`
    ids.push(roster[i])
  }
  return ids
}
