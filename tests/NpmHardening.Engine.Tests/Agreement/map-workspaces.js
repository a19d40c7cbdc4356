// Workspace agreement peer: the installed npm's own @npmcli/map-workspaces (with its glob, minimatch and
// @npmcli/package-json), for a batch of roots in one node process.
//
// stdin:  [{ "cwd": "/abs/root", "workspaces": <any JSON> }, ...]
// stdout: [{ "map": [[nameJson, path], ...] } | { "error": "message", "code": "ECODE" | null }, ...]
'use strict'
const path = require('node:path')
const npmRoot = process.env.NPMH_NPM_ROOT
if (!npmRoot) throw new Error('NPMH_NPM_ROOT is not set')
const mapWorkspaces = require(path.join(npmRoot, 'node_modules', '@npmcli', 'map-workspaces'))

const main = async () => {
  let input = ''
  process.stdin.setEncoding('utf8')
  for await (const chunk of process.stdin) input += chunk
  const answers = []
  for (const { cwd, workspaces } of JSON.parse(input)) {
    try {
      const map = await mapWorkspaces({ cwd, pkg: { workspaces } })
      answers.push({ map: [...map].map(([name, p]) => [JSON.stringify(name), p]) })
    } catch (e) {
      answers.push({ error: String((e && e.message) || e), code: (e && e.code) || null })
    }
  }
  process.stdout.write(JSON.stringify(answers))
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e))
  process.exitCode = 1
})
