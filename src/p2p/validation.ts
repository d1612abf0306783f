/**
 * The validator choke point: every received envelope passes one ordered checklist, cheap
 * checks first and the signature last, before it is delivered or forwarded. Each outcome is
 * accept / ignore / reject with a code from a closed set, counted as `<action>:<code>`.
 * A local failure (an exception in our own code) is Ignore, never Reject: a bug of ours must
 * not lower an honest peer's score.
 */
import { ZodError } from 'zod'
import { isValidTopicId, type ChannelKind, type ParsedChannel } from '../wire/channels.js'
import { CodecError } from '../wire/codec.js'
import { Counters } from '../util/counters.js'
import { messageId, readEnvelope, toHex, type Envelope } from '../wire/envelope.js'
import { MAX_ENVELOPE_BYTES, MESSAGE_SPECS, type MessageSpec, type MessageType } from '../wire/messages.js'
import { Ed25519Verifier, processVerified, VerifiedMessageCache } from '../wire/signing.js'

export type ValidationAction = 'accept' | 'ignore' | 'reject'

export const VALIDATION_CODES = [
  // accept
  'ok',
  'equivocation',
  // reject: the sender is at fault
  'oversized',
  'malformed',
  'bad-envelope',
  'wrong-channel',
  'wrong-chain',
  'bad-payload',
  'unregistered',
  'duplicate',
  'bad-signature',
  'invalid-content',
  // ignore: not (provably) the sender's fault
  'epoch-too-old',
  'epoch-too-far',
  'unknown-account',
  'not-registered',
  'nonce-window',
  'internal-error',
] as const
export type ValidationCode = (typeof VALIDATION_CODES)[number]
export type CounterKey = `${ValidationAction}:${ValidationCode}`

/** Thrown by policy hooks to turn a message down with a verdict. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError'
  constructor(
    readonly action: Exclude<ValidationAction, 'accept'>,
    readonly code: ValidationCode,
    message: string,
  ) {
    super(message)
  }
}

export type EpochVerdict = 'ok' | 'too-old' | 'too-far'

/**
 * May the signer send this message? `unknown-signer`: it never could (no account, not in the
 * committee): the sender is at fault. `not-registered`: not now, but it may be by a block
 * this node has not adopted yet, so the message is dropped without blame.
 */
export type Authorization = 'ok' | 'unknown-signer' | 'not-registered'

/**
 * What the layers above tell the validator; every hook is optional. `checkEpoch`, `authorize`
 * and `checkSender` run before the payload is parsed against its type's schema (a message they
 * turn down costs no parse and no signature check): they see a decoded envelope whose header
 * fields (type, chain, topic, epoch, nonce, signer) have their types, but whose payload is a
 * map of unchecked values, to be read defensively if at all.
 */
export interface ValidationPolicy {
  readonly chainId: string
  /** Is the envelope's epoch (or height) inside the window this node accepts? Reads the header only. */
  checkEpoch?(envelope: Envelope): EpochVerdict
  /** Is the signer allowed to send this message (registered, staked, in the committee)? Reads the header only. */
  authorize?(envelope: Envelope): Authorization
  /**
   * Checks of the sender against domain state that cost less than a payload parse (an account
   * in the ledger); throw ValidationError to turn the message down. The payload is not parsed
   * yet: a field it reads may be missing or of any type.
   */
  checkSender?(envelope: Envelope): void
  /** Type-specific checks that need domain state; throw ValidationError to turn it down. Runs after the signature. */
  checkContent?(envelope: Envelope): void
  /**
   * Whether messages of this type, topic and epoch (a height, for consensus messages) can no
   * longer matter to this node: too old for the epoch window (checkEpoch turns them down before
   * their slot is looked at), or of a height the chain has long passed. The validator then
   * forgets which signers filled their slots. Without it, slots go only when `slotCapacity`
   * is reached.
   */
  isPast?(message: MessageRef): boolean
}

/** The (type, topic, epoch) a group of validator slots belongs to. */
export interface MessageRef {
  readonly type: MessageType
  readonly topicId: string
  readonly epoch: number
}

