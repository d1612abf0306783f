// The dashboard page: the recent blocks (and the ground truths known for them) from
// /v1/dashboard/history, then one block or truth per event from /v1/events (server-sent
// events); the network view is polled. Charts are drawn at most once per animation frame (once
// a second when the tab is hidden), from arrays kept to the last MAX_EPOCHS epochs, so a long
// run or a cluster of hundreds of workers cannot freeze the page: only the TOP_WORKERS
// heaviest workers get a line of their own (the workers table lists them all).
import uPlot from '/assets/uPlot.esm.js'

const MAX_EPOCHS = 1000
const TOP_WORKERS = 8
const TOP_REWARDED = 10
const RECENT_COMMITS = 50
/** Smallest units per token: rewards are shown in tokens. */
const UNITS_PER_TOKEN = 1e18
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777']

const short = (id) => `${id.slice(0, 8)}…`
const fmt = (x) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Number(x).toPrecision(5))
const $ = (id) => document.getElementById(id)

/** Everything the charts show, per topic. */
const topics = new Map()
const latency = { heights: [], ms: [] }
/** The last RECENT_COMMITS heights: the round each was decided in and its signers. */
const commits = []
let committeeSize = 0
let height = 0

function topicState(id) {
  let t = topics.get(id)
  if (t === undefined) {
    t = {
      epochs: [],
      network: [],
      naive: [],
      truth: [],
      weights: [],
      inferences: {},
      lossEpochs: [],
      // Mean losses so far (topic loss units, from the consensus log10 losses) after each
      // settled epoch: the network, the naive inference and the best single worker so far.
      soFarNetwork: [],
      soFarNaive: [],
      soFarBest: [],
      gain: newGain(),
      // Decided epochs seen with a naive inference: only those count in the gain (the first
      // epochs of a topic have none, and their naive loss is that of 0).
      withNaive: new Set(),
      rewards: new Map(),
      reputerScores: {},
      charts: undefined,
      topWorkers: '',
    }
    topics.set(id, t)
    addTopicSection(id)
  }
  return t
}

/** Each worker's share of the inferers' weight: the raw weights all shrink when every regret is low. */
function shares(weights) {
  let total = 0
  for (const w of Object.values(weights)) total += w
  return total > 0 ? Object.fromEntries(Object.entries(weights).map(([id, w]) => [id, w / total])) : weights
}

function trim(arrays) {
  const extra = arrays[0].length - MAX_EPOCHS
  if (extra > 0) for (const a of arrays) a.splice(0, extra)
}

function addBlock(block) {
  height = Math.max(height, block.height)
  if (block.lastCommit.round !== null) {
    commits.push(block.lastCommit)
    if (commits.length > RECENT_COMMITS) commits.shift()
  }
  if (block.commitMs !== null) {
    latency.heights.push(block.height)
    latency.ms.push(block.commitMs)
    trim([latency.heights, latency.ms])
  }
  for (const e of block.epochs) {
    const t = topicState(e.topic)
    t.epochs.push(e.epoch)
    t.network.push(e.networkInference)
    t.naive.push(e.naiveInference)
    t.truth.push(null)
    t.weights.push(shares(e.weights))
    t.inferences = e.inferences
    if (e.naiveInference !== null) t.withNaive.add(e.epoch)
    trim([t.epochs, t.network, t.naive, t.truth, t.weights])
    for (const s of e.settled) {
      if (t.withNaive.delete(s.epoch)) {
        const so = addToGain(t.gain, s.losses)
        t.lossEpochs.push(s.epoch)
        t.soFarNetwork.push(so.network)
        t.soFarNaive.push(so.naive)
        t.soFarBest.push(so.best)
        trim([t.lossEpochs, t.soFarNetwork, t.soFarNaive, t.soFarBest])
      }
      for (const kind of ['inferers', 'forecasters', 'reputers'])
        for (const [id, r] of Object.entries(s.rewards[kind]))
          t.rewards.set(id, (t.rewards.get(id) ?? 0) + r / UNITS_PER_TOKEN)
      t.reputerScores = s.reputerScores
    }
  }
  scheduleRender()
}

