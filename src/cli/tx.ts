/**
 * `chorus tx KIND ... --key FILE --api URL`: sign a transaction locally, submit it to a node,
 * wait for its commit and print the result (or the ledger's reason).
 */
import { resolve } from 'node:path'
import { signTx, type TxKind } from '../consensus/ledger/index.js'
import { IdentityError, loadIdentity } from '../p2p/index.js'
import { loadTopicConfig, TopicConfigError, topicDefinition, type TopicConfig } from '../topic/config.js'
import { TX_KINDS, toHex } from '../wire/index.js'
import { accountId } from './account-id.js'
import { apiError, callApi } from './api-client.js'
import { EXIT, InputError, intAtLeast, parseAmount, UsageError, type CommandIo, type CommandSpec } from './command.js'

interface TxOptions {
  readonly key: string
  readonly api: string
  readonly to?: string
  readonly amount?: bigint
  readonly reputer?: string
  readonly topic?: string
  readonly role?: string
  readonly epochMs?: number
  readonly minWorkerStake?: bigint
  readonly minReputerStake?: bigint
  readonly definition?: string
  readonly param?: string
  readonly value?: string
  readonly height?: number
  readonly proposal?: number
  readonly choice?: string
  readonly stand?: boolean
  readonly withdraw?: boolean
  readonly wait: boolean
  readonly json?: boolean
}

export const command: CommandSpec = {
  define(cmd) {
    cmd
      .description(
        'Sign a transaction with a key file, submit it to a node and wait for its commit. Kinds: ' +
          'transfer --to --amount; stake --amount; unstake --amount [--reputer]; delegate --reputer --amount; ' +
          'register --topic --role; deregister --topic --role; create-topic --topic --epoch-ms [--min-worker-stake] [--min-reputer-stake]; ' +
          'fund-topic --topic --amount; candidacy --stand|--withdraw; propose --param --value --height; vote --proposal --choice.',
      )
      .argument('<kind>', TX_KINDS.join(', '))
      .requiredOption('--key <file>', 'the signing key (its account pays and signs)')
      .requiredOption('--api <url>', "a node's consumer API, e.g. http://127.0.0.1:8080")
      .option('--to <account>', 'recipient: an account id (hex) or a key file')
      .option('--amount <amount>', 'in smallest units, or tokens like 10tok', parseAmount)
      .option('--reputer <account>', 'a reputer: an account id (hex) or a key file')
      .option('--topic <id>', 'a topic id')
      .option('--role <role>', 'worker or reputer (register)')
      .option('--epoch-ms <ms>', 'the new topic epoch length (create-topic)', intAtLeast(50))
      .option('--min-worker-stake <amount>', 'create-topic', parseAmount)
      .option('--min-reputer-stake <amount>', 'create-topic', parseAmount)
      .option('--param <name>', 'the parameter a proposal changes (propose)')
      .option('--value <value>', "the parameter's new value (propose)")
      .option(
        '--height <n>',
        'the height that tallies the votes and applies a passed proposal (propose)',
        intAtLeast(1),
      )
      .option('--proposal <id>', 'the proposal voted on (vote)', intAtLeast(0))
      .option('--choice <choice>', 'yes, no or abstain (vote)')
      .option('--stand', 'stand for the committee (candidacy)')
      .option('--withdraw', 'withdraw from the committee election (candidacy)')
      .option(
        '--definition <file>',
        'create-topic: a topic file; with it every node runs the topic (its id and epoch length are the defaults of --topic and --epoch-ms)',
      )
      .option('--no-wait', 'return once the node accepted it, without waiting for the commit')
      .option('--json', 'print one JSON object')
  },
  run: (options, io, [kind]) => run(kind, options as unknown as TxOptions, io),
}

