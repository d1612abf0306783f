/**
 * The report of a chaos run: the verdict of every invariant, each fault with its effect, and
 * the messages the honest nodes turned down by reason. As text for people, and as one JSON line
 * (`{"type":"report",…}`) for machines.
 */
import { INVARIANTS, type InvariantName, type InvariantResult, type Verdict } from './invariants.js'
import type { Scenario } from './scenario.js'
import type { FaultLevel, TargetStats } from './target.js'

export interface FaultRecord {
  readonly n: number
  readonly kind: string
  readonly what: string
  /** Start and length, ms after the genesis; forMs null: to the end of the run. */
  readonly atMs: number
  readonly forMs: number | null
  readonly applied: boolean
  readonly error?: string
  /** Epochs from its start until the network recovered (per topic) in which nothing committed an inference. */
  readonly epochsWithoutCommit: number
  /** From the heal to the first inference committed after it; null if none (or it never healed). */
  readonly recoveryMs: number | null
}

export interface ChaosReport {
  readonly type: 'report'
  readonly scenario: string
  readonly seed: number
  readonly mode: 'inproc' | 'process'
  readonly level: FaultLevel
  readonly pass: boolean
  readonly invariants: Record<InvariantName, Verdict>
  readonly details: Partial<Record<InvariantName, readonly string[]>>
  readonly faults: number
  readonly faultLog: readonly FaultRecord[]
  readonly rejected: Readonly<Record<string, number>>
  readonly faultLayer: Readonly<Record<string, number>>
  readonly epochs: number
  readonly epochsCommitted: number
  readonly commits: number
}

export interface ReportInput {
  readonly scenario: Scenario
  readonly seed: number
  readonly mode: 'inproc' | 'process'
  readonly level: FaultLevel
  readonly invariants: Record<InvariantName, InvariantResult>
  readonly faults: readonly FaultRecord[]
  readonly stats: TargetStats
  readonly commits: number
  readonly epochsCommitted: number
}

export function buildReport(i: ReportInput): ChaosReport {
  const verdicts = Object.fromEntries(INVARIANTS.map((k) => [k, i.invariants[k].verdict])) as Record<
    InvariantName,
    Verdict
  >
  const details = Object.fromEntries(
    INVARIANTS.filter((k) => i.invariants[k].details.length > 0).map((k) => [k, i.invariants[k].details]),
  )
  return {
    type: 'report',
    scenario: i.scenario.name,
    seed: i.seed,
    mode: i.mode,
    level: i.level,
    pass: INVARIANTS.every((k) => verdicts[k] === 'PASS') && i.faults.every((f) => f.error === undefined),
    invariants: verdicts,
    details,
    faults: i.faults.filter((f) => f.applied).length,
    faultLog: i.faults,
    rejected: i.stats.rejected,
    faultLayer: i.stats.faults,
    epochs: i.scenario.epochs,
    epochsCommitted: i.epochsCommitted,
    commits: i.commits,
  }
}

const seconds = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`)

/** The report as people read it. */
export function formatReport(r: ChaosReport): string {
  const lines: string[] = []
  lines.push(
    `chaos ${r.scenario} (seed ${r.seed}, ${r.mode}, faults at the ${r.level} level): ${r.pass ? 'PASS' : 'FAIL'}`,
  )
  lines.push(`  ${r.epochsCommitted} of ${r.epochs} epochs committed an inference; ${r.faults} faults injected`)
  lines.push('', '  #   at       for      no-commit  recovery  fault')
  for (const f of r.faultLog)
    lines.push(
      `  ${String(f.n).padEnd(3)} ${seconds(f.atMs).padEnd(8)} ${seconds(f.forMs).padEnd(8)} ${String(f.epochsWithoutCommit).padEnd(10)} ${seconds(f.recoveryMs).padEnd(9)} ${f.what}` +
        (f.error === undefined ? '' : `  (failed: ${f.error})`),
    )
  if (r.faultLog.length === 0) lines.push('  (none)')
  lines.push('', '  invariants')
  for (const k of INVARIANTS) {
    lines.push(`    ${k.padEnd(13)} ${r.invariants[k]}`)
    for (const d of r.details[k] ?? []) lines.push(`      ${d}`)
  }
  const rejected = Object.entries(r.rejected).filter(([, n]) => n > 0)
  lines.push('', '  messages turned down by honest nodes')
  for (const [reason, n] of rejected) lines.push(`    ${reason.padEnd(32)} ${n}`)
  if (rejected.length === 0) lines.push('    (none)')
  const layer = Object.entries(r.faultLayer).filter(([, n]) => n > 0)
  if (layer.length > 0) lines.push('', `  fault layer: ${layer.map(([k, n]) => `${k} ${n}`).join(', ')}`)
  return lines.join('\n')
}
