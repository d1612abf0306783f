/**
 * A network's genesis as a node loads it: from a file or from a URL (then pinned by its hash),
 * with the topic definitions it embeds (or names, relative to its file). Everything a joiner
 * needs to run the chain comes from here, so two nodes with the same hash run the same rules.
 */
import { dirname, resolve } from 'node:path'
import { GenesisError, genesisHash, loadGenesis, parseGenesis, type Genesis } from '../consensus/ledger/index.js'
import { loadTopicConfig, parseTopicConfig, type TopicConfig } from '../topic/config.js'

export interface NetworkGenesis {
  readonly genesis: Genesis
  /** genesisHash(genesis): the network's identity. */
  readonly hash: string
  /** Every topic of the genesis, parsed and validated. */
  readonly topics: readonly TopicConfig[]
  /** Where relative paths of the genesis (topic files, CSV ground truth) are resolved. */
  readonly baseDir: string
}

export interface GenesisSource {
  /** A file path or an http(s) URL (e.g. a node's `/v1/genesis`). */
  readonly from: string
  /** The hash the genesis must have; required for a URL. */
  readonly pinnedHash?: string
  /** Directory relative file paths are resolved against. */
  readonly cwd: string
  /** @default 10000 */
  readonly fetchTimeoutMs?: number
}

export async function loadNetworkGenesis(source: GenesisSource): Promise<NetworkGenesis> {
  const remote = /^https?:\/\//.test(source.from)
  if (remote && source.pinnedHash === undefined)
    throw new GenesisError(`a genesis fetched from ${source.from} must be pinned: pass its hash (--genesis-hash)`)
  const path = remote ? undefined : resolve(source.cwd, source.from)
  const genesis = path !== undefined ? await loadGenesis(path) : await fetchGenesis(source.from, source.fetchTimeoutMs)
  if (genesis.genesisTime === null)
    throw new GenesisError(`${source.from}: genesisTime: must be set in a network's genesis (chorus init sets it)`)
  const hash = genesisHash(genesis)
  if (source.pinnedHash !== undefined && source.pinnedHash.toLowerCase() !== hash)
    throw new GenesisError(`${source.from}: the genesis hash is ${hash}, not the pinned ${source.pinnedHash}`)
  const baseDir = path !== undefined ? dirname(path) : source.cwd
  const topics = await Promise.all(
    genesis.topics.map(async (t, i) => {
      const where = `${source.from}: topics.${i}`
      if (t.definition !== null) return parseTopicConfig(t.definition, `${where}.definition`)
      if (t.file !== null) return loadTopicConfig(resolve(baseDir, t.file))
      throw new GenesisError(`${where}: topic ${t.id} has neither a definition nor a file`)
    }),
  )
  topics.forEach((t, i) => {
    if (t.id !== genesis.topics[i].id)
      throw new GenesisError(
        `${source.from}: topics.${i}: its definition is of topic ${t.id}, not ${genesis.topics[i].id}`,
      )
  })
  return { genesis, hash, topics, baseDir }
}

async function fetchGenesis(url: string, timeoutMs = 10_000): Promise<Genesis> {
  let body: unknown
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    body = await response.json()
  } catch (err) {
    throw new GenesisError(`cannot fetch the genesis from ${url}: ${(err as Error).message}`)
  }
  // A node's API answers {hash, genesis}; a plain file server answers the genesis itself.
  const file =
    typeof body === 'object' && body !== null && 'genesis' in body ? (body as { genesis: unknown }).genesis : body
  return parseGenesis(file, url)
}
