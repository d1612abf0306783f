#!/usr/bin/env node
import '../polyfills.js'
/**
 * The `chorus` command. This file owns the process: arguments, exit status, signals and the
 * stdout pipe. Subcommands are modules exporting a `command` (./command.ts) that never touch
 * `process` themselves.
 */
import { EXIT, type CommandIo } from './command.js'
import { runCli } from './program.js'

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

// A node spawned by `chorus cluster --mode process` stops when its parent goes away, however
// the parent ended (even by SIGKILL): the parent holds the other end of its stdin.
if (process.env.CHORUS_STOP_WITH_STDIN === '1') {
  const parentGone = (): void => {
    if (!controller.signal.aborted) controller.abort(new Error('the parent process is gone'))
  }
  process.stdin.on('end', parentGone)
  process.stdin.on('close', parentGone)
  process.stdin.resume()
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
  cli: [process.execPath, ...process.execArgv, process.argv[1]],
}
// exitCode rather than exit(): lets a large stdout write finish before the process ends.
process.exitCode = await runCli(process.argv.slice(2), io, onSignals)
// The links to a parent (the stdin it holds, a chaos run's IPC channel) must not keep a
// finished command alive.
process.stdin.destroy()
process.channel?.unref()
// A watched stdin would keep a finished command (one that failed at start, say) alive.
if (process.env.CHORUS_STOP_WITH_STDIN === '1') process.stdin.destroy()