export interface ValidationResult {
  readonly action: ValidationAction
  readonly code: ValidationCode
  readonly reason?: string
  readonly envelope?: Envelope
  readonly id?: Uint8Array
}

/**
 * Slots remembered between two sweeps of the ones `isPast` says can go. A sweep asks once per
 * (type, topic, epoch) group, a few dozen on a busy node, so it costs little per message, and
 * what a sweep leaves is the slots of the groups still current plus at most this many.
 */
export const SLOT_SWEEP_EVERY = 256

interface SlotGroup {
  readonly key: string
  readonly ref: MessageRef
  /** Keys of the slots first filled by a message of this group. */
  readonly keys: Set<string>
}

interface FilledSlot {
  /**
   * Ids (hex) of the messages that filled the slot: the first, plus for consensus messages one
   * conflicting message kept as equivocation evidence (more add nothing).
   */
  readonly ids: string[]
  readonly group: SlotGroup
}

export interface ValidatorOptions {
  /**
   * Distinct (signer, slot) pairs remembered for replay detection, whatever `isPast` says (a
   * flood of valid messages pushes out the oldest). @default 100000
   */
  readonly slotCapacity?: number
  /** Signature results shared with other nodes of this process. @default a cache of its own */
  readonly verifiedCache?: VerifiedMessageCache
}

export class EnvelopeValidator {
  readonly counters = new Counters<CounterKey>()
  /** The same messages by channel kind and result (`inferences:accept`). */
  readonly byChannel = new Counters<`${ChannelKind}:${ValidationAction}`>()
  private readonly verifier = new Ed25519Verifier()
  /** Filled slots by key, oldest first. */
  private readonly slots = new Map<string, FilledSlot>()
  /**
   * The same slots by the (type, topic, epoch) of the message that first filled them, so the
   * slots of a past epoch or height are forgotten together (`isPast`) rather than kept until
   * the capacity pushes them out: at a few dozen messages a second, 100,000 slots are 40
   * minutes of a node's life.
   */
  private readonly groups = new Map<string, SlotGroup>()
  private sinceSweep = 0
  private readonly slotCapacity: number
  private readonly verifiedCache: VerifiedMessageCache

  constructor(
    private readonly policy: ValidationPolicy,
    options: ValidatorOptions = {},
  ) {
    this.slotCapacity = options.slotCapacity ?? 100_000
    this.verifiedCache = options.verifiedCache ?? new VerifiedMessageCache()
  }

  validate(channel: ParsedChannel, bytes: Uint8Array): ValidationResult {
    let result: ValidationResult
    try {
      result = this.check(channel, bytes)
    } catch (err) {
      result =
        err instanceof ValidationError
          ? { action: err.action, code: err.code, reason: err.message }
          : { action: 'ignore', code: 'internal-error', reason: (err as Error).message }
    }
    this.counters.inc(`${result.action}:${result.code}`)
    this.byChannel.inc(`${channel.kind}:${result.action}`)
    return result
  }