/** A topic's ground truth at an epoch, drawn next to the network inference. */
function addTruth(point) {
  const t = topics.get(point.topic)
  if (t === undefined) return
  const i = t.epochs.lastIndexOf(point.epoch)
  if (i < 0) return
  t.truth[i] = point.value
  scheduleRender()
}

/**
 * The gain so far, as `chorus cluster` tells it: mean losses of the network and the naive
 * inference over the settled epochs seen, and the best single worker: the lowest ratio of its
 * mean loss to the network's over the epochs it answered, among those that answered at least
 * half of them.
 */
function newGain() {
  return { epochs: 0, network: 0, naive: 0, workers: new Map(), best: null }
}

function addToGain(g, losses) {
  const network = 10 ** losses.network
  g.epochs++
  g.network += network
  g.naive += 10 ** losses.naive
  for (const [id, l] of Object.entries(losses.inferers ?? {})) {
    const w = g.workers.get(id) ?? { epochs: 0, loss: 0, network: 0 }
    w.epochs++
    w.loss += 10 ** l
    w.network += network
    g.workers.set(id, w)
  }
  g.best = null
  for (const [id, w] of g.workers) {
    if (w.epochs < g.epochs / 2) continue
    const ratio = w.loss / w.network
    if (g.best === null || ratio < g.best.ratio)
      g.best = { id, ratio, loss: w.loss / w.epochs, network: w.network / w.epochs }
  }
  return { network: g.network / g.epochs, naive: g.naive / g.epochs, best: g.best === null ? null : g.best.loss }
}

/** "12.3% below" or "4.0% above": how `value` compares with `reference`. */
function relative(value, reference) {
  if (!(reference > 0)) return 'n/a'
  const change = (100 * (value - reference)) / reference
  return `${Math.abs(change).toFixed(1)}% ${change <= 0 ? 'below' : 'above'}`
}

function gainText(g) {
  if (g.epochs === 0) return 'Gain so far: no settled epoch yet.'
  const network = g.network / g.epochs
  const best =
    g.best === null
      ? ''
      : `, ${relative(g.best.network, g.best.loss)} the best single worker ${short(g.best.id)} (mean loss ${fmt(g.best.loss)} over the epochs it answered)`
  return `Gain so far, over ${g.epochs} settled epochs: the network's mean loss ${fmt(network)} is ${relative(network, g.naive / g.epochs)} the naive inference's${best}.`
}

function addTopicSection(id) {
  const section = document.createElement('section')
  section.className = 'topic'
  section.dataset.topic = id
  section.innerHTML = `
    <h2>Topic <code></code></h2>
    <p class="gain"></p>
    <div class="grid">
      <figure><figcaption>Network inference, the naive one and the ground truth, by epoch</figcaption><div class="chart inference"></div></figure>
      <figure><figcaption>Mean loss so far, by settled epoch: network, naive, best single worker so far</figcaption><div class="chart loss"></div></figure>
      <figure><figcaption>Share of the weight of the ${TOP_WORKERS} heaviest workers, by epoch</figcaption><div class="chart weights"></div></figure>
      <figure><figcaption>Workers in the last epoch: inference and share of the weight</figcaption>
        <div class="scroll"><table class="workers"><thead><tr><th>worker</th><th>inference</th><th>share</th></tr></thead><tbody></tbody></table></div>
      </figure>
      <figure><figcaption>Rewards since the page opened, in tokens (top ${TOP_REWARDED})</figcaption>
        <table class="rewards"><thead><tr><th>participant</th><th>reward</th></tr></thead><tbody></tbody></table>
        <figcaption>Reputer agreement (scores of the last settled epoch)</figcaption>
        <table class="reputers"><thead><tr><th>reputer</th><th>score</th></tr></thead><tbody></tbody></table>
      </figure>
    </div>`
  section.querySelector('h2 code').textContent = id
  $('topics').append(section)
  const option = document.createElement('option')
  option.value = id
  option.textContent = id
  $('epoch-topic').append(option)
}

