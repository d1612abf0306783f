/**
 * What a forged message that is ignored costs the validator (the p2p suite's rows): a
 * stale-epoch inference or forecast under a random key and signature, a transfer from an
 * account no ledger holds. The baseline is the order that parsed the payload before the epoch
 * window, the signer and the sender check, rebuilt here from the same pieces and timed in
 * the same run.
 */
import { IgnoredFloodForger } from '../src/adversary/ignored-flood.js'
import { EnvelopeValidator, ValidationError, type ValidationPolicy } from '../src/p2p/index.js'
import {
  encodeEnvelope,
  globalChannel,
  MESSAGE_SPECS,
  parseChannel,
  readEnvelope,
  topicChannel,
  type Envelope,
  type MessageSpec,
  type MessageType,
  type ParsedChannel,
} from '../src/wire/index.js'
import { medianOf, type BenchRow } from './lib.js'

const CHAIN = 'bench-chain'
const TOPIC = 'bench'
const STALE = 3
const COUNT = 3000

/** Epochs below STALE are behind the window; no tx signer has an account. */
const policy: ValidationPolicy = {
  chainId: CHAIN,
  checkEpoch: (e) => (e.type !== 'tx' && e.epoch < STALE ? 'too-old' : 'ok'),
  authorize: () => 'ok',
  checkSender: (e) => {
    if (e.type === 'tx') throw new ValidationError('ignore', 'unknown-account', 'no account')
  },
}

/** The verdict path of a message turned down by a hook when the payload was parsed first. */
function parseFirst(channel: ParsedChannel, bytes: Uint8Array): string {
  const { envelope } = readEnvelope(bytes)
  const spec = MESSAGE_SPECS[envelope.type] as MessageSpec<MessageType>
  if (spec.channel !== channel.kind || bytes.length > spec.maxBytes || envelope.chainId !== CHAIN) return 'reject'
  if (!spec.schema.safeParse(envelope.payload).success) return 'reject'
  if (policy.checkEpoch?.(envelope) !== 'ok') return 'ignore'
  if (policy.authorize?.(envelope) !== 'ok') return 'ignore'
  try {
    policy.checkSender?.(envelope)
  } catch {
    return 'ignore'
  }
  return 'accept'
}

const participant = (i: number): string => (i + 1).toString(16).padStart(64, '0')
/** Log10 losses of `n` participants. */
const lossMap = (n: number): Record<string, number> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [participant(i), -1 - i / n]))

/** The flood's forged inferences made another type, with another payload. */
function retyped(inferences: readonly Uint8Array[], type: MessageType, payload: unknown): Uint8Array[] {
  return inferences.map((bytes) => {
    const { envelope } = readEnvelope(bytes)
    return encodeEnvelope({ ...envelope, type, payload } as Envelope)
  })
}

/** A loss bundle of an epoch with `n` inferers, each also a forecaster. */
function lossBundle(n: number): unknown {
  const ids = Array.from({ length: n }, (_, i) => participant(i))
  return {
    network: -1,
    naive: -1.1,
    inferers: lossMap(n),
    forecasters: lossMap(n),
    oneOutInferers: lossMap(n),
    oneOutForecasters: lossMap(n),
    oneInForecasters: lossMap(n),
    oneOutInfererForecasters: { rows: ids, cols: ids, values: new Float64Array(n * n).fill(-1.5) },
  }
}

interface Case {
  readonly name: string
  readonly channel: ParsedChannel
  readonly messages: readonly Uint8Array[]
}

function cases(): Case[] {
  const forger = new IgnoredFloodForger({ chainId: CHAIN, topicId: TOPIC, staleEpoch: 0, seed: 'bench' })
  const inferences: Uint8Array[] = []
  const txs: Uint8Array[] = []
  while (txs.length < COUNT) {
    const forged = forger.next()
    ;(forged.channel === globalChannel('tx') ? txs : inferences).push(forged.bytes)
  }
  return [
    { name: 'stale-epoch inference', channel: parseChannel(topicChannel(TOPIC, 'inferences'))!, messages: inferences },
    {
      name: 'stale-epoch forecast (12 elements)',
      channel: parseChannel(topicChannel(TOPIC, 'forecasts'))!,
      messages: retyped(inferences, 'forecast', { losses: lossMap(12) }),
    },
    {
      name: 'stale-epoch loss bundle (24 inferers)',
      channel: parseChannel(topicChannel(TOPIC, 'losses'))!,
      messages: retyped(inferences.slice(0, COUNT / 10), 'loss-bundle', lossBundle(24)),
    },
    { name: 'tx of an unknown account', channel: parseChannel(globalChannel('tx'))!, messages: txs },
  ]
}

/** Microseconds per message of `verdict` over the case's messages, every one ignored. */
function timePerMessage(c: Case, verdict: (channel: ParsedChannel, bytes: Uint8Array) => string): number {
  const t0 = performance.now()
  for (const bytes of c.messages) if (verdict(c.channel, bytes) !== 'ignore') throw new Error(`${c.name}: not ignored`)
  return ((performance.now() - t0) * 1000) / c.messages.length
}

export async function ignoredCostRows(): Promise<BenchRow[]> {
  const validator = new EnvelopeValidator(policy)
  const current = (channel: ParsedChannel, bytes: Uint8Array): string => validator.validate(channel, bytes).action
  return cases().map((c) => {
    timePerMessage(c, current) // warm-up of both paths
    timePerMessage(c, parseFirst)
    // Interleaved rounds, each path first in turn, and medians: the machine is shared and noisy.
    const now: number[] = []
    const before: number[] = []
    for (let round = 0; round < 11; round++) {
      if (round % 2 === 0) now.push(timePerMessage(c, current))
      before.push(timePerMessage(c, parseFirst))
      if (round % 2 === 1) now.push(timePerMessage(c, current))
    }
    const value = medianOf(now)
    const baseline = medianOf(before)
    return {
      suite: 'p2p',
      case: `ignored: forged ${c.name}`,
      value,
      unit: 'µs/msg',
      baselineName: 'payload parsed before window and sender',
      baseline,
      ratio: value / baseline,
      ratioMeaning: 'validator / parse-first (goal < 1)',
      extra: { messages: c.messages.length },
    }
  })
}
