/**
 * Chaos scenarios: a YAML file naming the cluster, the number of epochs and a timed list of
 * faults (or a `random` block that draws them from the run's seed). Loading checks everything
 * before anything starts, and an error names the file, the field and the reason.
 */
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { BYZANTINE_FAULTS_BY_ROLE, type ByzantineFault } from '../adversary/faults.js'
import type { LinkConditions } from '../p2p/index.js'

export type { LinkConditions }

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError'
}

export const FAULT_KINDS = [
  'crash',
  'restart',
  'pause',
  'partition',
  'link',
  'clock-skew',
  'sybil',
  'ignored-flood',
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** A point or a span of a run: whole epochs, or a duration (`"1500ms"`, `"2.5s"`). */
export type When = { readonly epochs: number } | { readonly ms: number }

interface FaultBase {
  /** When the fault starts: an epoch, or a time after the genesis. */
  readonly at: When
  /** How long it lasts; without it, it lasts to the end of the run (a crash without `for` never restarts). */
  readonly for?: When
}

export type ScenarioFault =
  /** SIGKILL of the node's process (in-process: the node object is dropped); `for` restarts it from its data dir. */
  | (FaultBase & { readonly kind: 'crash'; readonly nodes: readonly string[] })
  /** A clean stop and, after `for` (default at once), a start from the data dir. */
  | (FaultBase & { readonly kind: 'restart'; readonly nodes: readonly string[] })
  /** SIGSTOP then SIGCONT (in-process: every link of the node is cut, then healed). */
  | (FaultBase & { readonly kind: 'pause'; readonly nodes: readonly string[] })
  /** Links between nodes of different groups are cut both ways; nodes in no group keep every link. */
  | (FaultBase & { readonly kind: 'partition'; readonly groups: readonly (readonly string[])[] })
  /** Conditions on every link between `nodes` and `to` (default: every other node), both ways. */
  | (FaultBase & {
      readonly kind: 'link'
      readonly nodes: readonly string[]
      readonly to?: readonly string[]
      readonly conditions: LinkConditions
    })
  /** The nodes' clocks run `offsetMs` ahead (negative: behind). */
  | (FaultBase & { readonly kind: 'clock-skew'; readonly nodes: readonly string[]; readonly offsetMs: number })
  /** Unstaked peers join and publish signed inferences, forecasts and transactions. */
  | (FaultBase & { readonly kind: 'sybil'; readonly count: number })
  /** A hostile peer floods forged stale-epoch messages and transactions of unknown accounts. */
  | (FaultBase & { readonly kind: 'ignored-flood'; readonly ratePerSecond: number })

export interface RandomFaults {
  /** How many faults to draw. */
  readonly count: number
  readonly kinds: readonly FaultKind[]
  /** Longest fault, in epochs. */
  readonly maxEpochs: number
}

export interface ClusterShape {
  readonly coordinators: number
  readonly workers: number
  readonly reputers: number
  /** A topic file: a name under configs/topics/ or a path. */
  readonly topic: string
  /** Epoch length for the run, instead of the topic file's. */
  readonly epochMs?: number
  /** Node name → the adversary it runs. */
  readonly byzantine: ReadonlyMap<string, ByzantineFault>
}

export interface Scenario {
  readonly name: string
  readonly description: string
  readonly source: string
  readonly cluster: ClusterShape
  readonly epochs: number
  readonly faults: readonly ScenarioFault[]
  readonly random?: RandomFaults
}

/** Epochs after the last fault heals in which every topic must commit again (the liveness invariant). */
export const LIVENESS_EPOCHS = 3

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s)$/

const whenSchema = z.union([
  z.number().int().min(0),
  z.string().regex(DURATION, 'must be an epoch number or a duration like "1500ms" or "2.5s"'),
])

function toWhen(value: number | string): When {
  if (typeof value === 'number') return { epochs: value }
  const m = DURATION.exec(value) as RegExpExecArray
  return { ms: Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1)) }
}

const names = z.array(z.string().min(1)).min(1)
const probability = z.number().min(0).max(1)
const base = { at: whenSchema, for: whenSchema.optional() }

