// Fails when src/api/schema.d.ts is not what openapi-typescript makes of openapi/openapi.json.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const out = join(mkdtempSync(join(tmpdir(), 'rectify-api-')), 'schema.d.ts')
execFileSync('npx', ['openapi-typescript', '../openapi/openapi.json', '-o', out], { stdio: 'ignore' })
if (readFileSync(out, 'utf8') !== readFileSync('src/api/schema.d.ts', 'utf8')) {
  console.error('src/api/schema.d.ts is stale: run `npm run api:gen` and commit it')
  process.exit(1)
}
console.log('API types match openapi/openapi.json')
