/**
 * `chorus chaos run SCENARIO`: start a cluster, apply the scenario's faults, check the
 * invariants, print the report; exit 0 only if every invariant held. `chorus chaos list` names
 * the scenarios shipped under configs/chaos/.
 */
import { readdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Option } from 'commander'
import { INVARIANTS, type Verdict } from '../chaos/invariants.js'
import { type ChaosReport, formatReport } from '../chaos/report.js'
import { runScenario } from '../chaos/runner.js'
import { loadScenario, ScenarioError } from '../chaos/scenario.js'
import { packageFile } from '../util/package-files.js'
import { EXIT, InputError, intAtLeast, UsageError, type CommandSpec } from './command.js'

const SCENARIO_DIR = 'configs/chaos'

interface ChaosOptions {
  seed: number
  netns?: boolean
  runs: number
  json?: boolean
  mode: 'inproc' | 'process'
}

/** A scenario by name (configs/chaos/NAME.yaml) or by path. */
function scenarioPath(arg: string, cwd: string): string {
  return /[/.]/.test(arg) ? resolve(cwd, arg) : packageFile(`${SCENARIO_DIR}/${arg}.yaml`)
}

export const command: CommandSpec = {
  define(cmd) {
    cmd
      .description(
        "Chaos-test a network: `run SCENARIO` starts a cluster, applies the scenario's faults on schedule, checks the invariants (safety, liveness, conservation, nothing lost, Byzantine nodes earn less) and prints a report; exit 0 only if all held. `list` names the shipped scenarios.",
      )
      .argument('<action>', 'run | list')
      .argument('[scenario]', `a scenario name (${SCENARIO_DIR}/NAME.yaml) or a YAML file`)
      .option('--seed <n>', 'seed of the fault layer and of random schedules (same seed, same run)', intAtLeast(0), 1)
      .option('--runs <k>', 'run K times, with seeds seed … seed+K-1', intAtLeast(1), 1)
      .addOption(
        new Option('--mode <mode>', 'where the nodes run: in this process, or each in a process of its own')
          .choices(['inproc', 'process'])
          .default('inproc'),
      )
      .option(
        '--netns',
        'with --mode process: each node in a network namespace of its own, partitions by nftables (needs root, ip and nft; the report says which level ran)',
      )
      .option('--json', 'print progress and the report as JSON lines; the last line is {"type":"report",…}')
  },
  async run(options, io, args) {
    const o = options as unknown as ChaosOptions
    const [action, name] = args
    if (action === 'list') return list(io.stdout)
    if (action !== 'run') throw new UsageError(`unknown action "${action}" (run or list)`)
    if (name === undefined)
      throw new UsageError('chaos run needs a scenario: a name from `chorus chaos list` or a file')
    if (o.netns === true && o.mode !== 'process')
      throw new UsageError('--netns needs --mode process (a namespace holds a process)')
    let scenario: Awaited<ReturnType<typeof loadScenario>>
    try {
      scenario = await loadScenario(scenarioPath(name, io.cwd))
    } catch (err) {
      if (err instanceof ScenarioError) throw new InputError(err.message)
      throw err
    }
    const out = (line: object | string): void =>
      o.json === true
        ? io.stdout(`${JSON.stringify(typeof line === 'string' ? { type: 'progress', message: line } : line)}\n`)
        : io.stdout(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`)
    const reports: ChaosReport[] = []
    for (let i = 0; i < o.runs && !io.signal.aborted; i++) {
      const seed = o.seed + i
      if (o.json !== true) out(`chaos ${scenario.name}, seed ${seed}: starting ${scenario.epochs} epochs`)
      let report: ChaosReport
      try {
        report = await runScenario({
          scenario,
          seed,
          mode: o.mode,
          netns: o.netns === true,
          cli: io.cli,
          onProgress: out,
          signal: io.signal,
        })
      } catch (err) {
        if (err instanceof ScenarioError) throw new InputError(err.message)
        throw err
      }
      reports.push(report)
      if (o.json === true) io.stdout(`${JSON.stringify(report)}\n`)
      else io.stdout(`${formatReport(report)}\n\n`)
    }
    if (reports.length > 1) {
      const summary = summaryOf(reports)
      if (o.json === true) io.stdout(`${JSON.stringify(summary)}\n`)
      else
        io.stdout(
          `${summary.runs} runs: ${summary.passed} passed, ${summary.runs - summary.passed} failed${summary.failedSeeds.length > 0 ? ` (seeds ${summary.failedSeeds.join(', ')})` : ''}; ${summary.faults} faults injected\n`,
        )
    }
    if (io.signal.aborted) return EXIT.FAILED
    return reports.every((r) => r.pass) ? EXIT.OK : EXIT.FAILED
  },
}

/** Several runs in one report line: an invariant fails if it failed in any run. */
function summaryOf(reports: readonly ChaosReport[]) {
  const invariants = Object.fromEntries(
    INVARIANTS.map((k) => [k, reports.every((r) => r.invariants[k] === 'PASS') ? 'PASS' : 'FAIL']),
  ) as Record<(typeof INVARIANTS)[number], Verdict>
  return {
    type: 'report' as const,
    scenario: reports[0].scenario,
    seed: reports[0].seed,
    level: reports[0].level,
    runs: reports.length,
    passed: reports.filter((r) => r.pass).length,
    pass: reports.every((r) => r.pass),
    invariants,
    faults: reports.reduce((a, r) => a + r.faults, 0),
    failedSeeds: reports.filter((r) => !r.pass).map((r) => r.seed),
  }
}

async function list(stdout: (text: string) => void): Promise<number> {
  const dir = packageFile(SCENARIO_DIR)
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort()
  for (const f of files) {
    const scenario = await loadScenario(`${dir}/${f}`)
    stdout(`${scenario.name.padEnd(24)} ${scenario.description.split('\n')[0]}\n`)
  }
  return EXIT.OK
}
