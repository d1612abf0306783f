/** A small client of a node's consumer API (docs/api.md), for `chorus tx` and `chorus status`. */
import { InputError } from './command.js'

export interface ApiAnswer<T> {
  readonly status: number
  readonly body: T
}

/** GET or POST `path` of the API at `base`; an unreachable node is an InputError naming it. */
export async function callApi<T>(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<ApiAnswer<T>> {
  const url = new URL(path, base.endsWith('/') ? base : `${base}/`)
  let response: Response
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
    })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code
    throw new InputError(`cannot reach the node API at ${base}: ${cause ?? (err as Error).message}`)
  }
  let body: unknown
  try {
    body = await response.json()
  } catch {
    throw new InputError(`${url}: the answer (HTTP ${response.status}) is not JSON`)
  }
  return { status: response.status, body: body as T }
}

/** The `{error: {code, message}}` of a 4xx/5xx answer, as one line. */
export function apiError(answer: ApiAnswer<unknown>): string {
  const e = (answer.body as { error?: { code?: string; message?: string } }).error
  return e === undefined ? `HTTP ${answer.status}` : `${e.message ?? 'error'} (${e.code ?? answer.status})`
}
