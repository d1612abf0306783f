/**
 * What every `chorus` subcommand looks like to the entry point (src/cli/main.ts). A command
 * gets its arguments and an I/O context and returns an exit status; it never touches
 * `process` itself, so it can run inside tests and the entry point owns the process hooks.
 */

/** Exit statuses shared by all commands. */
export const EXIT = Object.freeze({
  OK: 0,
  /** The command ran and the answer is "no": a check failed, an input was invalid, a step failed. */
  FAILED: 1,
  /** The command line itself is wrong. */
  USAGE: 2,
})

export interface CommandIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** Aborted on SIGINT / SIGTERM; long-running commands stop cleanly when it fires. */
  readonly signal: AbortSignal
  /** Directory relative paths are resolved against. */
  readonly cwd: string
}

export interface Command {
  /** Full help text of `chorus <name> --help`. */
  readonly usage: string
  run(args: readonly string[], io: CommandIo): Promise<number>
}

/** A wrong command line; the entry point prints it with a hint and exits with EXIT.USAGE. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
