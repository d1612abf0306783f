import { it } from 'vitest'
import { settleEpoch } from '../../../src/synthesis/settle.js'
import { compareExpected, settleCase } from './settle-fixtures.js'
it('x', () => {
  const c = settleCase(`epochs/epoch_303.json`)
  const out = settleEpoch(c.params, c.input, c.state)
  const exp = JSON.parse(JSON.stringify(c.expected))
  exp.rewards.inferers.w0 *= 1.00001
  exp.state.regrets.one_in_forecaster.w5.forecasters.w5 += 1e-3
  exp.reputer_scores.r9 = 1
  exp.state.score_history.inferers[3] = 0
  console.log(compareExpected(out, exp))
  let n = 0; const walk = (x: unknown): void => { if (typeof x === 'number') n++; else if (x && typeof x === 'object') Object.values(x).forEach(walk) }; walk(c.expected); console.log('numbers', n)
  console.log(out.state.initialRegret, c.state.initialRegret)
})