  private check(channel: ParsedChannel, bytes: Uint8Array): ValidationResult {
    if (bytes.length > MAX_ENVELOPE_BYTES) return reject('oversized', `${bytes.length} bytes > ${MAX_ENVELOPE_BYTES}`)

    let envelope: Envelope
    let signedBytes: Uint8Array
    try {
      ;({ envelope, signedBytes } = readEnvelope(bytes))
    } catch (err) {
      if (err instanceof CodecError) return reject('malformed', err.message)
      if (err instanceof ZodError) return reject('bad-envelope', describeZod(err))
      throw err
    }

    const spec = MESSAGE_SPECS[envelope.type] as MessageSpec<MessageType>
    const topicOk =
      channel.topicId !== ''
        ? envelope.topicId === channel.topicId
        : spec.topicScoped
          ? isValidTopicId(envelope.topicId)
          : envelope.topicId === ''
    if (spec.channel !== channel.kind || !topicOk) {
      return reject(
        'wrong-channel',
        `${envelope.type} for topic "${envelope.topicId}" does not belong on ${channel.kind}/${channel.topicId}`,
      )
    }
    if (bytes.length > spec.maxBytes)
      return reject('oversized', `${envelope.type} of ${bytes.length} bytes > ${spec.maxBytes}`)
    if (envelope.chainId !== this.policy.chainId)
      return reject('wrong-chain', `chain "${envelope.chainId}" is not "${this.policy.chainId}"`)

    // The window, the signer and its account are read from the header: a message they turn down
    // (a forged stale epoch, a tx of an account no ledger holds) costs a decode and nothing more.
    const epoch = this.policy.checkEpoch?.(envelope) ?? 'ok'
    if (epoch === 'too-old') return ignore('epoch-too-old', `epoch ${envelope.epoch} is behind the window`)
    if (epoch === 'too-far') return ignore('epoch-too-far', `epoch ${envelope.epoch} is ahead of the window`)

    const authorization = this.policy.authorize?.(envelope) ?? 'ok'
    if (authorization === 'unknown-signer')
      return reject('unregistered', `signer ${toHex(envelope.signer)} may not send ${envelope.type}`)
    if (authorization === 'not-registered')
      return ignore(
        'not-registered',
        `signer ${toHex(envelope.signer)} is not registered to send ${envelope.type} (yet)`,
      )
    this.policy.checkSender?.(envelope)

    // A slot named by the epoch alone is known before the payload is parsed, so a replay into
    // it costs no parse; the other slots are named by payload fields, read once they are parsed.
    let slotKey = spec.slotReadsPayload ? undefined : slotKeyOf(envelope)
    const early = slotKey === undefined ? undefined : this.slotConflict(slotKey, envelope.type, spec, bytes)
    if (early !== undefined) return early

    const payload = spec.schema.safeParse(envelope.payload)
    if (!payload.success) return reject('bad-payload', describeZod(payload.error))

    if (slotKey === undefined) {
      slotKey = slotKeyOf(envelope)
      const conflict = this.slotConflict(slotKey, envelope.type, spec, bytes)
      if (conflict !== undefined) return conflict
    }
    const filledBy = this.slots.get(slotKey)?.ids
    const id = messageId(bytes)
    const idHex = toHex(id)

    if (!this.verifiedCache.has(idHex)) {
      if (!this.verifier.verify(envelope.signature, signedBytes, envelope.signer)) {
        return reject('bad-signature', 'signature does not verify')
      }
      this.verifiedCache.add(idHex)
    }
    this.policy.checkContent?.(envelope)

    // Only a verified message may fill a slot, or a forger could lock honest signers out.
    if (filledBy === undefined) this.rememberSlot(envelope, slotKey, [idHex])
    else filledBy.push(idHex)
    return { action: 'accept', code: filledBy === undefined ? 'ok' : 'equivocation', envelope, id }
  }

  /** The verdict on a message for a filled slot: a replay or a conflict; none if the slot is free or may take one equivocation. */
  private slotConflict(
    slotKey: string,
    type: MessageType,
    spec: MessageSpec<MessageType>,
    bytes: Uint8Array,
  ): ValidationResult | undefined {
    const filledBy = this.slots.get(slotKey)?.ids
    if (filledBy === undefined) return undefined
    if (filledBy.includes(toHex(messageId(bytes)))) return reject('duplicate', 'this message was already received')
    if (spec.onConflict === 'reject' || filledBy.length >= 2) {
      return reject('duplicate', `signer already sent a different ${type} for this slot`)
    }
    return undefined
  }

  /** Mark a message this node publishes itself, so a replay of it is caught too. */
  recordOwn(envelope: Envelope, id: Uint8Array): void {
    this.rememberSlot(envelope, slotKeyOf(envelope), [toHex(id)])
  }

  /** Filled slots remembered (for tests and diagnostics). */
  get slotsHeld(): number {
    return this.slots.size
  }