const faultSchema = z.discriminatedUnion('fault', [
  z.strictObject({ fault: z.literal('crash'), nodes: names, ...base }),
  z.strictObject({ fault: z.literal('restart'), nodes: names, ...base }),
  z.strictObject({ fault: z.literal('pause'), nodes: names, ...base }),
  z.strictObject({ fault: z.literal('partition'), groups: z.array(names).min(2), ...base }),
  z.strictObject({
    fault: z.literal('link'),
    nodes: names,
    to: names.optional(),
    latencyMs: z.number().min(0).max(60_000).optional(),
    jitterMs: z.number().min(0).max(60_000).optional(),
    loss: probability.optional(),
    duplicate: probability.optional(),
    reorder: probability.optional(),
    bandwidthBytesPerSec: z.number().int().min(1024).optional(),
    ...base,
  }),
  z.strictObject({
    fault: z.literal('clock-skew'),
    nodes: names,
    offsetMs: z.number().int().min(-3_600_000).max(3_600_000),
    ...base,
  }),
  z.strictObject({ fault: z.literal('sybil'), count: z.number().int().min(1).max(200), ...base }),
  z.strictObject({ fault: z.literal('ignored-flood'), ratePerSecond: z.number().int().min(1).max(100_000), ...base }),
])

const scenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes'),
    description: z.string().default(''),
    cluster: z
      .strictObject({
        coordinators: z.number().int().min(1).max(50).default(4),
        workers: z.number().int().min(0).max(200).default(6),
        reputers: z.number().int().min(0).max(50).default(2),
        topic: z.string().min(1).default('default'),
        epochMs: z.number().int().min(200).max(600_000).optional(),
        byzantine: z.record(z.string(), z.string()).default({}),
      })
      .default({ coordinators: 4, workers: 6, reputers: 2, topic: 'default', byzantine: {} }),
    epochs: z
      .number()
      .int()
      .min(LIVENESS_EPOCHS + 2)
      .max(100_000),
    faults: z.array(faultSchema).default([]),
    random: z
      .strictObject({
        count: z.number().int().min(1).max(1000),
        kinds: z.array(z.enum(FAULT_KINDS)).min(1),
        maxEpochs: z.number().int().min(1).default(4),
      })
      .optional(),
  })
  .refine((s) => s.faults.length === 0 || s.random === undefined, {
    message: 'a scenario has either a list of faults or a random block, not both',
    path: ['random'],
  })

/** Node names of a cluster shape: `coordinator-1`, `worker-1`, `reputer-1`, … (as `chorus init` names key files). */
export function nodeNames(shape: Pick<ClusterShape, 'coordinators' | 'workers' | 'reputers'>): string[] {
  const out: string[] = []
  for (const [role, n] of [
    ['coordinator', shape.coordinators],
    ['worker', shape.workers],
    ['reputer', shape.reputers],
  ] as const)
    for (let i = 1; i <= n; i++) out.push(`${role}-${i}`)
  return out
}

export function roleOfName(name: string): 'coordinator' | 'worker' | 'reputer' {
  return name.slice(0, name.lastIndexOf('-')) as 'coordinator' | 'worker' | 'reputer'
}

