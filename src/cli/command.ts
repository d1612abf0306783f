/**
 * What every `chorus` subcommand looks like to the entry point (src/cli/main.ts): it adds
 * its options to a commander command (help is generated from them), then runs with the parsed
 * options and an I/O context, and returns an exit status. A command never touches `process`
 * itself, so it can run inside tests and the entry point owns the process hooks.
 */
import { type Command as CommanderCommand, InvalidArgumentError } from 'commander'

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
  /** How this CLI was started ([executable, ...arguments before the subcommand]), to run it again. */
  readonly cli: readonly string[]
}

export interface CommandSpec {
  /** Adds the command's description, arguments and options. */
  define(command: CommanderCommand): void
  /** Runs with the options commander parsed (and the positional arguments, in order). */
  run(options: Record<string, unknown>, io: CommandIo, args: readonly string[]): Promise<number>
}

/** A wrong command line; the entry point prints it with a hint and exits with EXIT.USAGE. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** A failure the user can act on (a bad file, an unreachable peer): one line, exit status 1. */
export class InputError extends Error {
  override readonly name = 'InputError'
}

/** An option parser for integers of at least `min` (commander names the option on error). */
export function intAtLeast(min: number): (text: string) => number {
  return (text) => {
    const n = Number(text)
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`must be an integer >= ${min}, got "${text}"`)
    return n
  }
}

/** An option parser for `HOST:PORT` (what --api takes). */
export function hostPort(text: string): string {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim())
  if (m === null || Number(m[3]) > 65535)
    throw new InvalidArgumentError(`must be HOST:PORT (e.g. 127.0.0.1:8080), got "${text}"`)
  return text.trim()
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value]
}

const TOKEN_DIGITS = 18

/**
 * An amount of tokens: an integer in smallest units (`2500`), or tokens with a unit
 * (`10tok`, `0.5tok`: 10^18 smallest units per token).
 */
export function parseAmount(text: string): bigint {
  const m = /^(\d+)(?:\.(\d+))?\s*(tok|token|tokens)?$/.exec(text.trim())
  if (m === null || (m[2] !== undefined && m[3] === undefined))
    throw new InvalidArgumentError(`must be an integer amount in smallest units, or tokens like 10tok, got "${text}"`)
  if (m[3] === undefined) return BigInt(m[1])
  const fraction = m[2] ?? ''
  if (fraction.length > TOKEN_DIGITS) throw new InvalidArgumentError(`at most ${TOKEN_DIGITS} decimals, got "${text}"`)
  return BigInt(m[1]) * 10n ** BigInt(TOKEN_DIGITS) + BigInt(fraction.padEnd(TOKEN_DIGITS, '0') || '0')
}
