// build.mjs: what `vite build` does for this app, with Node alone (the
// example needs no npm package): index.html and src/ become dist/ with
// content-hashed assets under dist/assets/, and public/ is copied as is.
//
//   node build.mjs --out-dir dist
import { createHash } from 'node:crypto'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, extname, join } from 'node:path'

const i = process.argv.indexOf('--out-dir')
const out = i > 0 ? process.argv[i + 1] : 'dist'
rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'assets'), { recursive: true })

let html = readFileSync('index.html', 'utf8')
for (const src of ['src/main.js', 'src/style.css']) {
  const body = readFileSync(src)
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 8)
  const name = `assets/${basename(src, extname(src))}-${hash}${extname(src)}`
  writeFileSync(join(out, name), body)
  html = html.replace(`/${src}`, `/${name}`)
}
writeFileSync(join(out, 'index.html'), html)
cpSync('public', out, { recursive: true })
console.log(`built ${out}/`)
