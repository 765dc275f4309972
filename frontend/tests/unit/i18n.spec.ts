import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import zh from '@/i18n/zh-CN'

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

const spec = JSON.parse(readFileSync('../openapi/openapi.json', 'utf8'))
const enumOf = (name: string): string[] => spec.components.schemas[name].enum

describe('locales', () => {
  it('have the same keys in Chinese and English', () => {
    expect(keys(en).sort()).toEqual(keys(zh).sort())
  })
  it('name every status, task, role and kind the API can send', () => {
    const names = new Set(keys(zh))
    for (const [schema, prefix] of [
      ['MeasureStatus', 'status'],
      ['TaskKind', 'taskKind'],
      ['Role', 'roles'],
      ['MeasureKind', 'kind'],
      ['GroupRole', 'groupRole'],
      ['InspectionStatus', 'inspections.status'],
    ]) {
      for (const value of enumOf(schema!)) expect(names, `${prefix}.${value}`).toContain(`${prefix}.${value}`)
    }
  })
})
