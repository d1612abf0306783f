/**
 * `chorus node`: one node of a network, in this process, until Ctrl-C. Prints its peer id and
 * listen addresses first, then what it does: syncing, registering, and each committed epoch
 * of its topics with its own inference, weight and reward.
 */
import { createCommandLog, logLevelOf, logOptions, type LogLevel } from './log.js'
import { resolve } from 'node:path'
import { Option } from 'commander'
import { BYZANTINE_FAULTS, BYZANTINE_FAULTS_BY_ROLE, faultFitsRole, type ByzantineFault } from '../adversary/faults.js'
import { GenesisError } from '../consensus/ledger/index.js'
import { loadNetworkGenesis } from '../node/genesis-file.js'
import { chaosFromEnvironment } from '../node/chaos-control.js'
import { NodeStartError, startStandaloneNode, type NodeReport } from '../node/standalone.js'
import { ChainRestoreError, type Role } from '../node/role-node.js'
import { IdentityError, loadOrCreateIdentity } from '../p2p/index.js'
import { GroundTruthError } from '../roles/ground-truth/errors.js'
import { ModelSpecError } from '../roles/models/errors.js'
import { StoreError } from '../consensus/store.js'
import { TopicConfigError } from '../topic/config.js'
import {
  collect,
  EXIT,
  hostPort,
  InputError,
  parseAmount,
  UsageError,
  type CommandIo,
  type CommandSpec,
} from './command.js'

interface NodeOptions {
  readonly role: string
  readonly genesis: string
  readonly genesisHash?: string
  readonly key: string
  readonly dataDir: string
  readonly listen?: string[]
  readonly announce?: string[]
  readonly bootstrap?: string[]
  readonly topic?: string[]
  readonly model?: string
  readonly stake?: bigint
  readonly api?: string
  readonly json?: boolean
  readonly byzantine?: ByzantineFault
  readonly logLevel?: LogLevel
  readonly logFile?: string
}

const ROLES: readonly Role[] = ['coordinator', 'worker', 'reputer']

export const command: CommandSpec = {
  define(cmd) {
    cmd
      .description('Run one node of a network (a coordinator, a worker or a reputer) until Ctrl-C.')
      .requiredOption('--role <role>', 'coordinator, worker or reputer')
      .requiredOption(
        '--genesis <file|url>',
        "the network's genesis: a file, or a node's /v1/genesis URL (then pin it)",
      )
      .option('--genesis-hash <hex>', 'the hash the genesis must have (required with a URL)')
      .requiredOption('--key <file>', 'the node key (created, mode 0600, when missing)')
      .requiredOption('--data-dir <dir>', "the node's store: blocks, their messages, the write-ahead log")
      .option(
        '--listen <multiaddr>',
        'a TCP listen address; repeat for several (default /ip4/127.0.0.1/tcp/0)',
        collect,
      )
      .option('--announce <multiaddr>', 'an address other peers should dial (NAT, 0.0.0.0); repeatable', collect)
      .option('--bootstrap <multiaddr>', 'a peer to dial, with /p2p/<peer id>; repeatable', collect)
      .option('--topic <id>', 'a topic to work on (workers, reputers); repeatable (default: every topic)', collect)
      .option('--model <spec>', "a worker's model: builtin:SPEC (e.g. builtin:ema:0.3), http:URL or cmd:COMMAND")
      .option(
        '--stake <amount>',
        'register with this self-stake if the key is not registered (e.g. 10tok)',
        parseAmount,
      )
      .option('--api <host:port>', 'serve the consumer API there (docs/api.md); port 0 picks a free one', hostPort)
      .option('--json', 'one JSON object per line')
      .addOption(
        new Option(
          '--byzantine <fault>',
          'run as a Byzantine node, for tests and chaos runs (docs/adversaries.md); the fault must fit --role',
        ).choices(BYZANTINE_FAULTS),
      )
    for (const option of logOptions('warn')) cmd.addOption(option)
  },
  run: (options, io) => run(options as unknown as NodeOptions, io),
}

