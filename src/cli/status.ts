import { accountId } from './account-id.js'
import { apiError, callApi } from './api-client.js'
import { EXIT, InputError, type CommandSpec } from './command.js'

interface Status {
  chainId: string
  genesisHash: string
  peerId: string
  role: string
  peers: number
  height: number
  committee: { id: string; power: number }[]
  lastBlock: { height: number; hash: string; timeMs: number } | null
  topics: { id: string; lastEpoch: number }[]
}

interface Proposals {
  proposals: {
    id: number
    param: string
    value: string
    height: number
    status: string
    votes: Record<string, string>
  }[]
}

export const command: CommandSpec = {
  define(cmd) {
    cmd
      .description(
        "Show a node's view of the network: peers, committee, height, topics, governance proposals, and an account.",
      )
      .requiredOption('--api <url>', "a node's consumer API, e.g. http://127.0.0.1:8080")
      .option('--account <account>', 'an account id (hex) or a key file: its balance, stake and registrations')
      .option('--json', 'print one JSON object')
  },
  async run(options, io) {
    const o = options as { api: string; account?: string; json?: boolean }
    const status = await callApi<Status>(o.api, 'v1/status')
    if (status.status !== 200) throw new InputError(`${o.api}: ${apiError(status)}`)
    const answer = await callApi<Proposals>(o.api, 'v1/proposals')
    const proposals = answer.status === 200 ? answer.body.proposals : []
    let account: unknown
    if (o.account !== undefined) {
      const id = await accountId(o.account, io.cwd)
      const answer = await callApi<Record<string, unknown>>(o.api, `v1/accounts/${id}`)
      account = answer.status === 200 ? answer.body : { id, error: apiError(answer) }
    }
    if (o.json === true) {
      io.stdout(`${JSON.stringify({ ...status.body, proposals, ...(account === undefined ? {} : { account }) })}\n`)
      return EXIT.OK
    }
    const s = status.body
    io.stdout(
      [
        `chain ${s.chainId} (genesis ${s.genesisHash.slice(0, 16)}…), height ${s.height}${s.lastBlock === null ? '' : ` at ${new Date(s.lastBlock.timeMs).toISOString()}`}`,
        `node ${s.peerId} (${s.role}), ${s.peers} peers`,
        `committee: ${s.committee.map((m) => `${m.id.slice(0, 12)}… (${m.power})`).join(', ')}`,
        ...s.topics.map((t) => `topic ${t.id}: last committed epoch ${t.lastEpoch}`),
        ...proposals.map(
          (p) =>
            `proposal ${p.id}: ${p.param} = ${p.value} at height ${p.height}, ${p.status} (${Object.keys(p.votes).length} votes)`,
        ),
        ...(account === undefined ? [] : [`account: ${JSON.stringify(account)}`]),
        '',
      ].join('\n'),
    )
    return EXIT.OK
  },
}
