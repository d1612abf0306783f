/** The simulator's configuration, result, per-node state and PRNG (see sim.ts). */
import type {
  ConsensusAction,
  ConsensusEvent,
  ConsensusMachine,
  Decision,
  TimeoutStep,
  Vote,
} from '../../../../src/consensus/bft/index.js'
import type { Behaviour, Msg } from './sim-byzantine.js'
import { mulberry32 } from '../../../utils/prng.js'

export interface SimConfig {
  readonly seed: number
  readonly powers: readonly number[]
  /** Behaviour by member index; unlisted members are honest. */
  readonly behaviours?: Readonly<Record<number, Behaviour>>
  readonly heights?: number
  readonly maxFutureRounds?: number
  /** Steps of asynchrony (drops, early timeouts, crashes, partitions); Infinity for a whole run of it. */
  readonly chaosSteps?: number
  readonly dropRate?: number
  readonly dupRate?: number
  readonly earlyTimeoutRate?: number
  readonly crashRate?: number
  readonly partitionRate?: number
  readonly untimelyRate?: number
  readonly maxSteps?: number
}

export interface SimResult {
  readonly honest: readonly string[]
  /** Honest node → height → decision. */
  readonly decisions: ReadonlyMap<string, ReadonlyMap<number, Decision>>
  readonly allDecided: boolean
  readonly steps: number
  /** Steps from the end of the chaos phase until every honest node had decided everything. */
  readonly stepsAfterChaos: number
  /** Two honest nodes deciding differently at one height. */
  readonly safetyViolations: readonly string[]
  /** Local invariant violations and replay divergences (see `sim-monitor.ts`). */
  readonly violations: readonly string[]
  readonly missingEvidence: readonly string[]
  readonly evidenceReports: number
  readonly invalidBlocks: ReadonlySet<string>
}

export interface Timer {
  readonly fireAt: number
  readonly height: number
  readonly round: number
  readonly step: TimeoutStep
}
export type Item =
  | { readonly to: number; readonly from: number; readonly msg: Msg }
  | { readonly to: number; readonly height: number; readonly local: ConsensusEvent }

export class SimNode {
  height = 1
  machine: ConsensusMachine | undefined
  wal: ConsensusEvent[] = []
  walOut: ConsensusAction[][] = []
  downUntil = -1
  /** Highest round a chaos member has seen, to aim its noise near the action. */
  seenRound = 0
  timers: Timer[] = []
  buffer: Msg[] = []
  /** Own signed messages of this height and who gets them (undefined: every peer). */
  own: { readonly msg: Msg; readonly to?: ReadonlySet<number> }[] = []
  readonly decisions = new Map<number, Decision>()
  readonly certificates = new Map<number, readonly Vote[]>()
  constructor(
    readonly index: number,
    readonly id: string,
    readonly behaviour: Behaviour,
  ) {}
  get down(): boolean {
    return this.downUntil >= 0
  }
}

/** The seeded generator (mulberry32) with the draws the simulator needs. */
export class Rng {
  readonly next: () => number
  constructor(seed: number) {
    this.next = mulberry32(seed)
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  chance(p: number): boolean {
    return p > 0 && this.next() < p
  }
}
