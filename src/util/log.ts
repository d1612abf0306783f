/**
 * Structured logs as the code below the CLI sees them: an event name with fields, at a level.
 * The CLI builds the real logger (pino, JSON lines to stderr or a file); everything else takes
 * this interface, so nothing below it loads a logging library, and a node without a logger
 * logs nothing.
 */
export interface Log {
  debug(fields: Readonly<Record<string, unknown>>, message: string): void
  info(fields: Readonly<Record<string, unknown>>, message: string): void
  warn(fields: Readonly<Record<string, unknown>>, message: string): void
  error(fields: Readonly<Record<string, unknown>>, message: string): void
  /** A logger whose lines all carry `bindings` (e.g. the node's name and role). */
  child(bindings: Readonly<Record<string, unknown>>): Log
  /** Whether lines of `level` are written at all (skip building fields that nobody reads). */
  isLevelEnabled(level: 'debug' | 'info' | 'warn' | 'error'): boolean
}

const ignore = (): void => {}

/** Writes nothing. */
export const silentLog: Log = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => silentLog,
  isLevelEnabled: () => false,
}
