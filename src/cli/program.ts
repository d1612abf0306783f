/**
 * The command tree: every subcommand with a one-line summary, loaded on use so a command only
 * pays for its own imports (`chorus synth` never loads libp2p). Help and option errors come
 * from commander; the exit statuses are ours (./command.ts).
 */
import { Command as CommanderCommand, CommanderError } from 'commander'
import { EXIT, InputError, UsageError, type CommandIo, type CommandSpec } from './command.js'

interface CommandEntry {
  readonly summary: string
  readonly load: () => Promise<{ readonly command: CommandSpec }>
  /** The command stops cleanly when io.signal aborts; otherwise Ctrl-C ends it at once. */
  readonly handlesSignals?: boolean
}

/** Every subcommand: adding one is one line here plus its module. */
const COMMANDS: { readonly [name: string]: CommandEntry } = {
  cluster: {
    summary: 'run a local cluster of real libp2p nodes on 127.0.0.1 and print each decided epoch',
    load: () => import('./cluster.js'),
    handlesSignals: true,
  },
  chaos: {
    summary: 'chaos-test a network: run a scenario of faults and check the invariants',
    load: () => import('./chaos.js'),
    handlesSignals: true,
  },
  init: {
    summary: 'write a new network: a genesis and a key file per node',
    load: () => import('./init.js'),
  },
  keys: {
    summary: 'create a key file, or show the ids of one',
    load: () => import('./keys.js'),
  },
  node: {
    summary: 'run one node of a network (coordinator, worker or reputer) until Ctrl-C',
    load: () => import('./node.js'),
    handlesSignals: true,
  },
  tx: {
    summary: 'sign a transaction, submit it to a node and wait for its commit',
    load: () => import('./tx.js'),
  },
  status: {
    summary: "show a node's view of the network and an account",
    load: () => import('./status.js'),
  },
  synth: {
    summary: 'compute one epoch from an epoch JSON file, or check the engine against simulator vectors',
    load: () => import('./synth.js'),
  },
}

function program(io: CommandIo): CommanderCommand {
  return new CommanderCommand('chorus')
    .description('Chorus: a self-improving, decentralized inference network of libp2p nodes')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .helpCommand(true)
}

export async function runCli(
  args: readonly string[],
  io: CommandIo,
  onSignals: (enable: boolean) => void,
): Promise<number> {
  const root = program(io)
  // Only the command named on the line is loaded; the others appear in help by their summary.
  const named = args.find((a) => !a.startsWith('-'))
  const target = named === 'help' ? args[args.indexOf('help') + 1] : named
  let status: number = EXIT.OK
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const sub = root.command(name).summary(entry.summary).description(entry.summary)
    if (name !== target) continue
    const { command } = await entry.load()
    command.define(sub)
    sub
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .exitOverride()
      .showHelpAfterError(`(add --help for the options of chorus ${name})`)
      .action(async (...params: unknown[]) => {
        // commander passes the positional arguments, then the options, then the command.
        const options = params.at(-2) as Record<string, unknown>
        const positional = params.slice(0, -2).flat() as string[]
        if (entry.handlesSignals === true) onSignals(true)
        try {
          status = await command.run(options, io, positional)
        } finally {
          onSignals(false)
        }
      })
  }
  if (args.length === 0) {
    io.stderr(root.helpInformation())
    return EXIT.USAGE
  }
  try {
    await root.parseAsync([...args], { from: 'user' })
    return status
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version print and end with exit code 0; everything else is a wrong command line.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE
    }
    const name = target ?? 'chorus'
    if (err instanceof UsageError) {
      io.stderr(`chorus ${name}: ${err.message}\n(add --help for the options of chorus ${name})\n`)
      return EXIT.USAGE
    }
    if (err instanceof InputError) {
      io.stderr(`chorus ${name}: ${err.message}\n`)
      return EXIT.FAILED
    }
    // Commands report the failures they expect; anything reaching here is a bug, so keep the stack.
    io.stderr(`chorus ${name}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return EXIT.FAILED
  }
}
