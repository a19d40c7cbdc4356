// Agreement peer 2 ("layers"): loads the installed npm's own @npmcli/config exactly as npm's lib/npm.js
// does, for a batch of configurations in one node process, and reports for every key of the effective
// config (protected ones included) where npm found it (config.find) and its value (JSON.stringify).
//
// stdin:  [{ "cwd": "...", "env": { NAME: value, ... }, "argv": ["config", "ls", "-l", "--json", ...],
//           "npmRoot": "..." (optional: another copy of npm, e.g. one with a builtin npmrc) }, ...]
// stdout: [{ "keys": { key: { "where": "user", "json": "\"...\"", "printed": true } } } | { "error": "..." }, ...]
//   json is absent when the value is undefined (JSON.stringify omits it); printed says whether
//   `npm config ls --json` shows the key (lib/commands/config.js isPrivate, copied below); shown is the
//   printed JSON when npm's display redaction changes it.
'use strict'
const path = require('node:path')
const npmRoot = process.env.NPMH_NPM_ROOT
if (!npmRoot) throw new Error('NPMH_NPM_ROOT is not set')
const modules = path.join(npmRoot, 'node_modules')
const req = (p) => require(path.join(modules, p))

// lib/commands/config.js: protected keys and values @npmcli/redact changes are not listed.
const { redact, redactLog } = req('@npmcli/redact')
const protectedKeys = ['auth', 'authToken', 'certfile', 'email', 'keyfile', 'password', 'username']
const isProtected = (k) => {
  if (k.startsWith('_')) return true
  if (protectedKeys.includes(k)) return true
  if (k.startsWith('//')) {
    if (k.includes(':_')) return true
    for (const p of protectedKeys) {
      if (k.endsWith(`:${p}`) || k.endsWith(`:_${p}`)) return true
    }
  }
  return false
}
const isPrivate = (k, v) => isProtected(k) || redact(v) !== v

// definitions.js computes defaults (editor, shell, unicode, color, omit, progress, ci-name via ci-info)
// from process.env when it is first required: re-require it (and ci-info) with each configuration's env.
const envDependent = (file) =>
  file.includes(`${path.sep}ci-info${path.sep}`) ||
  file.includes(path.join('@npmcli', 'config', 'lib', 'definitions') + path.sep)

const setProcessEnv = (env) => {
  for (const k of Object.keys(process.env)) delete process.env[k]
  for (const [k, v] of Object.entries(env)) process.env[k] = v
}

const loadOne = async ({ cwd, env, argv, npmRoot: root = npmRoot }) => {
  const reqFrom = (p) => require(path.join(root, 'node_modules', p))
  // parse-field resolves relative paths against process.cwd(); npm's Config takes cwd = process.cwd(), the
  // physical folder (a working directory through a symbolic link is resolved by the kernel)
  process.chdir(cwd)
  const physicalCwd = process.cwd()
  setProcessEnv(env)
  for (const file of Object.keys(require.cache)) {
    if (envDependent(file)) delete require.cache[file]
  }
  const Config = reqFrom('@npmcli/config')
  const { definitions, flatten, nerfDarts, shorthands } = reqFrom('@npmcli/config/lib/definitions')
  const config = new Config({
    npmPath: root,
    definitions,
    flatten,
    nerfDarts,
    shorthands,
    argv: [process.execPath, path.join(root, 'bin', 'npm-cli.js'), ...(argv || [])],
    env: process.env,
    cwd: physicalCwd,
    execPath: process.execPath,
    warn: false,
  })
  await config.load()
  // lib/npm.js then reads npm.flatOptions (for the display): flattening runs every definition's flatten over
  // each layer, and some of them write back into the layer (omit/include, save-prefix, package-lock, …)
  void config.flat
  // lib/npm.js, after that: a scope without its @ gets one, in the layer that set it
  const configScope = config.get('scope')
  if (configScope && !/^@/.test(configScope)) {
    config.set('scope', `@${configScope}`, config.find('scope'))
  }
  const keys = {}
  for (const key in config.list[0]) {
    const value = config.get(key)
    const entry = { where: config.find(key), printed: !isPrivate(key, value) }
    const json = JSON.stringify(value)
    if (json !== undefined) entry.json = json
    // lib/utils/display.js redacts --json output as a whole (redactLog over JSON.stringify): secrets nested in
    // object values (ini sections) are masked in what npm config ls prints
    if (json !== undefined && redactLog(json) !== json) entry.shown = redactLog(json)
    keys[key] = entry
  }
  return { keys, localPrefix: config.localPrefix, globalPrefix: config.globalPrefix }
}

const main = async () => {
  let input = ''
  process.stdin.setEncoding('utf8')
  for await (const chunk of process.stdin) input += chunk
  const requests = JSON.parse(input)
  const savedEnv = { ...process.env }
  const savedCwd = process.cwd()
  const answers = []
  for (const r of requests) {
    try {
      answers.push(await loadOne(r))
    } catch (e) {
      answers.push({ error: String((e && e.message) || e) })
    }
  }
  setProcessEnv(savedEnv)
  process.chdir(savedCwd)
  process.stdout.write(JSON.stringify(answers))
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e))
  process.exitCode = 1
})
