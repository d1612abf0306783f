/** Small pieces of a chaos run: which links a fault touches, how it reads, waiting for a time. */
import type { ScenarioFault } from './scenario.js'

/** Every pair of nodes in different groups. */
export function crossPairs(groups: readonly (readonly string[])[]): [string, string][] {
  const out: [string, string][] = []
  for (let i = 0; i < groups.length; i++)
    for (let j = i + 1; j < groups.length; j++) for (const a of groups[i]) for (const b of groups[j]) out.push([a, b])
  return out
}

/** Links between `nodes` and `to`, each once, never a node to itself. */
export function linkPairs(nodes: readonly string[], to: readonly string[]): [string, string][] {
  const seen = new Set<string>()
  const out: [string, string][] = []
  for (const a of nodes)
    for (const b of to) {
      const key = [a, b].sort().join('|')
      if (a === b || seen.has(key)) continue
      seen.add(key)
      out.push([a, b])
    }
  return out
}

export function describe(f: ScenarioFault): string {
  switch (f.kind) {
    case 'partition':
      return `partition ${f.groups.map((g) => `[${g.join(' ')}]`).join(' | ')}`
    case 'link':
      return `link ${f.nodes.join(' ')}${f.to === undefined ? '' : ` ↔ ${f.to.join(' ')}`} ${Object.entries(
        f.conditions,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`
    case 'clock-skew':
      return `clock-skew ${f.nodes.join(' ')} ${f.offsetMs > 0 ? '+' : ''}${f.offsetMs} ms`
    case 'sybil':
      return `sybil ×${f.count}`
    case 'ignored-flood':
      return `ignored-flood ${f.ratePerSecond}/s`
    default:
      return `${f.kind} ${f.nodes.join(' ')}`
  }
}

/** Sleep until a wall-clock time; false if the signal fired first. */
export function waitUntil(atMs: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve(ok)
    }
    const onAbort = (): void => done(false)
    const timer = setTimeout(() => done(true), Math.max(0, atMs - Date.now()))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
