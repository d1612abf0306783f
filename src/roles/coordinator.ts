/**
 * The coordinator of one topic: collects inferences, forecasts and loss bundles from gossip,
 * and at the end of every epoch settles what can be settled and synthesises the epoch. The
 * "make it final" step is a `Decider`, so the BFT round (issue 5) replaces it without
 * touching this file; until then the lowest-id coordinator publishes its decision.
 */
import { topicChannel, globalChannel, toHex, type ChorusNode, type DeliveredMessage, type Envelope } from '../p2p/index.js'
import { topicStep, type SettledEpoch, type SettlementInput } from '../consensus/topic-step.js'
import { emptyTopicState } from '../synthesis/state.js'
import type { IdMap, LossBundle, SynthesisOutput, TopicState } from '../synthesis/types.js'
import { graceMs, PAST_EPOCHS_ACCEPTED, type TopicRuntime } from './admission.js'
import { checkReveal } from '../consensus/commit-reveal.js'
import { Timers } from './epoch-clock.js'
import { participantsOf, scopedLossBundle } from './loss-bundle.js'
import type { RegistryView } from './registry.js'

/** Everything one epoch of one topic decided. */
export interface EpochDecision {
  readonly topicId: string
  readonly epoch: number
  readonly inferences: IdMap
  readonly forecasts: IdMap<IdMap>
  readonly output: SynthesisOutput
  /** Epochs settled (in order) just before this one was synthesised. */
  readonly settled: readonly SettledEpoch[]
}

export type { SettledEpoch }

/** Makes a computed decision final (and known to the network). */
export interface Decider {
  decide(decision: EpochDecision): Promise<void>
}

/** Until BFT: the lowest-id coordinator publishes; the others keep their result to themselves. */
export class LeaderDecider implements Decider {
  constructor(
    private readonly node: ChorusNode,
    private readonly registry: RegistryView,
  ) {}

  async decide(d: EpochDecision): Promise<void> {
    if (this.registry.coordinators()[0] !== this.node.participantId) return
    await this.node.publish({
      type: 'decision',
      chainId: this.node.chainId,
      topicId: d.topicId,
      epoch: d.epoch,
      nonce: new Uint8Array(0),
      payload: {
        inferences: { ...d.inferences },
        forecasts: { ...d.forecasts },
        output: d.output as unknown as Record<string, unknown>,
        settled: d.settled.map((s) => ({ epoch: s.epoch, consensusLosses: { ...s.consensusLosses }, rewards: { ...s.rewards } })),
      },
    })
  }
}

interface EpochInputs {
  readonly inferences: Map<string, number>
  readonly forecasts: Map<string, IdMap>
  readonly commitments: Map<string, Uint8Array>
}

export type CoordinatorCounter = 'decided' | 'skipped-no-inferences' | 'synthesis-error' | 'settled' | 'settle-error' | 'unsettled-dropped'

export class CoordinatorService {
  /** Observation only: `decision` (EpochDecision) after each decided epoch. */
  readonly events = new EventTarget()
  readonly counters = new Map<CoordinatorCounter, number>()
  private state: TopicState = emptyTopicState()
  private readonly inputs = new Map<number, EpochInputs>()
  private readonly awaitingSettlement = new Map<number, EpochDecision>()
  private readonly bundles = new Map<number, Map<string, LossBundle>>()
  private readonly timers: Timers
  private stopped = false

  constructor(
    private readonly node: ChorusNode,
    private readonly topic: TopicRuntime,
    private readonly registry: RegistryView,
    private readonly decider: Decider,
  ) {
    this.timers = new Timers(() => topic.clock.time())
  }

  get topicId(): string {
    return this.topic.config.id
  }

  /** The regrets and other stored state of the topic (for tests and the API). */
  get topicState(): TopicState {
    return this.state
  }

  start(): void {
    const id = this.topicId
    this.node.subscribe(topicChannel(id, 'inferences'), (m) => this.onInference(m))
    this.node.subscribe(topicChannel(id, 'forecasts'), (m) => this.onForecast(m))
    this.node.subscribe(topicChannel(id, 'losses'), (m) => this.onLosses(m))
    this.node.subscribe(globalChannel('consensus'), () => {})
    this.scheduleDecision(Math.max(0, this.topic.clock.current()))
  }

  stop(): void {
    this.stopped = true
    this.timers.clear()
  }

  /**
   * Commit-reveal rule for the validator: a reveal must open the commitment its signer made
   * in the window. Plugged into the node's `checkContent` by the composition root.
   */
  checkContent(envelope: Envelope): void {
    if (envelope.type !== 'inference' || envelope.topicId !== this.topicId || !this.topic.config.commitReveal) return
    checkReveal(envelope, (signer) => this.inputs.get(envelope.epoch)?.commitments.get(signer))
  }

