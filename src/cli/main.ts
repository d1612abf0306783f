#!/usr/bin/env node
import '../polyfills.js'
/**
 * The `chorus` command. This file owns the process: arguments, exit status, signals and the
 * stdout pipe. Subcommands are plain modules exporting a `command` (./command.ts) and never
 * touch `process` themselves.
 */
import { EXIT, UsageError, type Command, type CommandIo } from './command.js'

interface CommandEntry {
  /** One line for `chorus --help`. */
  readonly summary: string
  /**
   * Loaded on use, so a command only pays for its own imports (`chorus synth` never loads
   * libp2p).
   */
  readonly load: () => Promise<{ readonly command: Command }>
  /** The command stops cleanly when io.signal aborts; otherwise Ctrl-C kills it at once. */
  readonly handlesSignals?: boolean
}

/** Every subcommand: adding one is one line here plus its module. */
const COMMANDS: { readonly [name: string]: CommandEntry } = {
  cluster: {
    summary: 'run a local cluster of real libp2p nodes on 127.0.0.1 and print each decided epoch',
    load: () => import('./cluster.js'),
    handlesSignals: true,
  },
  synth: {
    summary: 'compute one epoch from an epoch JSON file, or check the engine against simulator vectors',
    load: () => import('./synth.js'),
  },
}

function topUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length))
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return [
    'Usage: chorus <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'chorus <command> --help' for the options of a command.",
    '',
  ].join('\n')
}

async function runCli(args: readonly string[], io: CommandIo, onSignals: (enable: boolean) => void): Promise<number> {
  const [name, ...rest] = args
  if (name === undefined) {
    io.stderr(topUsage())
    return EXIT.USAGE
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout(topUsage())
    return EXIT.OK
  }
  const helpFor = name === 'help' ? rest[0] : undefined
  const commandName = helpFor ?? name
  const entry = Object.hasOwn(COMMANDS, commandName) ? COMMANDS[commandName] : undefined
  if (entry === undefined) {
    const what = commandName.startsWith('-') ? 'option' : 'command'
    io.stderr(`chorus: unknown ${what} "${commandName}"\nRun 'chorus --help' for the list of commands.\n`)
    return EXIT.USAGE
  }
  const { command } = await entry.load()
  if (helpFor !== undefined || rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage)
    return EXIT.OK
  }
  if (entry.handlesSignals === true) onSignals(true)
  try {
    return await command.run(rest, io)
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`chorus ${commandName}: ${err.message}\nRun 'chorus ${commandName} --help' for usage.\n`)
      return EXIT.USAGE
    }
    // Commands report the failures they expect; anything reaching here is a bug, so keep the stack.
    io.stderr(
      `chorus ${commandName}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    return EXIT.FAILED
  } finally {
    onSignals(false)
  }
}

const controller = new AbortController()
const SIGNALS = ['SIGINT', 'SIGTERM'] as const
function onSignal(signal: NodeJS.Signals): void {
  // A second signal means the user does not want to wait for a clean stop.
  if (controller.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : 15))
  controller.abort(new Error(`received ${signal}`))
}
function onSignals(enable: boolean): void {
  for (const s of SIGNALS) {
    if (enable) process.on(s, onSignal)
    else process.off(s, onSignal)
  }
}

// `chorus synth ... | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK)
  throw err
})

const io: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  signal: controller.signal,
  cwd: process.cwd(),
}
// exitCode rather than exit(): lets a large stdout write finish before the process ends.
process.exitCode = await runCli(process.argv.slice(2), io, onSignals)
