/**
 * Topics created by transaction. A `create-topic` transaction may carry the topic's definition
 * (a topic file's object, as a JSON string): the block that commits it adds the topic to the
 * chain, and every node runs its epochs from the first boundary after that block. The
 * definition is checked like a topic file; a transaction whose definition is invalid, or
 * disagrees with the transaction (id, epoch length), makes a block invalid, so a proposer
 * leaves it out.
 */
import { parseTopicConfig, TopicConfigError, type TopicConfig } from '../../topic/config.js'
import type { LedgerTx } from '../ledger/index.js'

/** The topic a create-topic transaction defines; undefined for any other tx or none given; a reason when invalid. */
export function createdTopicOf(tx: LedgerTx): TopicConfig | undefined | { readonly invalid: string } {
  if (tx.kind !== 'create-topic' || tx.body.definition === undefined) return undefined
  const text = tx.body.definition
  if (typeof text !== 'string') return { invalid: 'definition must be the topic file as a JSON string' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return { invalid: `definition is not valid JSON: ${(err as Error).message}` }
  }
  let config: TopicConfig
  try {
    config = parseTopicConfig(value, 'definition')
  } catch (err) {
    if (err instanceof TopicConfigError) return { invalid: err.message }
    throw err
  }
  if (config.id !== tx.body.topicId)
    return { invalid: `definition: id ${config.id} is not the topicId ${String(tx.body.topicId)}` }
  if (config.epochMs !== tx.body.epochMs)
    return { invalid: `definition: epochMs ${config.epochMs} is not the transaction's ${String(tx.body.epochMs)}` }
  return config
}