/** Parse and check a scenario (the YAML already parsed); `source` names it in errors. */
export function parseScenario(value: unknown, source: string): Scenario {
  const parsed = scenarioSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ScenarioError(`${source}: ${fieldOf(issue.path, value)}: ${issue.message}`)
  }
  const s = parsed.data
  const fail = (field: string, reason: string): never => {
    throw new ScenarioError(`${source}: ${field}: ${reason}`)
  }
  const known = new Set(nodeNames(s.cluster))
  const checkNames = (field: string, list: readonly string[]): void => {
    for (const [i, n] of list.entries())
      if (!known.has(n))
        fail(`${field}.${i}`, `no node "${n}" in this cluster (nodes: ${[...known].join(', ') || 'none'})`)
  }
  const byzantine = new Map<string, ByzantineFault>()
  for (const [name, fault] of Object.entries(s.cluster.byzantine)) {
    if (!known.has(name)) fail(`cluster.byzantine.${name}`, `no node "${name}" in this cluster`)
    const allowed: readonly string[] = BYZANTINE_FAULTS_BY_ROLE[roleOfName(name)]
    if (!allowed.includes(fault))
      fail(
        `cluster.byzantine.${name}`,
        `"${fault}" is not a fault of a ${roleOfName(name)} (one of: ${allowed.join(', ')})`,
      )
    byzantine.set(name, fault as ByzantineFault)
  }
  const faults = s.faults.map((f, i): ScenarioFault => {
    const field = `faults.${i}`
    const at = toWhen(f.at)
    const span = f.for === undefined ? undefined : toWhen(f.for)
    if ('epochs' in at && at.epochs >= s.epochs)
      fail(`${field}.at`, `epoch ${at.epochs} is past the run's ${s.epochs} epochs`)
    if (span !== undefined && 'epochs' in span && span.epochs < 1) fail(`${field}.for`, 'must last at least one epoch')
    const timing = span === undefined ? { at } : { at, for: span }
    switch (f.fault) {
      case 'crash':
      case 'restart':
      case 'pause':
        checkNames(`${field}.nodes`, f.nodes)
        return { kind: f.fault, nodes: f.nodes, ...timing }
      case 'partition': {
        const seen = new Set<string>()
        f.groups.forEach((g, j) => {
          checkNames(`${field}.groups.${j}`, g)
          for (const n of g) {
            if (seen.has(n)) fail(`${field}.groups.${j}`, `node "${n}" is in two groups`)
            seen.add(n)
          }
        })
        return { kind: 'partition', groups: f.groups, ...timing }
      }
      case 'link': {
        checkNames(`${field}.nodes`, f.nodes)
        if (f.to !== undefined) checkNames(`${field}.to`, f.to)
        const { fault: _k, nodes, to, at: _a, for: _f, ...conditions } = f
        if (Object.keys(conditions).length === 0)
          fail(
            field,
            'a link fault needs at least one of latencyMs, jitterMs, loss, duplicate, reorder, bandwidthBytesPerSec',
          )
        return { kind: 'link', nodes, ...(to === undefined ? {} : { to }), conditions, ...timing }
      }
      case 'clock-skew':
        checkNames(`${field}.nodes`, f.nodes)
        return { kind: 'clock-skew', nodes: f.nodes, offsetMs: f.offsetMs, ...timing }
      case 'sybil':
        return { kind: 'sybil', count: f.count, ...timing }
      case 'ignored-flood':
        return { kind: 'ignored-flood', ratePerSecond: f.ratePerSecond, ...timing }
    }
  })
  const cluster: ClusterShape = {
    coordinators: s.cluster.coordinators,
    workers: s.cluster.workers,
    reputers: s.cluster.reputers,
    topic: s.cluster.topic,
    ...(s.cluster.epochMs === undefined ? {} : { epochMs: s.cluster.epochMs }),
    byzantine,
  }
  return {
    name: s.name,
    description: s.description,
    source,
    cluster,
    epochs: s.epochs,
    faults,
    ...(s.random === undefined ? {} : { random: s.random }),
  }
}

/** Read and check a scenario file (YAML). */
export async function loadScenario(path: string): Promise<Scenario> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ScenarioError(
      `cannot read scenario ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    )
  }
  let value: unknown
  try {
    value = parseYaml(text)
  } catch (err) {
    throw new ScenarioError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  return parseScenario(value, path)
}

/**
 * The field an issue is about, as the file spells it: a fault is named by its index and, for
 * an unknown `fault:` value, zod's path stops at the union, so the field is `faults.N.fault`.
 */
function fieldOf(path: readonly PropertyKey[], value: unknown): string {
  if (path.length === 0) return '(root)'
  const text = path.map(String).join('.')
  if (path.length === 2 && path[0] === 'faults') {
    const fault = (value as { faults?: { fault?: unknown }[] }).faults?.[Number(path[1])]
    if (fault !== undefined && typeof fault === 'object' && !FAULT_KINDS.includes(fault.fault as FaultKind))
      return `${text}.fault`
  }
  return text
}
