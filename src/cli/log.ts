/**
 * The structured log of a `chorus` command: pino, one JSON object per line, to stderr or a
 * file, never to stdout (that is the command's own output and `--json` lines). The level comes
 * from `--log-level`, else from CHORUS_LOG, else the command's default.
 */
import { Option } from 'commander'
import { pino } from 'pino'
import { silentLog, type Log } from '../util/log.js'
import { InputError } from './command.js'

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface LogOptions {
  readonly logLevel?: LogLevel
  readonly logFile?: string
}

/** The options every long-running command takes. */
export function logOptions(defaultLevel: LogLevel): Option[] {
  return [
    new Option('--log-level <level>', `structured log level (default: $CHORUS_LOG, else ${defaultLevel})`).choices(
      LOG_LEVELS,
    ),
    new Option('--log-file <file>', 'write the structured log (JSON lines) there instead of stderr'),
  ]
}

/** The level to log at: the option, else CHORUS_LOG, else `fallback`. */
export function logLevelOf(o: LogOptions, env: NodeJS.ProcessEnv, fallback: LogLevel): LogLevel {
  if (o.logLevel !== undefined) return o.logLevel
  const fromEnv = env.CHORUS_LOG
  if (fromEnv === undefined || fromEnv === '') return fallback
  if (!(LOG_LEVELS as readonly string[]).includes(fromEnv))
    throw new InputError(`CHORUS_LOG must be one of ${LOG_LEVELS.join(', ')}, got "${fromEnv}"`)
  return fromEnv as LogLevel
}

export interface CommandLog {
  readonly log: Log
  readonly level: LogLevel
  /** Write out what is buffered (a file is written asynchronously). */
  flush(): void
}

export function createCommandLog(level: LogLevel, file: string | undefined): CommandLog {
  if (level === 'silent') return { log: silentLog, level, flush: () => {} }
  const destination =
    file === undefined
      ? pino.destination({ dest: 2, sync: true })
      : pino.destination({ dest: file, mkdir: true, sync: false })
  const logger = pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination)
  return { log: logger, level, flush: () => destination.flushSync() }
}
