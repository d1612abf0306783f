/**
 * `npm run bench [suite...]`: runs the benchmark suites, prints one table, writes
 * bench/results/latest.json (and a timestamped copy).
 */
import '../src/polyfills.js'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BenchRow, BenchSuite } from './lib.js'

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
  const body = rows.map((r) => [r.suite, r.case, fmt(r.value), r.unit, r.baselineName, fmt(r.baseline), fmt(r.ratio), r.ratioMeaning])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of body) console.log(line(row))
}

async function main(): Promise<void> {
  const SUITES = await discoverSuites()
  const wanted = process.argv.slice(2)
  const names = wanted.length > 0 ? wanted : Object.keys(SUITES)
  for (const name of names) {
    if (!(name in SUITES)) throw new Error(`unknown bench suite "${name}" (have: ${Object.keys(SUITES).join(', ')})`)
  }
  const rows: BenchRow[] = []
  for (const name of names) {
    const suite = await SUITES[name]()
    console.error(`bench: running ${suite.name}...`)
    rows.push(...(await suite.run()))
  }
  printTable(rows)
  const dir = join(import.meta.dirname, 'results')
  await mkdir(dir, { recursive: true })
  const json = JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)
  await writeFile(join(dir, 'latest.json'), json)
  await writeFile(join(dir, `bench-${Date.now()}.json`), json)
  console.error(`bench: wrote ${join(dir, 'latest.json')}`)
}

await main()
