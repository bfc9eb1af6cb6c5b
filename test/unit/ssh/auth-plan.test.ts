import {test} from 'node:test'
import assert from 'node:assert/strict'
import type {AnyAuthMethod, ParsedKey} from 'ssh2'
import {IdentitiesOnlyAgent} from '../../../src/ssh/identities-agent.js'
import {AuthSequence, authPlan} from '../../../src/ssh/transport.js'

const key = {key: {} as ParsedKey}
const types = (plan: AnyAuthMethod[]): string[] => plan.map((m) => m.type)

test('authPlan: keys first, then password and keyboard-interactive, the agent last', () => {
  const plan = authPlan({username: 'admin', password: 'pw'}, {keys: [key, key], agentSocket: '/run/agent'})
  assert.deepEqual(types(plan), ['publickey', 'publickey', 'password', 'keyboard-interactive', 'agent'])
  assert.ok(plan.every((m) => m.username === 'admin'))
})

test('authPlan: without a password the agent follows the keys; with nothing at all, none', () => {
  assert.deepEqual(types(authPlan({username: 'u'}, {keys: [key], agentSocket: '/run/agent'})), ['publickey', 'agent'])
  assert.deepEqual(types(authPlan({username: 'u'}, {keys: [], agentSocket: undefined})), ['none'])
})

test('authPlan: keyboard-interactive answers hidden prompts with the password and visible ones with nothing', () => {
  const kbd = authPlan({username: 'u', password: 'pw'}, {keys: [], agentSocket: undefined}).find((m) => m.type === 'keyboard-interactive')
  assert.ok(kbd?.type === 'keyboard-interactive')
  let answers: string[] = []
  kbd.prompt(
    '',
    '',
    '',
    [
      {prompt: 'Password: ', echo: false},
      {prompt: 'Token: ', echo: true},
    ],
    (a) => (answers = a),
  )
  assert.deepEqual(answers, ['pw', ''])
})

test('AuthSequence skips what the server does not offer (agent counts as publickey) and says when the plan is spent', () => {
  const seq = new AuthSequence(authPlan({username: 'u', password: 'pw'}, {keys: [key], agentSocket: '/run/agent'}))
  const sent: Array<string | false> = []
  const next = ((m: AnyAuthMethod | false) => sent.push(m === false ? false : m.type)) as Parameters<AuthSequence['handler']>[2]
  seq.handler(null, null, next)
  seq.handler(['password', 'publickey'], false, next)
  assert.equal(seq.exhausted, false)
  seq.handler(['password', 'publickey'], false, next)
  seq.handler(['password', 'publickey'], false, next)
  assert.deepEqual(sent, ['publickey', 'password', 'agent', false])
  assert.deepEqual(seq.methodsTried, ['publickey', 'password', 'agent'])
  assert.equal(seq.exhausted, true)
})

test('authPlan: an IdentitiesOnly agent (narrowed to the identity files) is used instead of the socket path', () => {
  const narrowed = new IdentitiesOnlyAgent('/run/agent', [])
  const plan = authPlan({username: 'u'}, {keys: [], agentSocket: '/run/agent', agent: narrowed})
  const agent = plan.find((m) => m.type === 'agent')
  assert.equal(agent?.type === 'agent' ? agent.agent : undefined, narrowed)
})
