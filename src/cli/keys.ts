/**
 * `chorus keys generate|show --key FILE`: a node's ed25519 identity (its libp2p peer id and
 * its participant / account id are the same key).
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { generateIdentity, IdentityError, loadIdentity, peerIdOfParticipant, saveIdentity } from '../p2p/index.js'
import { toHex } from '../wire/index.js'
import { EXIT, InputError, UsageError, type CommandSpec } from './command.js'

export const command: CommandSpec = {
  define(cmd) {
    cmd
      .description('Create a key file, or show the ids of one.')
      .argument('<action>', 'generate (a new key file, mode 0600; never overwrites) or show')
      .requiredOption('--key <file>', 'the key file')
      .option('--json', 'print one JSON object')
  },
  async run(options, io, [action]) {
    const { key, json } = options as { key: string; json?: boolean }
    const path = resolve(io.cwd, key)
    if (action !== 'generate' && action !== 'show')
      throw new UsageError(`unknown action "${action}" (generate or show)`)
    try {
      if (action === 'generate') {
        if (existsSync(path)) throw new InputError(`key file ${key} exists already; it is never overwritten`)
        await saveIdentity(path, await generateIdentity())
      }
      const identity = await loadIdentity(path)
      const participantId = toHex(identity.publicKey)
      const info = { key: path, participantId, peerId: peerIdOfParticipant(participantId) }
      io.stdout(
        json === true
          ? `${JSON.stringify(info)}\n`
          : `key file ${info.key}\nparticipant id ${participantId}\npeer id ${info.peerId}\n`,
      )
      return EXIT.OK
    } catch (err) {
      if (err instanceof IdentityError) throw new InputError(err.message)
      throw err
    }
  },
}
