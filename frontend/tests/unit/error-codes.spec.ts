import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import zh from '@/i18n/zh-CN'

// Every `code` the server can answer (problem codes and field codes), read from its source.
function rustFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? rustFiles(p) : p.endsWith('.rs') ? [p] : []
  })
}
const PATTERNS = [
  /(?:AppError|Self)::(?:forbidden|conflict|bad_request|unauthorized|unavailable|too_many_requests)\(\s*"([a-z0-9_]+)"/g,
  /(?:AppError|Self)::new\(\s*StatusCode::\w+,\s*"([a-z0-9_]+)"/g,
  /(?:AppError::field|FieldError::new|\.err)\(\s*[^,()]*(?:\([^()]*\))?[^,()]*,\s*"([a-z0-9_]+)"/g,
]
const codes = new Set<string>()
for (const file of rustFiles('../backend/src')) {
  const source = readFileSync(file, 'utf8')
  for (const pattern of PATTERNS) for (const m of source.matchAll(pattern)) codes.add(m[1]!)
}

describe('server codes', () => {
  it('are found in the server source', () => {
    // The scan must keep seeing codes of every kind, or the test below would pass on nothing.
    for (const known of ['not_found', 'no_evidence', 'validation_failed', 'invalid_date', 'too_long', 'malformed_json'])
      expect(codes).toContain(known)
  })
  it('each have a sentence in Chinese and in English', () => {
    const missing = (messages: Record<string, string>) => [...codes].filter((c) => !(c in messages)).sort()
    expect(missing(zh.errors as Record<string, string>)).toEqual([])
    expect(missing(en.errors as Record<string, string>)).toEqual([])
  })
})
