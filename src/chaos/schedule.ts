/**
 * A scenario's faults on the run's time line (ms after the genesis), and the faults of a
 * `random` block drawn from the run's seed: the same seed gives the same schedule.
 */
import { Prng } from '../roles/prng.js'
import {
  LIVENESS_EPOCHS,
  nodeNames,
  type FaultKind,
  type LinkConditions,
  type Scenario,
  type ScenarioFault,
  type When,
} from './scenario.js'

export interface ScheduledFault {
  /** Position in the schedule (1-based), as the report names it. */
  readonly n: number
  readonly fault: ScenarioFault
  readonly startMs: number
  /** When it heals; null: it lasts to the end of the run. */
  readonly endMs: number | null
}

export function toMs(when: When, epochMs: number): number {
  return 'ms' in when ? when.ms : when.epochs * epochMs
}

/** The faults in start order (a random block is drawn from `seed` first). */
export function scheduleOf(scenario: Scenario, epochMs: number, seed: number): ScheduledFault[] {
  const faults = scenario.random === undefined ? scenario.faults : drawFaults(scenario, seed)
  return faults
    .map((fault) => {
      const startMs = toMs(fault.at, epochMs)
      return { fault, startMs, endMs: fault.for === undefined ? null : startMs + toMs(fault.for, epochMs) }
    })
    .sort((a, b) => a.startMs - b.startMs)
    .map((f, i) => ({ n: i + 1, ...f }))
}

/**
 * Faults of a random block: each starts after the first two epochs (the mesh forms, the first
 * blocks commit) and heals early enough for the liveness check after it.
 */
export function drawFaults(scenario: Scenario, seed: number): ScenarioFault[] {
  const random = scenario.random
  if (random === undefined) return []
  const rng = new Prng('chorus-chaos', scenario.name, seed)
  const nodes = nodeNames(scenario.cluster)
  const pick = <T>(list: readonly T[]): T => list[rng.int(0, list.length - 1)]
  const lastEnd = scenario.epochs - LIVENESS_EPOCHS - 1
  const out: ScenarioFault[] = []
  for (let i = 0; i < random.count; i++) {
    const kind: FaultKind = pick(random.kinds)
    const span = rng.int(1, Math.max(1, Math.min(random.maxEpochs, lastEnd - 2)))
    const start = rng.int(2, Math.max(2, lastEnd - span))
    const timing = { at: { epochs: start }, for: { epochs: span } }
    const one = [pick(nodes)]
    switch (kind) {
      case 'crash':
      case 'restart':
      case 'pause':
        out.push({ kind, nodes: one, ...timing })
        break
      case 'partition': {
        const shuffled = shuffle(nodes, rng)
        const cut = rng.int(1, shuffled.length - 1)
        out.push({ kind, groups: [shuffled.slice(0, cut), shuffled.slice(cut)], ...timing })
        break
      }
      case 'link':
        out.push({ kind, nodes: one, conditions: randomConditions(rng), ...timing })
        break
      case 'clock-skew': {
        const magnitude = rng.int(100, 1500)
        out.push({ kind, nodes: one, offsetMs: rng.next() < 0.5 ? -magnitude : magnitude, ...timing })
        break
      }
      case 'sybil':
        out.push({ kind, count: rng.int(3, 20), ...timing })
        break
      case 'ignored-flood':
        out.push({ kind, ratePerSecond: rng.int(200, 2000), ...timing })
        break
    }
  }
  return out
}

function randomConditions(rng: Prng): LinkConditions {
  const round = (x: number, step: number): number => Math.round(x / step) * step
  return {
    latencyMs: rng.int(5, 200),
    jitterMs: rng.int(0, 50),
    loss: round(rng.uniform(0, 0.2), 0.01),
    duplicate: round(rng.uniform(0, 0.05), 0.01),
    reorder: round(rng.uniform(0, 0.05), 0.01),
  }
}

function shuffle<T>(list: readonly T[], rng: Prng): T[] {
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

/** Names of the nodes a fault acts on directly (a crash's, a partition's groups, …). */
export function nodesOf(fault: ScenarioFault): string[] {
  switch (fault.kind) {
    case 'partition':
      return fault.groups.flat()
    case 'sybil':
    case 'ignored-flood':
      return []
    default:
      return [...fault.nodes]
  }
}
