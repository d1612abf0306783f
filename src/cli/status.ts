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

interface CommitteeTerm {
  height: number
  members: { id: string; power: number; stake: string }[]
}

interface CommitteeAnswer extends CommitteeTerm {
  next: CommitteeTerm
  candidates: { id: string; stake: string; eligible: boolean }[]
  election: { size: number }
  lastHandoff: number
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
    const elected = await callApi<CommitteeAnswer>(o.api, 'v1/committee')
    const committee = elected.status === 200 ? elected.body : undefined
    let account: unknown
    if (o.account !== undefined) {
      const id = await accountId(o.account, io.cwd)
      const answer = await callApi<Record<string, unknown>>(o.api, `v1/accounts/${id}`)
      account = answer.status === 200 ? answer.body : { id, error: apiError(answer) }
    }
    if (o.json === true) {
      io.stdout(
        `${JSON.stringify({ ...status.body, ...(committee === undefined ? {} : { election: committee }), proposals, ...(account === undefined ? {} : { account }) })}\n`,
      )
      return EXIT.OK
    }
    const s = status.body
    io.stdout(
      [
        `chain ${s.chainId} (genesis ${s.genesisHash.slice(0, 16)}…), height ${s.height}${s.lastBlock === null ? '' : ` at ${new Date(s.lastBlock.timeMs).toISOString()}`}`,
        `node ${s.peerId} (${s.role}), ${s.peers} peers`,
        `committee: ${s.committee.map((m) => `${m.id.slice(0, 12)}… (${m.power})`).join(', ')}`,
        ...(committee === undefined ? [] : electionLines(committee)),
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

/** Who decides next, whether that changes, and who stands. */
function electionLines(c: CommitteeAnswer): string[] {
  const ids = (t: CommitteeTerm): string => t.members.map((m) => m.id).join(',')
  const short = (t: CommitteeTerm): string => t.members.map((m) => `${m.id.slice(0, 12)}… (${m.power})`).join(', ')
  return [
    ids(c.next) === ids(c) && c.next.members.every((m, i) => m.power === c.members[i].power)
      ? `committee at height ${c.next.height}: the same`
      : `committee at height ${c.next.height} (elected): ${short(c.next)}`,
    `candidates: ${c.candidates.length} (${c.candidates.filter((x) => x.eligible).length} eligible) for ${c.election.size} seats; last hand-off ${c.lastHandoff === 0 ? 'none' : `at height ${c.lastHandoff}`}`,
  ]
}
