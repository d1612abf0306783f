/**
 * `chorus init`: a new network on disk: a genesis anyone can read (chain id, start time,
 * committee, balances, a faucet account, every topic's definition and rules hash) and a key
 * file per node. Its hash is the network's identity.
 */
import { existsSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

/** A path as the user best reads it: relative below the working directory, absolute elsewhere. */
function shown(cwd: string, path: string): string {
  const rel = relative(cwd, path)
  return rel === '' || rel.startsWith('..') ? path : rel
}
import { writeNetwork } from '../node/network-files.js'
import { loadTopicConfig, TopicConfigError } from '../topic/config.js'
import { packageFile } from '../util/package-files.js'
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
    const net = await writeNetwork({
      dir,
      coordinators: o.coordinators,
      workers: o.workers,
      reputers: o.reputers,
      topics,
      chainId: o.chainId,
      genesisTime: Date.now() + o.startIn * 1000,
    })
    const summary = {
      genesis: net.genesisPath,
      genesisHash: net.hash,
      chainId: net.genesis.chainId,
      genesisTime: net.genesis.genesisTime,
      topics: topics.map((t) => t.id),
      keys: net.keys.map((k) => ({ role: k.role, file: k.file, participantId: k.participantId })),
    }
    if (o.json === true) io.stdout(`${JSON.stringify(summary)}\n`)
    else {
      io.stdout(`wrote ${shown(io.cwd, net.genesisPath)} (chain ${net.genesis.chainId}, hash ${net.hash})\n`)
      io.stdout(
        `the chain starts at ${new Date(summary.genesisTime ?? 0).toISOString()}; topics: ${summary.topics.join(', ')}\n`,
      )
      for (const k of summary.keys) io.stdout(`  ${k.role.padEnd(11)} ${shown(io.cwd, k.file)}  ${k.participantId}\n`)
    }
    return EXIT.OK
  },
}
