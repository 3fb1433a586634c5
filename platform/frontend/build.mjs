// Builds Casecast's committed front-end assets. Run from this folder:
//   npm ci && npm run build
// Output (committed): ../casecast/core/static/casecast/
//   casecast.css            compressed, no source map
//   govuk-frontend.min.js   GOV.UK Frontend ES module bundle
//   casecast.js             copied from ./casecast.js (calls initAll())
//   images/…                exactly the images the compiled CSS refers to
//                            (plus Casecast's own favicon.svg, favicon.ico)
import { mkdirSync, readFileSync, writeFileSync, copyFileSync, rmSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const here = dirname(fileURLToPath(import.meta.url))
const govuk = join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const out = join(here, '..', 'casecast', 'core', 'static', 'casecast')
const urlPrefix = '/static/casecast/'

// Referenced by GOV.UK CSS but reserved for Crown services: not shipped.
// casecast.scss makes sure the rules using them never render, and step 1
// rewrites each `url(...)` to one of them as `none`: Django's manifest storage
// (collectstatic with DEBUG off) fails on any url() whose file is missing.
const excluded = new Set(['images/govuk-crest.svg'])

// Only this script writes these paths; clear them so no stale asset lingers.
for (const name of ['casecast.css', 'govuk-frontend.min.js', 'casecast.js', 'images']) {
  rmSync(join(out, name), { recursive: true, force: true })
}
mkdirSync(join(out, 'images'), { recursive: true })

// 1. CSS
const result = sass.compile(join(here, 'casecast.scss'), {
  style: 'compressed',
  sourceMap: false,
  loadPaths: [join(here, 'node_modules')],
  quietDeps: true
})
const excludedUrl = /url\(\s*["']?([^"')]+)["']?\s*\)/g
const css = result.css.replace(excludedUrl, (match, url) =>
  excluded.has(url.slice(urlPrefix.length)) ? 'none' : match
)
writeFileSync(join(out, 'casecast.css'), css + '\n')

// 2. Assets referenced by url(...) in the CSS
const dropped = [...result.css.matchAll(excludedUrl)].filter((m) => excluded.has(m[1].slice(urlPrefix.length)))
const urls = [...new Set([...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1]))]
for (const url of urls) {
  if (url.startsWith('data:')) continue
  if (!url.startsWith(urlPrefix)) throw new Error(`Unexpected asset URL in CSS: ${url}`)
  const rel = url.slice(urlPrefix.length)
  if (rel.startsWith('fonts/')) throw new Error(`CSS refers to a font (${url}); fonts must not be shipped`)
  const src = join(govuk, 'assets', rel)
  if (!existsSync(src)) throw new Error(`CSS refers to ${url} but ${src} does not exist`)
  mkdirSync(dirname(join(out, rel)), { recursive: true })
  copyFileSync(src, join(out, rel))
}

// 3. Casecast's own favicons (GOV.UK's favicons are the crown: not used)
copyFileSync(join(here, 'favicon.svg'), join(out, 'images', 'favicon.svg'))
copyFileSync(join(here, 'favicon.ico'), join(out, 'images', 'favicon.ico'))

// 4. JavaScript: the ES module bundle, without its sourceMappingURL comment
//    (the map is not shipped, so the comment would only cause a 404)
const js = readFileSync(join(govuk, 'govuk-frontend.min.js'), 'utf8')
  .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
writeFileSync(join(out, 'govuk-frontend.min.js'), js)

// 5. Casecast's page script (imports ./govuk-frontend.min.js, calls initAll)
copyFileSync(join(here, 'casecast.js'), join(out, 'casecast.js'))

const version = JSON.parse(readFileSync(join(here, 'node_modules', 'govuk-frontend', 'package.json'), 'utf8')).version
console.log(`govuk-frontend ${version}, sass ${sass.info.split('\t')[1] ?? sass.info}`)
console.log(`wrote ${join(out, 'casecast.css')} (${css.length} bytes)`)
console.log(`CSS url() references: ${urls.length ? urls.join(', ') : 'none'}`)
if (dropped.length) {
  console.log(`rewritten to none (Crown-only, not shipped): ${dropped.length} × ${[...excluded].join(', ')}`)
}
