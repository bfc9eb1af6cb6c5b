import {test} from 'node:test'
import assert from 'node:assert/strict'
import {secretQuestion, sshTargetFromFlags, terminalSecretAsker} from '../../../src/cli/ssh-options.js'

const flags = {'host-key-policy': 'accept-new' as const, 'legacy-ssh': false, timeout: 30}

test('--identity-passphrase (or NETOPS_IDENTITY_PASSPHRASE through oclif) becomes the key passphrase; empty means none', () => {
  assert.equal(sshTargetFromFlags('sw1', {...flags, 'identity-passphrase': 'pp'}, {}).passphrase, 'pp')
  assert.equal('passphrase' in sshTargetFromFlags('sw1', {...flags, 'identity-passphrase': ''}, {}), false)
})

test('--jump is passed on as typed (none included); an empty one is no jump', () => {
  assert.equal(sshTargetFromFlags('sw1', {...flags, jump: 'admin@bastion:2222,core'}, {}).jump, 'admin@bastion:2222,core')
  assert.equal(sshTargetFromFlags('sw1', {...flags, jump: 'none'}, {}).jump, 'none')
  assert.equal('jump' in sshTargetFromFlags('sw1', {...flags, jump: ' '}, {}), false)
  assert.equal('jump' in sshTargetFromFlags('sw1', flags, {}), false)
})

test('no --host-key-policy leaves the policy to ssh_config (StrictHostKeyChecking) and its default', () => {
  const {'host-key-policy': _policy, ...rest} = flags
  assert.equal('hostKeyPolicy' in sshTargetFromFlags('sw1', rest, {}), false)
  assert.equal(sshTargetFromFlags('sw1', {...flags, 'host-key-policy': 'off'}, {}).hostKeyPolicy, 'off')
})

test('the terminal asker asks each question once, one at a time, and never shows the answer', async () => {
  const questions: string[] = []
  let open = 0
  const ask = terminalSecretAsker(async (q) => {
    assert.equal(open++, 0, 'one prompt at a time')
    questions.push(q)
    await new Promise((r) => setTimeout(r, 5))
    open--
    return q.startsWith('SSH password') ? 'pw' : 'pp'
  })
  const answers = await Promise.all([
    ask({kind: 'password', target: 'ops@10.0.0.1:22'}),
    ask({kind: 'password', target: 'ops@10.0.0.2:22'}),
    ask({kind: 'passphrase', file: '/k/id'}),
    ask({kind: 'passphrase', file: '/k/id'}),
  ])
  assert.deepEqual(answers, ['pw', 'pw', 'pp', 'pp'])
  assert.deepEqual(questions, ['SSH password for ops@10.0.0.1:22: ', 'Passphrase for /k/id: '])
  assert.equal(secretQuestion({kind: 'passphrase', file: '/k/id'}), 'Passphrase for /k/id: ')
})

test('the environment reaches ssh_config resolution (${VAR}, IdentityAgent $VAR, Match exec)', () => {
  const env = {HOME: '/home/op', SSH_AUTH_SOCK: '/run/a.sock'}
  assert.equal(sshTargetFromFlags('sw1', flags, env).env, env)
})

test("a jump host's password is asked for that hop, once, and never reused for the target (or another hop)", async () => {
  const questions: string[] = []
  const ask = terminalSecretAsker((q) => {
    questions.push(q)
    return Promise.resolve(`answer ${questions.length}`)
  })
  const hop = {kind: 'password' as const, target: 'jump host 1 of 1 (ops@bastion:22)', jumpHost: true}
  assert.equal(await ask(hop), 'answer 1')
  assert.equal(await ask(hop), 'answer 1')
  assert.equal(await ask({kind: 'password', target: 'admin@10.0.0.7:22'}), 'answer 2')
  assert.equal(await ask({kind: 'password', target: 'admin@10.0.0.8:22'}), 'answer 2')
  assert.equal(await ask({...hop, target: 'jump host 2 of 2 (ops@core:22)'}), 'answer 3')
  assert.deepEqual(questions, [
    'SSH password for jump host 1 of 1 (ops@bastion:22): ',
    'SSH password for admin@10.0.0.7:22: ',
    'SSH password for jump host 2 of 2 (ops@core:22): ',
  ])
})
