// The dashboard page: the recent blocks from /v1/dashboard/history, then one block per event
// from /v1/events (server-sent events). Charts are drawn at most once per animation frame (once
// a second when the tab is hidden), from arrays kept to the last MAX_EPOCHS epochs, so a long
// run or a cluster of hundreds of workers cannot freeze the page: only the TOP_WORKERS
// heaviest workers get a line of their own.
import uPlot from '/assets/uPlot.esm.js'

const MAX_EPOCHS = 1000
const TOP_WORKERS = 8
const TOP_REWARDED = 10
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777']

const short = (id) => `${id.slice(0, 8)}…`
const fmt = (x) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Number(x).toPrecision(5))
const $ = (id) => document.getElementById(id)

/** Everything the charts show, per topic. */
const topics = new Map()
const latency = { heights: [], ms: [] }
let height = 0

function topicState(id) {
  let t = topics.get(id)
  if (t === undefined) {
    t = {
      epochs: [],
      network: [],
      naive: [],
      weights: [],
      lossEpochs: [],
      lossNetwork: [],
      lossNaive: [],
      lossBest: [],
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

function trim(arrays) {
  const extra = arrays[0].length - MAX_EPOCHS
  if (extra > 0) for (const a of arrays) a.splice(0, extra)
}

function addBlock(block) {
  height = Math.max(height, block.height)
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
    t.weights.push(e.weights)
    trim([t.epochs, t.network, t.naive, t.weights])
    for (const s of e.settled) {
      t.lossEpochs.push(s.epoch)
      t.lossNetwork.push(s.losses.network)
      t.lossNaive.push(s.losses.naive)
      t.lossBest.push(s.losses.bestWorker)
      trim([t.lossEpochs, t.lossNetwork, t.lossNaive, t.lossBest])
      for (const kind of ['inferers', 'forecasters', 'reputers'])
        for (const [id, r] of Object.entries(s.rewards[kind])) t.rewards.set(id, (t.rewards.get(id) ?? 0) + r)
      t.reputerScores = s.reputerScores
    }
  }
  scheduleRender()
}

function addTopicSection(id) {
  const section = document.createElement('section')
  section.className = 'topic'
  section.dataset.topic = id
  section.innerHTML = `
    <h2>Topic <code></code></h2>
    <div class="grid">
      <figure><figcaption>Network inference and the naive one, by epoch</figcaption><div class="chart inference"></div></figure>
      <figure><figcaption>Consensus loss of settled epochs: network, naive, best worker</figcaption><div class="chart loss"></div></figure>
      <figure><figcaption>Weights of the ${TOP_WORKERS} heaviest workers, by epoch</figcaption><div class="chart weights"></div></figure>
      <figure><figcaption>Rewards since the page opened (top ${TOP_REWARDED})</figcaption>
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

function rows(tbody, entries) {
  tbody.replaceChildren(
    ...entries.map(([id, value]) => {
      const tr = document.createElement('tr')
      const a = document.createElement('td')
      a.className = 'id'
      a.textContent = short(id)
      a.title = id
      const b = document.createElement('td')
      b.textContent = fmt(value)
      tr.append(a, b)
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
  if (t.charts === undefined) {
    t.charts = {
      inference: chart(section.querySelector('.inference'), ['network', 'naive'], [t.epochs, t.network, t.naive]),
      loss: chart(
        section.querySelector('.loss'),
        ['network', 'naive', 'best worker'],
        [t.lossEpochs, t.lossNetwork, t.lossNaive, t.lossBest],
      ),
      weights: undefined,
    }
  } else {
    t.charts.inference.setData([t.epochs, t.network, t.naive])
    t.charts.loss.setData([t.lossEpochs, t.lossNetwork, t.lossNaive, t.lossBest])
  }
  // A new set of heaviest workers: a chart with their lines.
  if (t.charts.weights === undefined || t.topWorkers !== top.join()) {
    t.charts.weights?.destroy()
    t.charts.weights = chart(section.querySelector('.weights'), top.map(short), weightData)
    t.topWorkers = top.join()
  } else t.charts.weights.setData(weightData)
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
    const s = await (await fetch('/v1/status')).json()
    $('chain').textContent = s.chainId
    $('peers').textContent = String(s.peers)
    rows(
      document.querySelector('#committee tbody'),
      s.committee.map((m) => [m.id, m.power]),
    )
  } catch {
    $('peers').textContent = '?'
  }
}

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
  const table = document.createElement('table')
  table.innerHTML =
    '<thead><tr><th>worker</th><th>inference</th><th>weight</th><th>reward</th></tr></thead><tbody></tbody>'
  const rewards = body.settlement?.rewards?.inferers ?? {}
  for (const [id, value] of Object.entries(body.inferences ?? {})) {
    const tr = document.createElement('tr')
    for (const [text, cls] of [[short(id), 'id'], [fmt(value)], [fmt(weights[id])], [fmt(rewards[id])]]) {
      const td = document.createElement('td')
      td.textContent = text
      if (cls) td.className = cls
      tr.append(td)
    }
    table.tBodies[0].append(tr)
  }
  const head = document.createElement('p')
  head.textContent = `epoch ${body.epoch} of ${body.topicId}, height ${body.height}: network inference ${fmt(body.output?.networkInference)}, settlement ${body.settlement?.status ?? 'n/a'}`
  view.replaceChildren(head, table)
}

async function main() {
  $('epoch-form').addEventListener('submit', showEpoch)
  pollStatus()
  setInterval(pollStatus, 2000)
  const history = await (await fetch('/v1/dashboard/history')).json()
  for (const block of history.blocks) addBlock(block)
  const events = new EventSource('/v1/events')
  events.addEventListener('open', () => {
    $('live').textContent = 'live'
  })
  events.addEventListener('error', () => {
    $('live').textContent = 'reconnecting'
  })
  events.addEventListener('block', (e) => {
    const block = JSON.parse(e.data)
    if (block.height > height) addBlock(block)
  })
  document.addEventListener('visibilitychange', scheduleRender)
}

// A read-only handle on what the page shows, for the browser tests.
globalThis.chorusDashboard = { topics, latency }

main()