  private inputsOf(epoch: number): EpochInputs {
    let inputs = this.inputs.get(epoch)
    if (inputs === undefined) {
      inputs = { inferences: new Map(), forecasts: new Map(), commitments: new Map() }
      this.inputs.set(epoch, inputs)
    }
    return inputs
  }

  private onInference({ envelope }: DeliveredMessage): void {
    const signer = toHex(envelope.signer)
    if (envelope.type === 'inference-commit') {
      this.inputsOf(envelope.epoch).commitments.set(signer, (envelope.payload as { commitment: Uint8Array }).commitment)
      return
    }
    if (envelope.type !== 'inference') return
    const { value } = envelope.payload as { value: number | number[] }
    // Synthesis combines scalars; a vector topic would synthesise per component (not yet).
    if (typeof value === 'number') this.inputsOf(envelope.epoch).inferences.set(signer, value)
  }

  private onForecast({ envelope }: DeliveredMessage): void {
    if (envelope.type !== 'forecast') return
    this.inputsOf(envelope.epoch).forecasts.set(toHex(envelope.signer), (envelope.payload as { losses: IdMap }).losses)
  }

  private onLosses({ envelope }: DeliveredMessage): void {
    if (envelope.type !== 'loss-bundle' || !this.awaitingSettlement.has(envelope.epoch)) return
    let byReputer = this.bundles.get(envelope.epoch)
    if (byReputer === undefined) {
      byReputer = new Map()
      this.bundles.set(envelope.epoch, byReputer)
    }
    byReputer.set(toHex(envelope.signer), envelope.payload as unknown as LossBundle)
  }

  private scheduleDecision(epoch: number): void {
    if (this.stopped) return
    this.timers.at(this.topic.clock.endOf(epoch) + graceMs(this.topic.config), () => {
      void this.decideEpoch(epoch).finally(() => this.scheduleDecision(epoch + 1))
    })
  }

  private count(counter: CoordinatorCounter): void {
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + 1)
  }

  /** Settle what is due, then synthesise `epoch` with the updated state and decide it. */
  async decideEpoch(epoch: number): Promise<void> {
    const due = this.settlementsDue(epoch)
    const inputs = this.inputs.get(epoch)
    this.inputs.delete(epoch)
    for (const old of this.inputs.keys()) if (old < epoch - PAST_EPOCHS_ACCEPTED) this.inputs.delete(old)
    const inferences = Object.fromEntries(inputs?.inferences ?? [])
    const forecasts = Object.fromEntries(inputs?.forecasts ?? [])
    const step = topicStep(this.topic.config.params, this.state, due, { inferences, forecasts })
    this.state = step.state
    for (const s of due) {
      this.awaitingSettlement.delete(s.epoch)
      this.bundles.delete(s.epoch)
    }
    for (let i = 0; i < step.settled.length; i++) this.count('settled')
    for (let i = 0; i < step.settleErrors.length; i++) this.count('settle-error')
    if (step.output === undefined) {
      this.count(step.synthesisError === undefined ? 'skipped-no-inferences' : 'synthesis-error')
      return
    }
    const decision: EpochDecision = { topicId: this.topicId, epoch, inferences, forecasts, output: step.output, settled: step.settled }
    this.awaitingSettlement.set(epoch, decision)
    this.count('decided')
    await this.decider.decide(decision)
    this.events.dispatchEvent(new CustomEvent<EpochDecision>('decision', { detail: decision }))
  }

  /** Decided epochs whose truth is known and whose loss bundles are in; drops the hopeless. */
  private settlementsDue(epoch: number): SettlementInput[] {
    const due: SettlementInput[] = []
    const lag = this.topic.config.groundTruthLag
    for (const d of [...this.awaitingSettlement.keys()].sort((a, b) => a - b)) {
      if (d + lag > epoch) break
      const bundles = this.bundles.get(d)
      if (bundles === undefined || bundles.size === 0) {
        if (epoch - d > lag + PAST_EPOCHS_ACCEPTED) {
          this.awaitingSettlement.delete(d)
          this.count('unsettled-dropped')
        }
        continue
      }
      const participants = participantsOf(this.awaitingSettlement.get(d) as EpochDecision)
      const reputers = Object.fromEntries([...bundles].map(([id, losses]) => [id, { stake: this.registry.stakeOf(this.topicId, 'reputer', id), losses: scopedLossBundle(losses, participants) }]))
      due.push({ epoch: d, reputers, topicReward: this.topic.config.rewardPerEpoch })
    }
    return due
  }
}
