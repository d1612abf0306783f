/**
 * `npm run chaos`: the long chaos suite. Every scenario under configs/chaos/ once, then
 * CHORUS_CHAOS_RUNS (default 200) runs of the `random` scenario with seeds 1, 2, …; prints a
 * line per run and a tally, writes every report to bench/results/chaos.json, and exits 1 if any
 * run failed (each failing seed replays with `chorus chaos run random --seed N`).
 * CHORUS_CHAOS_SCENARIOS=0 skips the named scenarios; CHORUS_CHAOS_RUNS=0 the random runs.
 */
import '../src/polyfills.js'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ChaosReport } from '../src/chaos/report.js'
import { formatReport } from '../src/chaos/report.js'
import { runScenario } from '../src/chaos/runner.js'
import { loadScenario } from '../src/chaos/scenario.js'
import { packageFile } from '../src/util/package-files.js'

function count(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be an integer >= 0 (got "${raw}")`)
  return n
}

const RUNS = count('CHORUS_CHAOS_RUNS', 200)
const NAMED = count('CHORUS_CHAOS_SCENARIOS', 1) > 0

async function main(): Promise<void> {
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  const dir = packageFile('configs/chaos')
  const reports: ChaosReport[] = []
  const started = Date.now()
  const one = async (file: string, seed: number): Promise<void> => {
    const scenario = await loadScenario(join(dir, file))
    const report = await runScenario({ scenario, seed, signal: stop.signal })
    reports.push(report)
    const failed = Object.entries(report.invariants).filter(([, v]) => v === 'FAIL')
    console.log(
      `${report.pass ? 'PASS' : 'FAIL'} ${report.scenario} seed ${seed}: ${report.faults} faults, ${report.epochsCommitted}/${report.epochs} epochs committed` +
        (failed.length > 0 ? ` — failed: ${failed.map(([k]) => k).join(', ')}` : ''),
    )
    if (!report.pass) console.log(formatReport(report))
  }
  if (NAMED)
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'random.yaml').sort()) {
      if (stop.signal.aborted) break
      await one(file, 1)
    }
  for (let seed = 1; seed <= RUNS && !stop.signal.aborted; seed++) await one('random.yaml', seed)

  const failed = reports.filter((r) => !r.pass)
  const byInvariant: Record<string, number> = {}
  for (const r of reports)
    for (const [k, v] of Object.entries(r.invariants)) if (v === 'FAIL') byInvariant[k] = (byInvariant[k] ?? 0) + 1
  const tally = {
    runs: reports.length,
    passed: reports.length - failed.length,
    faultsInjected: reports.reduce((a, r) => a + r.faults, 0),
    invariantFailures: byInvariant,
    failed: failed.map((r) => ({ scenario: r.scenario, seed: r.seed })),
    minutes: Math.round((Date.now() - started) / 600) / 100,
  }
  console.log(`\n${JSON.stringify(tally)}`)
  const out = packageFile('bench/results')
  await mkdir(out, { recursive: true })
  await writeFile(join(out, 'chaos.json'), JSON.stringify({ date: new Date().toISOString(), tally, reports }, null, 1))
  process.exitCode = failed.length === 0 && !stop.signal.aborted ? 0 : 1
}

await main()
