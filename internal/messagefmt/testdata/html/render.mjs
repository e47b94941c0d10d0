// Usage: node render.mjs DIR [OUT.html] < report.ndjson
//
// Turns a Cucumber Messages stream into the official Cucumber HTML report, renders that report in
// jsdom, and prints {"errors": [...], "text": "..."}: the errors its scripts raised and the text
// it shows, every feature opened. With OUT.html it also writes the report there. DIR is where
// `npm install @cucumber/html-formatter jsdom` was run (this script installs nothing).
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [dir, out] = process.argv.slice(2)
const require = createRequire(path.join(path.resolve(dir), 'render.cjs'))
const { JSDOM, VirtualConsole } = require('jsdom')
const formatterDir = path.dirname(require.resolve('@cucumber/html-formatter/package.json'))
const main = JSON.parse(fs.readFileSync(path.join(formatterDir, 'package.json'), 'utf8')).main
const { CucumberHtmlStream } = await import(pathToFileURL(path.join(formatterDir, main)).href)

const envelopes = fs
  .readFileSync(0, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line))

const html = await new Promise((resolve, reject) => {
  let text = ''
  const stream = new CucumberHtmlStream()
  stream.on('data', (chunk) => {
    text += chunk
  })
  stream.on('end', () => resolve(text))
  stream.on('error', reject)
  for (const e of envelopes) stream.write(e)
  stream.end()
})
if (out) fs.writeFileSync(out, html)

const errors = []
const console = new VirtualConsole()
console.on('error', (...args) => errors.push(args.join(' ')))
console.on('jsdomError', (e) => {
  // jsdom's CSS parser cannot read the report's stylesheet; that says nothing of the messages.
  if (!String(e.message).startsWith('Could not parse CSS stylesheet')) errors.push(String(e.stack || e))
})
const dom = new JSDOM(html, { runScripts: 'dangerously', pretendToBeVisual: true, virtualConsole: console })

// The report renders asynchronously: settle waits until its text stops changing, for 20 s at
// most. Then every collapsed feature is opened (the report opens only those that failed), so
// that all steps and attachments show.
const content = dom.window.document.getElementById('content')
const settle = async () => {
  const deadline = Date.now() + 20000
  let last = ''
  for (;;) {
    await new Promise((r) => setTimeout(r, 100))
    const text = content.textContent
    if ((text !== '' && text === last) || Date.now() > deadline) return
    last = text
  }
}
await settle()
for (const button of content.querySelectorAll('button[aria-expanded="false"]')) button.click()
await settle()
process.stdout.write(JSON.stringify({ errors, text: content.textContent }))
dom.window.close()
