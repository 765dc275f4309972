import { describe, expect, it } from 'vitest'
import { ApiError, call } from '@/api/errors'
import { isStale, messageFor, useAction } from '@/composables/useAction'
import { i18n } from '@/i18n'

describe('messageFor', () => {
  it('speaks the user language, chosen by the problem code', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(messageFor(new ApiError(409, 'no_evidence', 'submit evidence first'))).toBe('请先上传佐证材料再提交')
    i18n.global.locale.value = 'en'
    expect(messageFor(new ApiError(409, 'no_evidence', 'submit evidence first'))).toBe(
      'Upload evidence before submitting',
    )
    i18n.global.locale.value = 'zh-CN'
  })
  it('lists field errors after the summary, named, and never shows the English detail', () => {
    const e = new ApiError(422, 'validation_failed', 'bad', [
      { pointer: '/title', code: 'required', message: 'a title' },
      { pointer: '/items/0/new_deadline', code: 'invalid_date', message: 'a date' },
    ])
    expect(messageFor(e)).toBe('填写有误，请检查：标题：必填；新的完成时限：日期无效，应写成 2021-09-30 这样的日期')
    const odd = messageFor(new ApiError(400, 'brand_new_code', 'the request body does not fit the schema'))
    expect(odd).toBe('操作失败（错误代码 brand_new_code），请稍后重试或联系管理员')
    expect(messageFor(new ApiError(502, 'http_502', ''))).toBe('服务器暂时无法访问，请稍后重试')
    expect(messageFor(new TypeError('x is undefined'))).not.toContain('undefined')
  })
  it('marks the fields a refusal names, and clears them on the next try', async () => {
    const { run, fieldErrors } = useAction()
    const refused = new ApiError(422, 'validation_failed', 'bad', [
      { pointer: '/title', code: 'required', message: 'x' },
      { pointer: '/measures/0/deadline', code: 'invalid_date', message: 'x' },
    ])
    await run(() => Promise.reject(refused))
    expect({ ...fieldErrors }).toEqual({ title: '必填', deadline: '日期无效，应写成 2021-09-30 这样的日期' })
    await run(() => Promise.resolve(1))
    expect({ ...fieldErrors }).toEqual({})
  })
  it('knows a stale version when it sees one', () => {
    expect(isStale(new ApiError(412, 'version_mismatch', ''))).toBe(true)
    expect(isStale(new ApiError(409, 'no_evidence', ''))).toBe(false)
  })
})

describe('call', () => {
  it('returns the data or throws the problem', async () => {
    expect(await call(Promise.resolve({ data: 7, response: new Response(null, { status: 200 }) }))).toBe(7)
    const failed = call(
      Promise.resolve({
        error: { code: 'not_found', detail: 'gone', status: 404 },
        response: new Response(null, { status: 404 }),
      }),
    )
    await expect(failed).rejects.toMatchObject({ status: 404, code: 'not_found', detail: 'gone' })
    await expect(call(Promise.reject(new TypeError('offline')))).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
    })
  })
})
