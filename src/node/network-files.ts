/**
 * A network on disk, as `chorus init` and `chorus cluster --mode process` write it:
 * `genesis.json` (every topic's definition embedded, a faucet account, a start time) and one
 * key file per node under `keys/` (`coordinator-1.key`, `worker-1.key`, ..., `faucet.key`).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { topicRulesHash, topicRulesOf } from '../consensus/chain/topic-rules.js'
import { buildLocalGenesis, genesisHash, genesisToJson, loadGenesis, type Genesis } from '../consensus/ledger/index.js'
import { generateIdentity, loadIdentity, saveIdentity } from '../p2p/index.js'
import { topicDefinition, type TopicConfig } from '../topic/config.js'
import { toHex } from '../wire/index.js'

export type KeyRole = 'coordinator' | 'worker' | 'reputer' | 'faucet'

export interface NetworkKey {
  readonly role: KeyRole
  /** 1-based within its role. */
  readonly index: number
  readonly file: string
  readonly participantId: string
}

export interface NetworkFiles {
  readonly dir: string
  readonly genesisPath: string
  readonly genesis: Genesis
  readonly hash: string
  readonly keys: readonly NetworkKey[]
  readonly faucetKey: string
}

export interface NetworkPlan {
  readonly dir: string
  readonly coordinators: number
  /** Registered in every topic at genesis. */
  readonly workers: number
  readonly reputers: number
  readonly topics: readonly TopicConfig[]
  readonly chainId: string
  /** ms since the Unix epoch at which the chain starts. */
  readonly genesisTime: number
}

export async function writeNetwork(plan: NetworkPlan): Promise<NetworkFiles> {
  const keysDir = join(plan.dir, 'keys')
  await mkdir(keysDir, { recursive: true })
  const keys: NetworkKey[] = []
  const make = async (role: KeyRole, count: number): Promise<string[]> => {
    const ids: string[] = []
    for (let index = 1; index <= count; index++) {
      const identity = await generateIdentity()
      const file = join(keysDir, role === 'faucet' ? 'faucet.key' : `${role}-${index}.key`)
      await saveIdentity(file, identity)
      const participantId = toHex(identity.publicKey)
      keys.push({ role, index, file, participantId })
      ids.push(participantId)
    }
    return ids
  }
  const committee = await make('coordinator', plan.coordinators)
  const workers = await make('worker', plan.workers)
  const reputers = await make('reputer', plan.reputers)
  const [faucet] = await make('faucet', 1)
  const genesis = buildLocalGenesis({
    chainId: plan.chainId,
    genesisTime: plan.genesisTime,
    committee,
    workers,
    reputers,
    faucet,
    topics: plan.topics.map((t) => ({
      id: t.id,
      epochMs: t.epochMs,
      definition: topicDefinition(t),
      rules: topicRulesHash(topicRulesOf(t)),
    })),
  })
  const genesisPath = join(plan.dir, 'genesis.json')
  await writeFile(genesisPath, `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`)
  return {
    dir: plan.dir,
    genesisPath,
    genesis,
    hash: genesisHash(genesis),
    keys,
    faucetKey: join(keysDir, 'faucet.key'),
  }
}

const KEY_FILE = /^(coordinator|worker|reputer)-(\d+)\.key$/

/** A network written by `writeNetwork` (or `chorus init`), read back: to run it again. */
export async function readNetwork(dir: string): Promise<NetworkFiles> {
  const genesisPath = join(dir, 'genesis.json')
  const genesis = await loadGenesis(genesisPath)
  const keysDir = join(dir, 'keys')
  const keys: NetworkKey[] = []
  for (const name of (await readdir(keysDir)).sort()) {
    const m = KEY_FILE.exec(name) ?? (name === 'faucet.key' ? ['', 'faucet', '1'] : null)
    if (m === null) continue
    const file = join(keysDir, name)
    keys.push({
      role: m[1] as KeyRole,
      index: Number(m[2]),
      file,
      participantId: toHex((await loadIdentity(file)).publicKey),
    })
  }
  keys.sort((a, b) => (a.role === b.role ? a.index - b.index : a.role < b.role ? -1 : 1))
  return { dir, genesisPath, genesis, hash: genesisHash(genesis), keys, faucetKey: join(keysDir, 'faucet.key') }
}
