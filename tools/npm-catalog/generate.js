#!/usr/bin/env node
// Generates src/NpmHardening.Engine/Data/npm-config-catalog.json from the real npm packages.
// Dev-time only: the engine never runs node. See README.md next to this file.
'use strict'

const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const REPO = path.resolve(__dirname, '..', '..')
const OUT = path.join(REPO, 'src', 'NpmHardening.Engine', 'Data', 'npm-config-catalog.json')
const CACHE = process.env.NPM_CATALOG_CACHE || path.join(os.tmpdir(), 'npm-catalog-cache')
const FIRST = [10, 0, 0]
// Where the catalog pretends every npm is installed: defaults computed from npm's own location
// (node-gyp's require.resolve) get this root instead of the cache path, so output is reproducible.
const CANONICAL_NPM_ROOT = '/usr/local/lib/node_modules/npm'
const LAST_MINOR = [12, 2] // inclusive: every 12.2.x patch is sampled

// ---------------------------------------------------------------------------------------------
// Child mode: evaluate one npm's definitions under one controlled environment, print JSON.
// A separate process per evaluation because definitions.js reads process.env/platform once,
// at require time, and caches the result in module state.
// ---------------------------------------------------------------------------------------------
function evaluate (configLibArg, flags) {
  const configLib = path.resolve(configLibArg)
  // Fakes must be installed before the require below, which captures them.
  if (flags.includes('--win32')) Object.defineProperty(process, 'platform', { value: 'win32' })
  if (flags.includes('--tty')) {
    process.stdout.isTTY = true
    process.stderr.isTTY = true
  }
  if (flags.includes('--node-version')) Object.defineProperty(process, 'version', { value: 'v99.1.2' })
  // local-address's *type* is this machine's IP list: never let the real interfaces leak in.
  os.networkInterfaces = flags.includes('--fake-net')
    ? () => ({ eth9: [{ address: '192.0.2.7' }] })
    : () => ({})

  const defsDir = path.join(configLib, 'definitions')
  const npmRoot = fs.realpathSync(path.join(configLib, '..', '..', '..', '..'))
  const index = require(fs.existsSync(path.join(defsDir, 'index.js')) ? path.join(defsDir, 'index.js') : path.join(defsDir, 'definitions.js'))
  const definitions = index.definitions || index
  const typeDefs = require(path.join(configLib, 'type-defs.js'))
  const ctors = new Map([
    [String, '$String'], [Boolean, '$Boolean'], [Number, '$Number'], [Date, '$Date'], [Array, '$Array'],
    [typeDefs.path.type, '$path'], [typeDefs.url.type, '$url'],
    [typeDefs.semver.type, '$semver'], [typeDefs.Umask.type, '$Umask'],
  ])

  const keys = {}
  for (const key of Object.keys(definitions)) {
    const def = definitions[key]
    const types = [].concat(def.type).map(t => {
      if (ctors.has(t)) return ctors.get(t)
      // '$' marks constructors in the catalog, so a literal starting with '$' would be ambiguous.
      if (typeof t === 'string' && t.startsWith('$')) throw new Error(`${key}: literal type ${t} collides with the $ prefix`)
      if (t === null || typeof t === 'string' || typeof t === 'boolean' || (typeof t === 'number' && Number.isFinite(t))) return t
      throw new Error(`${key}: unrecognised nopt type ${typeof t === 'function' ? t.name || '<anonymous function>' : String(t)}`)
    })
    const entry = {
      types,
      deprecated: !!def.deprecated,
      exclusive: def.exclusive ? [...def.exclusive] : [],
      description: unindent(def.description || ''),
    }
    // JSON has neither undefined nor Infinity (cache-max defaults to Infinity): flag them instead.
    if (def.default === undefined) entry.defaultUndefined = true
    else if (def.default === Infinity) entry.defaultInfinity = true
    else entry.default = toJson(def.default, key)
    if (typeof entry.default === 'string' && entry.default.startsWith(npmRoot + path.sep)) {
      entry.default = CANONICAL_NPM_ROOT + entry.default.slice(npmRoot.length).split(path.sep).join('/')
      entry.installRelative = true
    }
    keys[key] = entry
  }
  process.stdout.write(JSON.stringify({ nerfDarts: index.nerfDarts || null, keys }))
}