function chart(el, series, data) {
  const width = Math.max(300, el.clientWidth)
  return new uPlot(
    {
      width,
      height: 220,
      legend: { live: false },
      scales: { x: { time: false } },
      series: [{}, ...series.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], spanGaps: true }))],
    },
    data,
    el,
  )
}

/** Table rows of plain text cells. */
function textRows(tbody, texts) {
  tbody.replaceChildren(
    ...texts.map((row) => {
      const tr = document.createElement('tr')
      for (const text of row) {
        const td = document.createElement('td')
        td.textContent = text
        tr.append(td)
      }
      return tr
    }),
  )
}

/** Table rows: an id cell (shortened, the whole id on hover), then one cell per value. */
function rows(tbody, entries) {
  tbody.replaceChildren(
    ...entries.map(([id, ...values]) => {
      const tr = document.createElement('tr')
      const a = document.createElement('td')
      a.className = 'id'
      a.textContent = short(id)
      a.title = id
      tr.append(a)
      for (const value of values) {
        const td = document.createElement('td')
        td.textContent = typeof value === 'string' ? value : fmt(value)
        tr.append(td)
      }
      return tr
    }),
  )
}

function renderTopic(id, t) {
  const section = document.querySelector(`section.topic[data-topic="${CSS.escape(id)}"]`)
  const last = t.weights.at(-1) ?? {}
  const top = Object.keys(last)
    .sort((a, b) => last[b] - last[a])
    .slice(0, TOP_WORKERS)
  const weightData = [t.epochs, ...top.map((w) => t.weights.map((ws) => ws[w] ?? null))]
  section.querySelector('.gain').textContent = gainText(t.gain)
  if (t.charts === undefined) {
    t.charts = {
      inference: chart(
        section.querySelector('.inference'),
        ['network', 'naive', 'truth'],
        [t.epochs, t.network, t.naive, t.truth],
      ),
      loss: chart(
        section.querySelector('.loss'),
        ['network', 'naive', 'best worker'],
        [t.lossEpochs, t.soFarNetwork, t.soFarNaive, t.soFarBest],
      ),
      weights: undefined,
    }
  } else {
    t.charts.inference.setData([t.epochs, t.network, t.naive, t.truth])
    t.charts.loss.setData([t.lossEpochs, t.soFarNetwork, t.soFarNaive, t.soFarBest])
  }
  // A new set of heaviest workers: a chart with their lines.
  if (t.charts.weights === undefined || t.topWorkers !== top.join()) {
    t.charts.weights?.destroy()
    t.charts.weights = chart(section.querySelector('.weights'), top.map(short), weightData)
    t.topWorkers = top.join()
  } else t.charts.weights.setData(weightData)
  rows(
    section.querySelector('.workers tbody'),
    Object.keys(t.inferences)
      .sort((a, b) => (last[b] ?? -1) - (last[a] ?? -1) || (a < b ? -1 : 1))
      .map((w) => [w, t.inferences[w], last[w]]),
  )
  rows(
    section.querySelector('.rewards tbody'),
    [...t.rewards.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP_REWARDED),
  )
  rows(section.querySelector('.reputers tbody'), Object.entries(t.reputerScores))
}

let latencyChart
function render() {
  $('height').textContent = String(height)
  for (const [id, t] of topics) renderTopic(id, t)
  if (latencyChart === undefined) latencyChart = chart($('latency'), ['commit ms'], [latency.heights, latency.ms])
  else latencyChart.setData([latency.heights, latency.ms])
  textRows(
    $('rounds').querySelector('tbody'),
    commits
      .slice(-RECENT_COMMITS)
      .reverse()
      .map((c) => [
        String(c.height),
        String(c.round),
        committeeSize > 0 ? `${c.signers.length}/${committeeSize}` : String(c.signers.length),
        c.signers.map(short).join(' '),
      ]),
  )
}

let pending = false
function scheduleRender() {
  if (pending) return
  pending = true
  const run = () => {
    pending = false
    render()
  }
  if (document.hidden) setTimeout(run, 1000)
  else requestAnimationFrame(run)
}

