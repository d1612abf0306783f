/**
 * The protocol external models speak (over HTTP, http.ts, or JSON lines, subprocess.ts).
 * One request per epoch carries the whole ModelContext; one answer carries both the
 * inference and the forecast:
 *
 *   request  {"version": 1, "id": 7, "context": {"topicId": "synthetic", "epoch": 120,
 *             "self": "w3", "truth": [{"epoch": 118, "value": 101.2}, {"epoch": 119, "value": 101.9}],
 *             "networkInferences": [{"epoch": 119, "value": 101.7}],
 *             "inferenceLosses": [{"epoch": 118, "losses": {"w1": -0.4, "network": -0.6}}],
 *             "inferers": ["w1", "w2"]}}
 *   answer   {"inference": 102.4, "forecast": {"w1": -0.5, "w2": -0.2}}
 *
 * `forecast` (expected log10 loss per inferer of `context.inferers`) may be left out or
 * `{}`; ids not in `context.inferers` are dropped. `id` counts requests; a JSON-lines
 * model may echo it (if it does, it must match). Every value must be a finite number.
 *
 * A model that serves only as the forecaster of a built-in inferer (`last@http:URL`) gets
 * `"role": "forecaster"` in the request; its answer may leave `inference` out (it is
 * ignored if given).
 */
import { INFERENCE_LIMIT, LOG10_LOSS_MAX, LOG10_LOSS_MIN } from '../../synthesis/input-ranges.js'
import type { ModelContext } from '../plugins.js'
import { ModelError } from './errors.js'

export const PROTOCOL_VERSION = 1

export interface Answer {
  readonly inference: number
  readonly forecast: Readonly<Record<string, number>>
}

/** What the worker asks an external model for: both values, or only the forecast. */
export type ExternalRole = 'worker' | 'forecaster'

export function requestOf(
  context: ModelContext,
  id: number,
  role: ExternalRole = 'worker',
): { version: number; id: number; role?: 'forecaster'; context: ModelContext } {
  return role === 'forecaster'
    ? { version: PROTOCOL_VERSION, id, role, context }
    : { version: PROTOCOL_VERSION, id, context }
}

/** Check an answer's shape; `who` names the model in errors. */
export function parseAnswer(
  value: unknown,
  context: ModelContext,
  who: string,
  id?: number,
  role: ExternalRole = 'worker',
): Answer {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ModelError('PROTOCOL', `${who}: the answer must be a JSON object`)
  const obj = value as Record<string, unknown>
  if (id !== undefined && obj.id !== undefined && obj.id !== id)
    throw new ModelError('PROTOCOL', `${who}: answer id ${String(obj.id)} does not match request id ${id}`)
  if (role === 'worker' && (typeof obj.inference !== 'number' || !(Math.abs(obj.inference) <= INFERENCE_LIMIT))) {
    throw new ModelError(
      'PROTOCOL',
      `${who}: "inference" must be a finite number of magnitude at most ${INFERENCE_LIMIT} (got ${JSON.stringify(obj.inference)})`,
    )
  }
  const forecast: Record<string, number> = {}
  if (obj.forecast !== undefined && obj.forecast !== null) {
    if (typeof obj.forecast !== 'object' || Array.isArray(obj.forecast))
      throw new ModelError('PROTOCOL', `${who}: "forecast" must be an object {inferer id: log10 loss}`)
    const raw = obj.forecast as Record<string, unknown>
    for (const idOf of context.inferers) {
      if (!Object.hasOwn(raw, idOf)) continue
      const v = raw[idOf]
      if (typeof v !== 'number' || !(v >= LOG10_LOSS_MIN && v <= LOG10_LOSS_MAX)) {
        throw new ModelError(
          'PROTOCOL',
          `${who}: forecast["${idOf}"] must be a log10 loss, a number in [${LOG10_LOSS_MIN}, ${LOG10_LOSS_MAX}] (got ${JSON.stringify(v)})`,
        )
      }
      forecast[idOf] = v
    }
  }
  return { inference: role === 'worker' ? (obj.inference as number) : Number.NaN, forecast }
}

/**
 * infer() and forecast() of one epoch share one request: the first call starts it, the
 * second reuses it (a failure is shared too, so a dead endpoint is asked once per epoch).
 */
export class AnswerCache {
  private readonly answers = new Map<string, Promise<Answer>>()

  /** Epochs remembered; a worker only ever asks about the current one or two. */
  private static readonly SIZE = 4

  get(context: ModelContext, ask: () => Promise<Answer>): Promise<Answer> {
    const key = `${context.topicId}\u0000${context.epoch}\u0000${context.self}`
    let answer = this.answers.get(key)
    if (answer === undefined) {
      answer = ask()
      // A rejection is observed by the caller; this keeps an unobserved copy from being reported.
      answer.catch(() => undefined)
      this.answers.set(key, answer)
      if (this.answers.size > AnswerCache.SIZE) this.answers.delete(this.answers.keys().next().value as string)
    }
    return answer
  }
}