// JSON of a default value; anything JSON can't round-trip is a bug in our assumptions.
function toJson (v, key) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${key}: non-finite default ${v}`)
    return v
  }
  if (v instanceof Date) return v.toISOString()
  if (Array.isArray(v)) return v.map(x => toJson(x, key))
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o = {}
    for (const k of Object.keys(v)) if (v[k] !== undefined) o[k] = toJson(v[k], key)
    return o
  }
  throw new Error(`${key}: default of unsupported kind ${typeof v}`)
}

// npm's own unindent (definition.js), so descriptions read as `npm help config` prints them.
function unindent (s) {
  const match = s.match(/\n +/)
  return !match ? s.trim() : s.split(match[0]).join('\n').trim()
}

// ---------------------------------------------------------------------------------------------
// Parent mode.
// ---------------------------------------------------------------------------------------------

// Environments. The first variant (a bare environment on an interactive Linux terminal) is what the
// committed defaults are evaluated under; the others only decide which keys get "dynamic": true.
// Node needs nothing from the environment to require plain JS.
const BASE_ENV = { HOME: '/home/catalog-user' }
const OTHER_ENV = {
  HOME: '/home/someone-else',
  EDITOR: 'x',
  VISUAL: 'y',
  SHELL: '/bin/z',
  LANG: 'en_US.UTF-8',
  NODE_ENV: 'production',
  NO_COLOR: '1',
  CI: 'true',
  TERM: 'dumb',
  PREFIX: '/opt/prefix',
  LOCALAPPDATA: 'C:\\Users\\someone\\AppData\\Local',
  SYSTEMROOT: 'D:\\Windows',
  ComSpec: 'D:\\Windows\\system32\\cmd.exe',
}
const VARIANTS = [
  { name: 'base', env: BASE_ENV, flags: ['--tty'] },
  { name: 'other-env', env: OTHER_ENV, flags: ['--tty'] },
  { name: 'win32-no-tty', env: BASE_ENV, flags: ['--win32', '--node-version', '--fake-net'] },
  { name: 'win32-other-env', env: OTHER_ENV, flags: ['--win32'] },
]

// Keys whose definition default is a placeholder that @npmcli/config's loadDefaults() replaces
// at run time (prefix from process.execPath / $PREFIX; globalconfig as a getter on <prefix>/etc/npmrc).
const LOAD_TIME_DEFAULTS = ['prefix', 'globalconfig']

function main () {
  fs.mkdirSync(path.join(CACHE, 'tarballs'), { recursive: true })

  const published = JSON.parse(execFileSync('npm', ['view', 'npm', 'versions', '--json'], { encoding: 'utf8' }))
  const versions = published.filter(v => /^\d+\.\d+\.\d+$/.test(v) && inRange(parse(v))).sort(compare)

  // The installed npm: only sampled from disk when the registry list doesn't already cover it.
  const sources = new Map(versions.map(v => [v, null]))
  const globalNpm = path.join(execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim(), 'npm')
  const installed = JSON.parse(fs.readFileSync(path.join(globalNpm, 'package.json'), 'utf8')).version
  if (!sources.has(installed)) sources.set(installed, globalNpm)

  fetchMissing([...sources].filter(([v, dir]) => dir === null && !fs.existsSync(pkgDir(v))).map(([v]) => v))

  const sampled = [...sources.keys()].sort(compare)
  const perVersion = new Map()
  for (const v of sampled) {
    const configLib = path.join(sources.get(v) || pkgDir(v), 'node_modules', '@npmcli', 'config', 'lib')
    const runs = VARIANTS.map(variant => runChild(configLib, variant, v))
    const dynamic = new Set(LOAD_TIME_DEFAULTS)
    for (const key of Object.keys(runs[0].keys)) {
      if (runs[0].keys[key].installRelative) dynamic.add(key)
      const sig = r => r.keys[key] && JSON.stringify([r.keys[key].types, r.keys[key].default, r.keys[key].defaultUndefined, r.keys[key].defaultInfinity])
      if (runs.some(r => sig(r) !== sig(runs[0]))) dynamic.add(key)
    }
    perVersion.set(v, { ...runs[0], dynamic })
    process.stderr.write(`npm ${v}: ${Object.keys(runs[0].keys).length} keys\n`)
  }

  const newest = perVersion.get(sampled[sampled.length - 1])
  if (!newest.nerfDarts) throw new Error('newest npm exports no nerfDarts')

  const allKeys = new Set()
  for (const { keys } of perVersion.values()) for (const k of Object.keys(keys)) allKeys.add(k)

  const keys = {}
  for (const key of [...allKeys].sort()) {
    const present = sampled.filter(v => perVersion.get(v).keys[key])
    const since = present[0]
    const firstIdx = sampled.indexOf(since)
    const after = sampled.slice(firstIdx).find(v => !perVersion.get(v).keys[key]) || null
    // The schema has one [since, removedIn) span per key; a key that comes back needs a new schema.
    if (after && sampled.slice(sampled.indexOf(after)).some(v => perVersion.get(v).keys[key])) {
      throw new Error(`${key}: removed in ${after} and later re-added; schema 1 cannot express that`)
    }
    const history = []
    let last = null
    for (const v of present) {
      const d = perVersion.get(v).keys[key]
      const state = { types: d.types, deprecated: d.deprecated, exclusive: d.exclusive }
      if (d.defaultUndefined) state.defaultUndefined = true
      else if (d.defaultInfinity) state.defaultInfinity = true
      else state.default = d.default
      const sig = JSON.stringify(sortKeys(state))
      if (sig !== last) history.push({ from: v, ...state })
      last = sig
    }
    keys[key] = {
      description: perVersion.get(present[present.length - 1]).keys[key].description,
      since,
      removedIn: after,
      dynamic: present.some(v => perVersion.get(v).dynamic.has(key)),
      history,
    }
  }

  const catalog = {
    schema: 1,
    generatedBy: 'tools/npm-catalog/generate.js',
    versions: sampled,
    nerfDarts: newest.nerfDarts,
    keys,
  }
  fs.writeFileSync(OUT, JSON.stringify(sortKeys(catalog), null, 2) + '\n')
  process.stderr.write(`wrote ${path.relative(REPO, OUT)}: ${sampled.length} versions, ${allKeys.size} keys, ${fs.statSync(OUT).size} bytes\n`)
}

function runChild (configLib, variant, v) {
  const r = spawnSync(process.execPath, [__filename, '--evaluate', configLib, ...variant.flags], {
    env: variant.env,
    cwd: CACHE, // outside the repo: nothing project-local can leak in
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`npm ${v} (${variant.name}) failed:\n${r.stderr}`)
  return JSON.parse(r.stdout)
}

function fetchMissing (versions) {
  if (!versions.length) return
  const tarballs = path.join(CACHE, 'tarballs')
  process.stderr.write(`fetching ${versions.length} npm tarballs into ${tarballs}\n`)
  // One npm pack call per batch: each call costs a second of npm start-up.
  for (let i = 0; i < versions.length; i += 10) {
    const batch = versions.slice(i, i + 10)
    execFileSync('npm', ['pack', ...batch.map(v => `npm@${v}`), '--pack-destination', tarballs, '--ignore-scripts', '--silent'], { cwd: CACHE, stdio: ['ignore', 'ignore', 'inherit'] })
  }
  for (const v of versions) {
    const dest = path.join(CACHE, `npm-${v}`)
    const tmp = `${dest}.partial`
    fs.rmSync(tmp, { recursive: true, force: true })
    fs.mkdirSync(tmp)
    execFileSync('tar', ['xzf', path.join(tarballs, `npm-${v}.tgz`), '-C', tmp])
    fs.rmSync(dest, { recursive: true, force: true })
    fs.renameSync(tmp, dest) // atomic: a half-extracted package never looks cached
  }
}

const pkgDir = v => path.join(CACHE, `npm-${v}`, 'package')
const parse = v => v.split('.').map(Number)
const compare = (a, b) => {
  const x = parse(a)
  const y = parse(b)
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
}
const inRange = ([maj, min, pat]) =>
  (maj > FIRST[0] || (maj === FIRST[0] && (min > FIRST[1] || (min === FIRST[1] && pat >= FIRST[2])))) &&
  (maj < LAST_MINOR[0] || (maj === LAST_MINOR[0] && min <= LAST_MINOR[1]))

// Stable output: object keys in code-unit order at every depth; arrays keep their order.
function sortKeys (v) {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    const o = {}
    for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k])
    return o
  }
  return v
}

if (process.argv[2] === '--evaluate') evaluate(process.argv[3], process.argv.slice(4))
else main()