async function run(o: NodeOptions, io: CommandIo): Promise<number> {
  if (!ROLES.includes(o.role as Role))
    throw new UsageError(`--role must be coordinator, worker or reputer, got "${o.role}"`)
  const role = o.role as Role
  if (role === 'coordinator' && (o.model !== undefined || o.stake !== undefined))
    throw new UsageError('--model and --stake are for workers and reputers')
  if (role === 'reputer' && o.model !== undefined) throw new UsageError('--model is for workers')
  if (o.byzantine !== undefined && !faultFitsRole(role, o.byzantine))
    throw new UsageError(
      `--byzantine ${o.byzantine} is not a fault of a ${role} (a ${role} can be: ${BYZANTINE_FAULTS_BY_ROLE[role].join(', ')})`,
    )
  const model =
    o.model === undefined ? undefined : o.model.startsWith('builtin:') ? o.model.slice('builtin:'.length) : o.model
  const print = (report: NodeReport): void => io.stdout(o.json === true ? `${JSON.stringify(report)}\n` : line(report))
  const logged = createCommandLog(logLevelOf(o, process.env, 'warn'), o.logFile && resolve(io.cwd, o.logFile))
  try {
    const network = await loadNetworkGenesis({ from: o.genesis, pinnedHash: o.genesisHash, cwd: io.cwd })
    const identity = await loadOrCreateIdentity(resolve(io.cwd, o.key))
    const started = await startStandaloneNode({
      role,
      network,
      identity,
      dataDir: resolve(io.cwd, o.dataDir),
      listen: o.listen,
      announce: o.announce,
      bootstrap: o.bootstrap,
      topics: o.topic,
      model,
      stake: o.stake,
      api: o.api,
      report: print,
      signal: io.signal,
      byzantine: o.byzantine,
      chaos: chaosFromEnvironment(process.env, process),
      log: logged.log,
    })
    await new Promise<void>((done) => {
      if (io.signal.aborted) done()
      else io.signal.addEventListener('abort', () => done(), { once: true })
    })
    await started.stop()
    logged.flush()
    if (o.json !== true) io.stdout('stopped\n')
    return EXIT.OK
  } catch (err) {
    if (io.signal.aborted && err instanceof NodeStartError && err.message === 'stopped') return EXIT.OK
    if (
      err instanceof GenesisError ||
      err instanceof IdentityError ||
      err instanceof NodeStartError ||
      err instanceof GroundTruthError ||
      err instanceof ModelSpecError ||
      err instanceof TopicConfigError ||
      err instanceof StoreError ||
      err instanceof ChainRestoreError
    )
      throw new InputError(err.message)
    if (isAddressInUse(err)) throw new InputError(`cannot listen on ${(o.listen ?? []).join(', ')}: address in use`)
    throw err
  }
}

function isAddressInUse(err: unknown): boolean {
  return (
    err instanceof Error &&
    ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(err.message))
  )
}

function line(r: NodeReport): string {
  switch (r.type) {
    case 'node':
      return `${r.role} ${r.participantId}\npeer id ${r.peerId}\n${r.addrs.map((a) => `listening on ${a}\n`).join('')}chain restored at height ${r.height}\n${r.api === null ? '' : `consumer API on ${r.api}\n`}`
    case 'dial-failed':
      return `cannot reach ${r.address} (attempt ${r.attempt}): ${r.reason}\n`
    case 'synced':
      return `in sync at height ${r.height}\n`
    case 'registering':
      return `registering in ${r.topics.join(', ')} with a stake of ${r.stake}\n`
    case 'registered':
      return `registered in ${r.topics.join(', ')} (height ${r.height})\n`
    case 'working':
      return r.topics.length === 0 ? 'running\n' : `working on ${r.topics.join(', ')}\n`
    case 'committee':
      return r.member
        ? `elected to the committee: deciding from height ${r.height}\n`
        : `left the committee from height ${r.height}: following\n`
    case 'epoch': {
      const head = `epoch ${r.epoch} of ${r.topic} committed at height ${r.height}: network ${r.networkInference.toPrecision(6)}`
      if (r.role === 'coordinator') return `${head}\n`
      const paid = r.reward === null ? '' : `, reward ${Number(r.reward).toPrecision(4)}`
      if (r.role === 'reputer') return `${head}${paid}\n`
      const mine =
        r.inference === null
          ? 'no inference of this node'
          : `inference ${r.inference.toPrecision(6)}${r.weight === null ? '' : `, weight ${r.weight.toFixed(3)}`}`
      return `${head}; ${mine}${paid}\n`
    }
  }
}
