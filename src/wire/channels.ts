/**
 * Gossip channel names (docs/transport.md). One function builds every name, so the
 * protocol version lives in one place.
 */
export const PROTOCOL_VERSION = 1
const PREFIX = `/chorus/${PROTOCOL_VERSION}`

/** Per-topic channels. */
export type TopicChannelKind = 'inferences' | 'forecasts' | 'losses'
/**
 * Network-wide channels. `consensus` carries proposals and votes, the committee's business:
 * only its members (and those elected next) subscribe. `commits` carries the committed blocks
 * every node follows, so a follower's cost per height does not grow with the committee's votes.
 */
export type GlobalChannelKind = 'consensus' | 'commits' | 'tx'

export const GLOBAL_CHANNEL_KINDS: readonly GlobalChannelKind[] = ['consensus', 'commits', 'tx']

export function isGlobalChannelKind(kind: ChannelKind): kind is GlobalChannelKind {
  return (GLOBAL_CHANNEL_KINDS as readonly string[]).includes(kind)
}
export type ChannelKind = TopicChannelKind | GlobalChannelKind

export const TOPIC_CHANNEL_KINDS: readonly TopicChannelKind[] = ['inferences', 'forecasts', 'losses']

/** Topic ids are short ASCII slugs: they appear in channel names and in configs. */
export const TOPIC_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

export function isValidTopicId(topicId: string): boolean {
  return TOPIC_ID_PATTERN.test(topicId)
}

export function topicChannel(topicId: string, kind: TopicChannelKind): string {
  if (!isValidTopicId(topicId)) throw new Error(`invalid topic id "${topicId}": expected ${TOPIC_ID_PATTERN}`)
  return `${PREFIX}/topic/${topicId}/${kind}`
}

export function globalChannel(kind: GlobalChannelKind): string {
  return `${PREFIX}/${kind}`
}

export interface ParsedChannel {
  readonly kind: ChannelKind
  /** Empty for network-wide channels. */
  readonly topicId: string
}

/** Inverse of topicChannel/globalChannel; undefined for a name that is not a Chorus channel. */
export function parseChannel(name: string): ParsedChannel | undefined {
  for (const kind of GLOBAL_CHANNEL_KINDS) if (name === globalChannel(kind)) return { kind, topicId: '' }
  const parts = name.split('/')
  // ['', 'chorus', '1', 'topic', <id>, <kind>]
  if (parts.length !== 6 || parts[1] !== 'chorus' || parts[2] !== String(PROTOCOL_VERSION) || parts[3] !== 'topic')
    return undefined
  const [topicId, kind] = [parts[4], parts[5]]
  if (!isValidTopicId(topicId) || !(TOPIC_CHANNEL_KINDS as readonly string[]).includes(kind)) return undefined
  return { kind: kind as TopicChannelKind, topicId }
}
