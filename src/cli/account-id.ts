/** An account named on the command line: its id in hex, or a key file whose public key it is. */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { IdentityError, loadIdentity } from '../p2p/index.js'
import { toHex } from '../wire/index.js'
import { InputError, UsageError } from './command.js'

export async function accountId(text: string, cwd: string): Promise<string> {
  if (/^[0-9a-f]{64}$/.test(text)) return text
  const path = resolve(cwd, text)
  if (!existsSync(path)) throw new UsageError(`"${text}" is neither an account id (64 hex chars) nor a key file`)
  try {
    return toHex((await loadIdentity(path)).publicKey)
  } catch (err) {
    if (err instanceof IdentityError) throw new InputError(err.message)
    throw err
  }
}