async function run(kind: string, o: TxOptions, io: CommandIo): Promise<number> {
  if (!(TX_KINDS as readonly string[]).includes(kind))
    throw new UsageError(`unknown kind "${kind}" (${TX_KINDS.join(', ')})`)
  const body = await bodyOf(kind as TxKind, o, io)
  let identity: Awaited<ReturnType<typeof loadIdentity>>
  try {
    identity = await loadIdentity(resolve(io.cwd, o.key))
  } catch (err) {
    if (err instanceof IdentityError) throw new InputError(err.message)
    throw err
  }
  const account = toHex(identity.publicKey)
  const genesis = await callApi<{ genesis?: { chainId?: string } }>(o.api, 'v1/genesis')
  const chainId = genesis.body.genesis?.chainId
  if (genesis.status !== 200 || chainId === undefined)
    throw new InputError(`${o.api}: no genesis (${apiError(genesis)})`)
  const state = await callApi<{ nonce?: number }>(o.api, `v1/accounts/${account}`)
  const nonce = state.status === 200 ? (state.body.nonce ?? 0) : 0
  const bytes = signTx(identity, chainId, { kind: kind as TxKind, accountNonce: nonce, body })
  const answer = await callApi<Record<string, unknown>>(o.api, `v1/tx${o.wait ? '?wait=1' : ''}`, {
    method: 'POST',
    body: { tx: Buffer.from(bytes).toString('base64') },
    timeoutMs: 40_000,
  })
  const result = answer.body
  if (o.json === true) io.stdout(`${JSON.stringify({ status: answer.status, ...result })}\n`)
  if (answer.status >= 400) {
    if (o.json !== true) io.stderr(`chorus tx: ${kind} refused: ${apiError(answer)}\n`)
    return EXIT.FAILED
  }
  const status = result.status as string
  if (o.json !== true) {
    if (status === 'committed') io.stdout(`${kind} committed at height ${result.height} (tx ${result.id})\n`)
    else if (status === 'pending') io.stdout(`${kind} submitted (tx ${result.id}); not committed yet\n`)
    else io.stderr(`chorus tx: ${kind} ${status}: ${String(result.reason ?? result.code ?? '')}\n`)
  }
  return status === 'committed' || (status === 'pending' && !o.wait) ? EXIT.OK : EXIT.FAILED
}

async function bodyOf(kind: TxKind, o: TxOptions, io: CommandIo): Promise<Record<string, string | number | boolean>> {
  const need = <T>(value: T | undefined, option: string): T => {
    if (value === undefined) throw new UsageError(`${kind} needs ${option}`)
    return value
  }
  const amount = (): string => String(need(o.amount, '--amount'))
  switch (kind) {
    case 'transfer':
      return { to: await accountId(need(o.to, '--to'), io.cwd), amount: amount() }
    case 'stake':
      return { amount: amount() }
    case 'unstake':
      return { amount: amount(), ...(o.reputer === undefined ? {} : { reputer: await accountId(o.reputer, io.cwd) }) }
    case 'delegate':
      return { reputer: await accountId(need(o.reputer, '--reputer'), io.cwd), amount: amount() }
    case 'register':
    case 'deregister': {
      const role = need(o.role, '--role')
      if (role !== 'worker' && role !== 'reputer')
        throw new UsageError(`--role must be worker or reputer, got "${role}"`)
      return { topicId: need(o.topic, '--topic'), role }
    }
    case 'create-topic': {
      const definition = o.definition === undefined ? undefined : await definitionOf(o.definition, io.cwd)
      return {
        topicId: need(o.topic ?? definition?.config.id, '--topic (or --definition)'),
        epochMs: need(o.epochMs ?? definition?.config.epochMs, '--epoch-ms (or --definition)'),
        ...(definition === undefined ? {} : { definition: definition.json }),
        ...(o.minWorkerStake === undefined ? {} : { minWorkerStake: String(o.minWorkerStake) }),
        ...(o.minReputerStake === undefined ? {} : { minReputerStake: String(o.minReputerStake) }),
      }
    }
    case 'fund-topic':
      return { topicId: need(o.topic, '--topic'), amount: amount() }
    case 'propose':
      return { param: need(o.param, '--param'), value: need(o.value, '--value'), height: need(o.height, '--height') }
    case 'candidacy':
      if (o.stand === o.withdraw) throw new UsageError('candidacy needs exactly one of --stand and --withdraw')
      return { stand: o.stand === true }
    case 'vote': {
      const choice = need(o.choice, '--choice')
      if (choice !== 'yes' && choice !== 'no' && choice !== 'abstain')
        throw new UsageError(`--choice must be yes, no or abstain, got "${choice}"`)
      return { proposal: need(o.proposal, '--proposal'), choice }
    }
  }
}

/** A topic file, checked like any topic file, as the JSON a create-topic transaction carries. */
async function definitionOf(file: string, cwd: string): Promise<{ config: TopicConfig; json: string }> {
  try {
    const config = await loadTopicConfig(resolve(cwd, file))
    return { config, json: JSON.stringify(topicDefinition(config)) }
  } catch (err) {
    if (err instanceof TopicConfigError) throw new InputError(err.message)
    throw err
  }
}