async function pollStatus() {
  try {
    const [status, network, ledgerTopics, governance] = await Promise.all([
      fetch('/v1/status').then((r) => r.json()),
      fetch('/v1/dashboard/network').then((r) => r.json()),
      fetch('/v1/topics').then((r) => r.json()),
      fetch('/v1/proposals').then((r) => r.json()),
    ])
    $('chain').textContent = status.chainId
    $('peers').textContent = String(status.peers)
    committeeSize = status.committee.length
    rows(
      document.querySelector('#committee tbody'),
      status.committee.map((m) => [m.id, m.power]),
    )
    showNetwork(network)
    showEconomy(ledgerTopics.topics, governance.proposals)
  } catch {
    $('peers').textContent = '?'
  }
}

function showEconomy(ledgerTopics, proposals) {
  textRows(
    document.querySelector('#topic-weights tbody'),
    ledgerTopics.map((t) => [
      t.id,
      fmt(t.weight),
      t.active ? 'yes' : 'no',
      t.revenue === null ? 'n/a' : fmt(Number(t.revenue) / UNITS_PER_TOKEN),
    ]),
  )
  textRows(
    document.querySelector('#proposals tbody'),
    proposals.length === 0
      ? [['', 'none yet', '', '', '']]
      : proposals.map((p) => [
          String(p.id),
          `${p.param} = ${p.value}`,
          String(p.height),
          p.status,
          String(Object.keys(p.votes).length),
        ]),
  )
}

function showNetwork(network) {
  $('role-counts').textContent = Object.entries(network.roleCounts)
    .map(([role, n]) => `${n} ${role}`)
    .join(', ')
  $('connections').textContent = network.connections === null ? '' : `(${network.connections} connections)`
  rows(
    document.querySelector('#peers-table tbody'),
    network.peers.map((p) => [
      p.peerId,
      p.participant === null ? 'n/a' : short(p.participant),
      p.roles.join(', ') || 'none',
      p.topics.join(', '),
    ]),
  )
  const refused = Object.entries(network.refused).sort((a, b) => b[1] - a[1])
  textRows(
    document.querySelector('#refused tbody'),
    refused.length === 0 ? [['none', '']] : refused.map(([reason, n]) => [reason, String(n)]),
  )
}

/** A table with these column heads, its body filled by `fill`. */
function table(className, heads, fill) {
  const t = document.createElement('table')
  t.className = className
  const tr = document.createElement('tr')
  for (const head of heads) {
    const th = document.createElement('th')
    th.textContent = head
    tr.append(th)
  }
  t.createTHead().append(tr)
  fill(t.createTBody())
  return t
}

function heading(text) {
  const h = document.createElement('h3')
  h.textContent = text
  return h
}

/** Forecast columns shown at most (the heaviest inferers): a wider table is not read anyway. */
const MAX_FORECAST_COLUMNS = 12

