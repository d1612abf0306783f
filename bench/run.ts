/**
 * `npm run bench [suite...]`: runs the benchmark suites, prints one table, writes
 * bench/results/latest.json (and a timestamped copy).
 *
 * Each suite runs in a process of its own: what one suite runs shapes how V8 compiles the code
 * the next one times (the collective-gain suite's thousands of six-worker epochs made the
 * synthesis suite's 1000-inferer epochs 5–20% slower in the same process), and a figure
 * should not depend on which suites ran before it.
 */
import '../src/polyfills.js'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BenchRow, BenchSuite } from './lib.js'

const CHILD_FLAG = '--suite-process'

/** Every `bench/<name>.bench.ts` exports `suite: BenchSuite`; the file name is the suite name. */
async function discoverSuites(): Promise<Record<string, () => Promise<BenchSuite>>> {
  const files = (await readdir(import.meta.dirname)).filter((f) => f.endsWith('.bench.ts')).sort()
  const suites: Record<string, () => Promise<BenchSuite>> = {}
  for (const file of files) {
    const url = pathToFileURL(join(import.meta.dirname, file)).href
    suites[file.slice(0, -'.bench.ts'.length)] = async () => ((await import(url)) as { suite: BenchSuite }).suite
  }
  return suites
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  const abs = Math.abs(n)
  if (abs !== 0 && (abs < 0.01 || abs >= 1e6)) return n.toExponential(3)
  return n.toFixed(abs < 10 ? 3 : 1)
}

function printTable(rows: readonly BenchRow[]): void {
  const header = ['suite', 'case', 'value', 'unit', 'baseline', 'baseline value', 'ratio', 'ratio means']
  const body = rows.map((r) => [
    r.suite,
    r.case,
    fmt(r.value),
    r.unit,
    r.baselineName,
    fmt(r.baseline),
    fmt(r.ratio),
    r.ratioMeaning,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of body) console.log(line(row))
}

/** Runs one suite in this process and writes its rows to `out` (the child's side). */
async function runChild(name: string, out: string): Promise<void> {
  const SUITES = await discoverSuites()
  const suite = await SUITES[name]()
  await writeFile(out, JSON.stringify(await suite.run()))
}

/** Runs one suite in a fresh process with the same runtime flags (the TypeScript loader). */
async function runInChild(name: string, dir: string): Promise<BenchRow[]> {
  const out = join(dir, `${name}.json`)
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, CHILD_FLAG, name, out], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', resolve)
  })
  if (code !== 0) throw new Error(`bench suite "${name}" failed (exit ${code})`)
  return JSON.parse(await readFile(out, 'utf8')) as BenchRow[]
}

async function main(): Promise<void> {
  const SUITES = await discoverSuites()
  const wanted = process.argv.slice(2)
  const names = wanted.length > 0 ? wanted : Object.keys(SUITES)
  for (const name of names) {
    if (!(name in SUITES)) throw new Error(`unknown bench suite "${name}" (have: ${Object.keys(SUITES).join(', ')})`)
  }
  const rows: BenchRow[] = []
  const dir = await mkdtemp(join(tmpdir(), 'chorus-bench-'))
  try {
    for (const name of names) {
      console.error(`bench: running ${name}...`)
      rows.push(...(await runInChild(name, dir)))
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  printTable(rows)
  const results = join(import.meta.dirname, 'results')
  await mkdir(results, { recursive: true })
  const json = JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)
  await writeFile(join(results, 'latest.json'), json)
  await writeFile(join(results, `bench-${Date.now()}.json`), json)
  console.error(`bench: wrote ${join(results, 'latest.json')}`)
}

if (process.argv[2] === CHILD_FLAG) await runChild(process.argv[3], process.argv[4])
else await main()
