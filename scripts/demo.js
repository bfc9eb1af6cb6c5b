#!/usr/bin/env node
// `npm run demo`: start the lab switch (port 19 err-disabled by a keepalive loop-back), then run
// netops switch diagnose → fix-loop → diagnose against it, showing before and after.
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const repo = fileURLToPath(new URL('..', import.meta.url))
const bin = join(repo, 'bin', 'run.js')
const home = mkdtempSync(join(tmpdir(), 'netops-demo-'))

function startLab() {
  return new Promise((resolve, reject) => {
    const lab = spawn(process.execPath, [bin, 'lab', 'switch', '--ssh-port', '0', '--time-scale', '0.05', '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    lab.stdout.on('data', (d) => {
      out += d
      try {
        var info = JSON.parse(out)
      } catch {
        return // the document is not complete yet
      }
      if (info.error) reject(new Error(`lab switch: ${info.error.message}`))
      else resolve({lab, info})
    })
    lab.on('exit', (code) => reject(new Error(`lab switch exited with ${code}`)))
  })
}

const {lab, info} = await startLab()
const env = {
  ...process.env,
  NETOPS_PASSWORD: info.password,
  NETOPS_ENABLE_PASSWORD: info.enablePassword,
  XDG_CONFIG_HOME: home,
}
const conn = ['--host', info.host, '--ssh-port', String(info.port), '--username', info.username]

function step(title, args) {
  const bold = process.stdout.isTTY && !process.env.NO_COLOR
  console.log(bold ? `\n\x1b[1m# ${title}\x1b[0m` : `\n# ${title}`)
  console.log(`$ netops ${args.join(' ')}`)
  const r = spawnSync(process.execPath, [bin, ...args], {env, stdio: 'inherit'})
  return r.status
}

console.log(
  `lab switch ${info.switches[0].hostname} listening on ${info.host}:${info.port} (user ${info.username}, lab default credentials)`,
)
let failed = 0
failed += step('1. what is wrong with port 19?', ['switch', 'diagnose', ...conn, '--port', '19']) === 0 ? 0 : 1
failed += step('2. what would fix-loop send? (nothing is sent)', ['switch', 'fix-loop', ...conn, '--port', '19', '--dry-run']) === 0 ? 0 : 1
failed +=
  step('3. apply it and recover the port now', ['switch', 'fix-loop', ...conn, '--port', '19', '--yes', '--bounce', '--save']) === 0 ? 0 : 1
failed += step('4. after: port 19 stays up although the loop is still there', ['switch', 'diagnose', ...conn, '--port', '19']) === 0 ? 0 : 1
failed += step('5. running fix-loop again sends nothing', ['switch', 'fix-loop', ...conn, '--port', '19', '--yes']) === 0 ? 0 : 1

lab.kill('SIGTERM')
rmSync(home, {recursive: true, force: true})
process.exitCode = failed ? 1 : 0