async function showEpoch(event) {
  event.preventDefault()
  const topic = $('epoch-topic').value
  const epoch = $('epoch-number').value
  const view = $('epoch-view')
  const res = await fetch(`/v1/topics/${encodeURIComponent(topic)}/epochs/${encodeURIComponent(epoch)}`)
  const body = await res.json()
  if (!res.ok) {
    view.textContent = body.error?.message ?? `error ${res.status}`
    return
  }
  const weights = body.output?.weights?.inferers ?? {}
  const settled = body.settlement?.status === 'settled' ? body.settlement : undefined
  const rewards = settled?.rewards?.inferers ?? {}
  const losses = settled?.consensusLosses?.inferers ?? {}
  const tokens = (x) => (x === undefined ? undefined : x / UNITS_PER_TOKEN)
  const inferences = body.inferences ?? {}
  const inferers = Object.keys(inferences).sort((a, b) => (weights[b] ?? 0) - (weights[a] ?? 0))
  const head = document.createElement('p')
  head.textContent = `epoch ${body.epoch} of ${body.topicId}, height ${body.height}: network inference ${fmt(body.output?.networkInference)}, settlement ${body.settlement?.status ?? 'n/a'}`
  const parts = [
    head,
    heading('Inferences'),
    table('epoch-inferences', ['worker', 'inference', 'weight', 'consensus loss', 'reward (tokens)'], (tbody) =>
      rows(
        tbody,
        inferers.map((id) => [id, inferences[id], weights[id], losses[id], tokens(rewards[id])]),
      ),
    ),
  ]
  const forecasts = body.forecasts ?? {}
  const columns = inferers.slice(0, MAX_FORECAST_COLUMNS)
  const some = columns.length < inferers.length ? ` (the ${columns.length} heaviest inferers)` : ''
  parts.push(
    heading(`Forecasts: the loss each forecaster expects of each inferer${some}`),
    table('epoch-forecasts', ['forecaster', ...columns.map(short)], (tbody) => {
      const forecasters = Object.keys(forecasts)
      if (forecasters.length === 0) textRows(tbody, [['no forecasts in this epoch']])
      else
        rows(
          tbody,
          forecasters.map((f) => [f, ...columns.map((i) => forecasts[f][i])]),
        )
    }),
  )
  if (settled !== undefined)
    parts.push(
      heading(`Consensus losses (settled with epoch ${settled.atEpoch}, height ${settled.height})`),
      table('epoch-losses', ['of', 'loss'], (tbody) =>
        textRows(tbody, [
          ['network', fmt(settled.consensusLosses.network)],
          ['naive', fmt(settled.consensusLosses.naive)],
        ]),
      ),
    )
  const signers = body.certificate?.signers ?? []
  parts.push(
    heading(`Certificate: decided in round ${body.certificate?.round ?? 'n/a'}, signed by ${signers.length}`),
    table('epoch-certificate', ['signer'], (tbody) =>
      rows(
        tbody,
        signers.map((id) => [id ?? 'unreadable vote']),
      ),
    ),
  )
  view.replaceChildren(...parts)
}

/** Blocks of the history asked for at once: a page of hundreds of workers parses each in a few ms. */
const HISTORY_CHUNK = 100
/** Live events that came while the history was being read, applied after it. */
const queued = []
let catchingUp = false

/**
 * Read the blocks after the last one shown (at most the last `maxBlocks`) from the history,
 * chunk by chunk, letting the page draw between chunks.
 */
async function catchUp(maxBlocks) {
  catchingUp = true
  try {
    let from = height + 1
    if (maxBlocks !== undefined) {
      const tip = (await (await fetch('/v1/status')).json()).height
      from = Math.max(from, tip - maxBlocks + 1)
    }
    for (;;) {
      const chunk = await (await fetch(`/v1/dashboard/history?from=${from}&limit=${HISTORY_CHUNK}`)).json()
      for (const block of chunk.blocks) if (block.height > height) addBlock(block)
      for (const point of chunk.truths) addTruth(point)
      if (chunk.blocks.length < HISTORY_CHUNK) break
      from = chunk.blocks.at(-1).height + 1
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
  } finally {
    catchingUp = false
    for (const apply of queued.splice(0)) apply()
  }
}

/** Apply a live event now, or after the history being read. */
function live(apply) {
  if (!catchingUp) return apply()
  queued.push(apply)
  if (queued.length > MAX_EPOCHS) queued.shift()
}

async function main() {
  $('epoch-form').addEventListener('submit', showEpoch)
  pollStatus()
  setInterval(pollStatus, 2000)
  const events = new EventSource('/v1/events')
  events.addEventListener('open', () => {
    $('live').textContent = 'live'
    // Back after a drop: read what was committed meanwhile.
    if (!catchingUp && height > 0) catchUp()
  })
  events.addEventListener('error', () => {
    $('live').textContent = 'reconnecting'
  })
  events.addEventListener('block', (e) => {
    const block = JSON.parse(e.data)
    live(() => {
      if (block.height === height + 1) addBlock(block)
      else if (block.height > height) catchUp()
    })
  })
  events.addEventListener('truth', (e) => {
    const point = JSON.parse(e.data)
    live(() => addTruth(point))
  })
  document.addEventListener('visibilitychange', scheduleRender)
  await catchUp(MAX_EPOCHS)
}

// A read-only handle on what the page shows, for the browser tests.
globalThis.chorusDashboard = { topics, latency, commits }

main()
