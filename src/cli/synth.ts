/**
 * `chorus synth`: run the synthesis engine outside the network.
 *
 *   --epoch FILE.json    one epoch in the format of docs/spec/epoch-json.md; prints the output
 *   --vectors FILE.csv   recompute every output column of a simulator table and compare
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { SynthesisError } from '../synthesis/errors.js'
import { EpochJsonError, parseEpochFile, parseParams, writeEpochOutput } from '../synthesis/epoch-json.js'
import { SIMULATOR_PARAMS } from '../synthesis/params.js'
import { settleEpoch } from '../synthesis/settle.js'
import { synthesizeEpoch } from '../synthesis/synthesize.js'
import type { SettleOutput, SynthesisOutput, SynthesisParams } from '../synthesis/types.js'
import { EXIT, InputError, UsageError, type CommandIo, type CommandSpec } from './command.js'
import { CsvError, parseCsv } from './vectors/csv.js'
import { checkVectors } from './vectors/check.js'
import { LayoutError } from './vectors/layout.js'
import { formatReport, summarize } from './vectors/report.js'

/** The engine the command runs; also what the vectors checker is given. */
const ENGINE = { synthesizeEpoch, settleEpoch }

export const command: CommandSpec = {
  define(cmd) {
    cmd
      .option(
        '--epoch <file.json>',
        'run the steps the file holds ("synthesize", "settle" or both) and print the output object as JSON ' +
          '(format: docs/spec/epoch-json.md; params left out take the chain defaults)',
      )
      .option(
        '--vectors <file.csv>',
        'recompute every output column of a simulator table (docs/spec/simulator-vectors.md) and compare ' +
          'with relative tolerance 1e-5 (absolute 1e-9 near zero); exit status 0 only if none failed',
      )
      .option(
        '--params <params.json>',
        "with --vectors: params (snake_case, epoch-json §2.1) overriding the simulator's (chain defaults, reward exponents 3/3/1)",
      )
      .addHelpText(
        'after',
        '\nGive exactly one of --epoch or --vectors. Exit status: 0 on success, 1 on an invalid file,\n' +
          'a failed step or a failed check, 2 for a wrong command line.\n',
      )
  },
  async run(options, io) {
    const { epoch, vectors, params } = options as { epoch?: string; vectors?: string; params?: string }
    if ((epoch === undefined) === (vectors === undefined))
      throw new UsageError('give exactly one of --epoch FILE.json or --vectors FILE.csv')
    if (params !== undefined && epoch !== undefined)
      throw new UsageError('--params goes with --vectors; an epoch file carries its own params')
    if (epoch !== undefined) return runEpoch(epoch, io)
    return runVectors(vectors as string, params, io)
  },
}

async function runEpoch(file: string, io: CommandIo): Promise<number> {
  {
    const json = parseJson(file, await readText(file, io, 'epoch file'))
    const epoch = parseOrExplain(file, () => parseEpochFile(json))
    const out: { synthesize?: SynthesisOutput; settle?: SettleOutput } = {}
    if (epoch.synthesize !== undefined) {
      const { params, input, state } = epoch.synthesize
      out.synthesize = step(file, 'synthesize', () => ENGINE.synthesizeEpoch(params, input, state))
    }
    if (epoch.settle !== undefined) {
      const { params, input, state } = epoch.settle
      out.settle = step(file, 'settle', () => ENGINE.settleEpoch(params, input, state))
    }
    let output: ReturnType<typeof writeEpochOutput>
    try {
      output = writeEpochOutput(out)
    } catch (err) {
      if (err instanceof EpochJsonError)
        throw new InputError(`${file}: the engine produced an invalid output at ${err.message}`)
      throw err
    }
    io.stdout(`${JSON.stringify(output, null, 2)}\n`)
    return EXIT.OK
  }
}

async function runVectors(file: string, paramsFile: string | undefined, io: CommandIo): Promise<number> {
  {
    let params: SynthesisParams = SIMULATOR_PARAMS
    if (paramsFile !== undefined) {
      const json = parseJson(paramsFile, await readText(paramsFile, io, 'params file'))
      params = parseOrExplain(paramsFile, () => parseParams(json, '', SIMULATOR_PARAMS))
    }
    const text = await readText(file, io, 'vectors file')
    const report = parseOrExplain(file, () => checkVectors(parseCsv(text), params, ENGINE))
    const summary = summarize(report)
    io.stdout(`${formatReport(report, summary).join('\n')}\n`)
    return summary.failed === 0 ? EXIT.OK : EXIT.FAILED
  }
}

async function readText(file: string, io: CommandIo, what: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(err)
    throw new InputError(`cannot read ${what} ${file}: ${reason}`)
  }
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // V8 gives an offset; a line and column are what an editor can jump to.
    const at = /at position (\d+)/.exec(message)
    const where = at ? ` (line ${lineColumn(text, Number(at[1]))})` : ''
    throw new InputError(`${file} is not valid JSON${where}: ${message}`)
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `${before.length}, column ${before[before.length - 1].length + 1}`
}

/** Turns the validation errors of a file into an InputError that names the file. */
function parseOrExplain<T>(file: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    if (err instanceof EpochJsonError || err instanceof CsvError || err instanceof LayoutError) {
      throw new InputError(`${file}: ${err.message}`)
    }
    throw err
  }
}

function step<T>(file: string, name: string, compute: () => T): T {
  try {
    return compute()
  } catch (err) {
    // The engine's expected failures (no inferences, no reputer, zero listened stake...).
    if (err instanceof SynthesisError)
      throw new InputError(`${file}: ${name} step failed: ${err.message} (${err.code})`)
    throw err
  }
}
