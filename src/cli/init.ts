/**
 * `chorus init`: a new network on disk: a genesis anyone can read (chain id, start time,
 * committee, balances, a faucet account, every topic's definition and rules hash) and a key
 * file per node. Its hash is the network's identity.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'

/** A path as the user best reads it: relative below the working directory, absolute elsewhere. */
function shown(cwd: string, path: string): string {
  const rel = relative(cwd, path)
  return rel === '' || rel.startsWith('..') ? path : rel
}
import { topicRulesHash, topicRulesOf } from '../consensus/chain/topic-rules.js'
import { buildLocalGenesis, genesisHash, genesisToJson } from '../consensus/ledger/index.js'
import { generateIdentity, saveIdentity, type NodeIdentity } from '../p2p/index.js'
import { loadTopicConfig, TopicConfigError, topicDefinition } from '../topic/config.js'
import { packageFile } from '../util/package-files.js'
import { toHex } from '../wire/index.js'
import { collect, EXIT, InputError, intAtLeast, type CommandSpec } from './command.js'

interface InitOptions {
  readonly coordinators: number
  readonly workers: number
  readonly reputers: number
  readonly topic?: string[]
  readonly out: string
  readonly chainId: string
  readonly startIn: number
  readonly force?: boolean
  readonly json?: boolean
}

export const command: CommandSpec = {
  define(cmd) {
    cmd
      .description('Write a new network: DIR/genesis.json and a key file per node under DIR/keys/.')
      .requiredOption('--out <dir>', 'the directory to write')
      .option('--coordinators <n>', 'committee members', intAtLeast(1), 4)
      .option('--workers <n>', 'workers registered in every topic at genesis', intAtLeast(0), 0)
      .option('--reputers <n>', 'reputers registered in every topic at genesis', intAtLeast(0), 0)
      .option('--topic <file>', 'a topic file; repeat for several (default configs/topics/default.json)', collect)
      .option('--chain-id <id>', 'the chain id', 'chorus-local')
      .option('--start-in <seconds>', 'the chain starts this long after now (its genesis time)', intAtLeast(0), 10)
      .option('--force', 'overwrite an existing genesis and keys in DIR')
      .option('--json', 'print one JSON object')
  },
  async run(options, io) {
    const o = options as unknown as InitOptions
    const dir = resolve(io.cwd, o.out)
    const genesisPath = join(dir, 'genesis.json')
    if (existsSync(genesisPath) && o.force !== true)
      throw new InputError(`${genesisPath} exists already (pass --force to replace the network)`)
    const files = (o.topic ?? []).map((f) => resolve(io.cwd, f))
    let topics: Awaited<ReturnType<typeof loadTopicConfig>>[]
    try {
      topics = await Promise.all(
        (files.length > 0 ? files : [packageFile('configs/topics/default.json')]).map(loadTopicConfig),
      )
    } catch (err) {
      if (err instanceof TopicConfigError) throw new InputError(err.message)
      throw err
    }
    const ids = new Set<string>()
    for (const t of topics) {
      if (ids.has(t.id)) throw new InputError(`topic ${t.id} is given twice`)
      ids.add(t.id)
    }
    const keys: { role: string; file: string; identity: NodeIdentity }[] = []
    const make = async (role: string, count: number): Promise<NodeIdentity[]> => {
      const made: NodeIdentity[] = []
      for (let i = 1; i <= count; i++) {
        const identity = await generateIdentity()
        keys.push({
          role,
          file: join(dir, 'keys', count === 1 && role === 'faucet' ? 'faucet.key' : `${role}-${i}.key`),
          identity,
        })
        made.push(identity)
      }
      return made
    }
    const hex = (list: NodeIdentity[]): string[] => list.map((k) => toHex(k.publicKey))
    const committee = hex(await make('coordinator', o.coordinators))
    const workers = hex(await make('worker', o.workers))
    const reputers = hex(await make('reputer', o.reputers))
    const [faucet] = hex(await make('faucet', 1))
    const genesis = buildLocalGenesis({
      chainId: o.chainId,
      genesisTime: Date.now() + o.startIn * 1000,
      committee,
      workers,
      reputers,
      faucet,
      topics: topics.map((t) => ({
        id: t.id,
        epochMs: t.epochMs,
        definition: topicDefinition(t),
        rules: topicRulesHash(topicRulesOf(t)),
      })),
    })
    await mkdir(join(dir, 'keys'), { recursive: true })
    for (const k of keys) await saveIdentity(k.file, k.identity)
    await writeFile(genesisPath, `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`)
    const hash = genesisHash(genesis)
    const summary = {
      genesis: genesisPath,
      genesisHash: hash,
      chainId: genesis.chainId,
      genesisTime: genesis.genesisTime,
      topics: topics.map((t) => t.id),
      keys: keys.map((k) => ({ role: k.role, file: k.file, participantId: toHex(k.identity.publicKey) })),
    }
    if (o.json === true) io.stdout(`${JSON.stringify(summary)}\n`)
    else {
      io.stdout(`wrote ${shown(io.cwd, genesisPath)} (chain ${genesis.chainId}, hash ${hash})\n`)
      io.stdout(
        `the chain starts at ${new Date(genesis.genesisTime ?? 0).toISOString()}; topics: ${summary.topics.join(', ')}\n`,
      )
      for (const k of summary.keys) io.stdout(`  ${k.role.padEnd(11)} ${shown(io.cwd, k.file)}  ${k.participantId}\n`)
    }
    return EXIT.OK
  },
}