  private rememberSlot(envelope: Envelope, key: string, ids: string[]): void {
    const earlier = this.slots.get(key)
    if (earlier !== undefined) {
      // Filled again (our own message after a peer's copy): it keeps its place and group.
      this.slots.set(key, { ids, group: earlier.group })
      return
    }
    if (this.slots.size >= this.slotCapacity) this.forget(this.slots.keys().next().value as string)
    const groupKey = `${envelope.type}|${envelope.topicId}|${envelope.epoch}`
    let group = this.groups.get(groupKey)
    if (group === undefined) {
      const ref = { type: envelope.type, topicId: envelope.topicId, epoch: envelope.epoch }
      group = { key: groupKey, ref, keys: new Set() }
      this.groups.set(groupKey, group)
    }
    group.keys.add(key)
    this.slots.set(key, { ids, group })
    if (++this.sinceSweep >= SLOT_SWEEP_EVERY) this.forgetPast()
  }

  private forget(key: string): void {
    const slot = this.slots.get(key)
    if (slot === undefined) return
    this.slots.delete(key)
    slot.group.keys.delete(key)
    if (slot.group.keys.size === 0) this.groups.delete(slot.group.key)
  }

  /** Forget the slots of every group the policy says can no longer matter. */
  private forgetPast(): void {
    this.sinceSweep = 0
    const isPast = this.policy.isPast
    if (isPast === undefined) return
    for (const group of this.groups.values()) {
      let past: boolean
      try {
        past = isPast.call(this.policy, group.ref)
      } catch {
        past = false // a failing hook only leaves the slots to the capacity bound
      }
      if (!past) continue
      for (const key of group.keys) this.slots.delete(key)
      this.groups.delete(group.key)
    }
  }
}

/**
 * Stateless checks of envelope bytes that did not come through gossip (fetched by sync,
 * carried in a block): decode, shape, chain, payload schema and signature. No window, slot
 * or registration rule: the caller applies the rules of the state it checks against.
 */
export function verifyEnvelopeBytes(
  bytes: Uint8Array,
  chainId: string,
  verifier: Ed25519Verifier,
): { ok: true; envelope: Envelope } | { ok: false; code: ValidationCode; reason: string } {
  if (bytes.length > MAX_ENVELOPE_BYTES) return { ok: false, code: 'oversized', reason: `${bytes.length} bytes` }
  let read: ReturnType<typeof readEnvelope>
  try {
    read = readEnvelope(bytes)
  } catch (err) {
    return { ok: false, code: err instanceof ZodError ? 'bad-envelope' : 'malformed', reason: (err as Error).message }
  }
  const { envelope, signedBytes } = read
  if (envelope.chainId !== chainId) return { ok: false, code: 'wrong-chain', reason: `chain "${envelope.chainId}"` }
  const spec = MESSAGE_SPECS[envelope.type] as MessageSpec<MessageType>
  if (bytes.length > spec.maxBytes) return { ok: false, code: 'oversized', reason: `${bytes.length} bytes` }
  const payload = spec.schema.safeParse(envelope.payload)
  if (!payload.success) return { ok: false, code: 'bad-payload', reason: describeZod(payload.error) }
  const id = toHex(messageId(bytes))
  if (!processVerified.has(id)) {
    if (!verifier.verify(envelope.signature, signedBytes, envelope.signer))
      return { ok: false, code: 'bad-signature', reason: 'signature does not verify' }
    processVerified.add(id)
  }
  return { ok: true, envelope }
}

/**
 * The (type, topic, signer, slot) a signer may fill once; for a type whose slot reads the
 * payload, the payload must already be schema-checked.
 */
function slotKeyOf(envelope: Envelope): string {
  const spec = MESSAGE_SPECS[envelope.type] as MessageSpec<MessageType>
  return `${envelope.type}|${envelope.topicId}|${toHex(envelope.signer)}|${spec.slot(envelope.epoch, envelope.payload)}`
}

function reject(code: ValidationCode, reason: string): ValidationResult {
  return { action: 'reject', code, reason }
}

function ignore(code: ValidationCode, reason: string): ValidationResult {
  return { action: 'ignore', code, reason }
}

/** "payload.losses.abc: must be a finite number; ..." — the first few issues, with their paths. */
export function describeZod(error: ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ')
}
