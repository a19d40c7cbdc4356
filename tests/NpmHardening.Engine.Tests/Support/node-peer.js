// Test peer: answers questions with npm's own code (the installed npm), so the engine's ports are
// compared with the real thing. Reads one JSON array of requests on stdin, writes one JSON array.
'use strict'
const path = require('node:path')
const npmRoot = process.env.NPMH_NPM_ROOT
const req = (p) => require(path.join(npmRoot, 'node_modules', p))
const ini = req('ini')
const envReplace = req('@npmcli/config/lib/env-replace.js')
const nerfDart = req('@npmcli/config/lib/nerf-dart.js')
const parseField = req('@npmcli/config/lib/parse-field.js')
const { definitions } = req('@npmcli/config/lib/definitions/index.js')
const types = Object.fromEntries(Object.entries(definitions).map(([k, d]) => [k, d.type]))
const { minimatch } = req('minimatch')

// a double as the 16 hex digits of its IEEE bits, so no decimal conversion sits between node and the test
const bits = (n) => {
  const b = Buffer.alloc(8)
  b.writeDoubleBE(n)
  return b.toString('hex')
}
const numberOf = (text, how) => {
  switch (how) {
    case 'Number': return Number(text)
    case 'parseInt8': return parseInt(text, 8)
    case 'parseInt10': return parseInt(text, 10)
    case 'json': return JSON.parse(text)
    default: throw new Error('unknown conversion ' + how)
  }
}

const encode = (v) => {
  if (v === undefined) return { $undefined: true }
  if (v instanceof Date) return { $date: isNaN(v) ? null : v.toISOString() }
  return v
}

const answer = (r) => {
  try {
    switch (r.op) {
      case 'ini': return { ok: ini.parse(r.text) }
      case 'env': return { ok: envReplace(r.text, r.env) }
      case 'nerf': return { ok: nerfDart(r.url) }
      // Can npm ever use a credential under this key? npm-registry-fetch looks keys up as `//${url.host}${url.pathname}`
      // of a request URL, walking up by segments, so a key is usable only when its host part is some http(s) URL's
      // .host and its path part a .pathname (or the empty string).
      case 'nerfKey': {
        const m = /^\/\/([^/]*)(\/[^]*)?$/.exec(r.key)
        if (!m) return { ok: false }
        const host = m[1]
        const keyPath = m[2] || ''
        const hostOk = ['http:', 'https:'].some((s) => { try { return new URL(`${s}//${host}/`).host === host } catch { return false } })
        if (!hostOk) return { ok: false }
        if (keyPath === '') return { ok: true }
        try { return { ok: new URL(`https://h${keyPath}`).pathname === keyPath } } catch { return { ok: false } }
      }
      case 'resolve': return { ok: path[r.flavor].resolve(...r.args) }
      case 'dirname': return { ok: path[r.flavor].dirname(r.path) }
      case 'join': return { ok: path[r.flavor].join(...r.args) }
      case 'field': return { ok: encode(parseField(r.value, r.key, { platform: 'linux', types, home: r.home, env: r.env })) }
      // Remediation: what npm makes of a whole .npmrc text, key by key (ini.parse then parseField), with
      // non-finite numbers and dates spelled out so JSON can carry them.
      case 'iniField': {
        const typed = (v) => {
          if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) }
          if (Array.isArray(v)) return v.map(typed)
          return encode(v)
        }
        const parsed = ini.parse(r.text)
        const out = {}
        for (const k of Object.keys(parsed)) out[k] = typed(parseField(parsed[k], k, { platform: 'linux', types, home: r.home, env: r.env || {} }))
        return { ok: out }
      }
      case 'number': return { ok: bits(numberOf(r.text, r.how)) }
      case 'lower': return { ok: r.text.toLowerCase() }
      case 'minimatch': return { ok: minimatch(r.path, r.pattern, r.options || {}) }
      case 'braces': return { ok: minimatch.braceExpand(r.pattern, r.options || {}) }
      default: return { error: 'unknown op ' + r.op }
    }
  } catch (e) {
    return { error: String(e && e.message) }
  }
}

let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (d) => { input += d })
process.stdin.on('end', () => {
  const requests = JSON.parse(input)
  process.stdout.write(JSON.stringify(requests.map(answer)))
})
