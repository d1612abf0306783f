/**
 * The layers of src/ and the directions imports may take (docs/architecture.md). Bottom to
 * top: util, synthesis, wire; p2p; topic; consensus (bft and ledger, chain, pool, sync,
 * driver); roles; api and adversary; node; cluster; chaos; cli. A module imports only from its own layer
 * and the layers below it. `npm run lint` checks this; a violation names its rule.
 */
/** A rule forbidding `from` to import anything in src/ outside the `allowed` paths. */
function layer(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: '^src/', pathNot: [...allowed, '^src/polyfills\\.ts$'] },
  }
}

module.exports = {
  forbidden: [
    layer('util-is-a-leaf', '^src/util/', ['^src/util/'], 'util (counters, clock, timers) imports nothing of Chorus'),
    layer('zk-below-topic', '^src/zk/', ['^src/zk/', '^src/util/'], 'verified inference (proofs of a committed model) imports only util; it loads snarkjs only when asked'),
    layer('synthesis-is-pure', '^src/synthesis/', ['^src/synthesis/'], 'the synthesis engine is pure math: it imports nothing of the rest of Chorus'),
    layer('wire-below-transport', '^src/wire/', ['^src/wire/', '^src/util/'], 'the wire format (codec, envelopes, schemas) knows no transport and no domain'),
    layer('p2p-knows-no-domain', '^src/p2p/', ['^src/p2p/', '^src/wire/', '^src/util/'], 'the transport knows no domain rules: they are handed to it as validation hooks'),
    layer('topic-below-consensus', '^src/topic/', ['^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'topic rules are shared by roles and consensus, so they import neither'),
    layer('consensus-below-roles', '^src/consensus/', ['^src/consensus/', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'consensus imports no role, adversary, node, cluster or cli'),
    layer('roles-below-node', '^src/roles/', ['^src/roles/', '^src/zk/', '^src/consensus/', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'roles never reach into the adversary, the node composition, the cluster or the cli'),
    layer('adversary-below-node', '^src/adversary/', ['^src/adversary/', '^src/roles/', '^src/consensus/', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'Byzantine components are built by the node composition, never imported by honest code'),
    layer('api-below-node', '^src/api/', ['^src/api/', '^src/roles/', '^src/consensus/', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'the API reads a node through its own interface; the node composition serves it'),
    layer('node-below-cluster', '^src/node/', ['^src/node/', '^src/api/', '^src/adversary/', '^src/roles/', '^src/consensus/', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'a node is composed from the layers below it'),
    layer('cluster-below-cli', '^src/cluster/', ['^src/cluster/', '^src/node/', '^src/api/', '^src/adversary/', '^src/roles/', '^src/consensus/', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'the local cluster never imports the cli'),
    layer('chaos-below-cli', '^src/chaos/', ['^src/chaos/', '^src/cluster/', '^src/node/', '^src/adversary/', '^src/roles/', '^src/consensus/', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'a chaos run drives clusters and nodes; only the cli runs it'),
    // Inside consensus: bft and ledger are pure, chain executes blocks, pool holds messages,
    // sync catches up, the driver runs it all.
    layer('bft-is-pure', '^src/consensus/bft/', ['^src/consensus/bft/', '^src/util/'], 'the BFT state machine is pure: no blocks, no I/O'),
    layer('ledger-below-chain', '^src/consensus/ledger/', ['^src/consensus/ledger/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'the ledger is pure state transitions over wire-format transactions'),
    layer('chain-below-pool', '^src/consensus/chain/', ['^src/consensus/(chain|bft|ledger)/', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'block execution does not know the pool, sync, the store or the driver'),
    layer('pool-below-sync', '^src/consensus/pool/', ['^src/consensus/(pool|chain|bft|ledger)/', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'the message pool does not know sync or the driver'),
    layer('sync-below-driver', '^src/consensus/sync/', ['^src/consensus/(sync|pool|chain|bft|ledger)/', '^src/consensus/(network|store|committee-peers)\\.ts$', '^src/topic/', '^src/p2p/', '^src/wire/', '^src/synthesis/', '^src/util/'], 'catching up does not know the driver'),
    {
      name: 'consumer-reaches-no-adversary',
      comment: 'chorus/consumer (what an application embeds) and the API it reads can never build a Byzantine node',
      severity: 'error',
      from: { path: '^src/(consumer\\.ts$|api/)' },
      to: { path: '^src/(adversary|node|cluster|cli)/', reachable: true },
    },
    {
      name: 'no-circular',
      comment: 'a cycle makes two modules one; split what both need into a third',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-not-to-tests',
      comment: 'the product never imports tests, benchmarks or scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
}
