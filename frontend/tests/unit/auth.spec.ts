import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'

// The API answered by a fake server: rotating refresh tokens, as the real one does.
function fakeServer() {
  let refreshToken = 'r1'
  const calls: string[] = []
  const fetch = vi.fn(async (input: Request) => {
    const url = new URL(input.url).pathname
    calls.push(`${input.method} ${url}`)
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
    const pair = (n: string) => ({ access_token: `a-${n}`, refresh_token: n, token_type: 'Bearer', expires_in: 900 })
    if (url === '/api/v1/auth/login') return json(pair(refreshToken))
    if (url === '/api/v1/auth/refresh') {
      const body = await input.json()
      if (body.refresh_token !== refreshToken) return json({ code: 'invalid_refresh_token' }, 401)
      refreshToken = `r${Number(refreshToken.slice(1)) + 1}`
      return json(pair(refreshToken))
    }
    if (url === '/api/v1/me') {
      return input.headers.get('Authorization') === `Bearer a-${refreshToken}`
        ? json({
            id: 1,
            display_name: '蒋芳',
            roles: ['staff'],
            organisation: { name: '学校', timezone: 'Asia/Shanghai' },
          })
        : json({ code: 'invalid_token' }, 401)
    }
    if (url === '/api/v1/auth/logout') return new Response(null, { status: 204 })
    return json({ code: 'not_found' }, 404)
  })
  return { fetch, calls, expire: () => (refreshToken = refreshToken + 'x') }
}

describe('the session', () => {
  let server: ReturnType<typeof fakeServer>
  beforeEach(() => {
    vi.resetModules()
    localStorage.clear()
    server = fakeServer()
    vi.stubGlobal('fetch', server.fetch)
    setActivePinia(createPinia())
  })

  async function store() {
    const { useAuth, installAuth } = await import('@/stores/auth')
    installAuth()
    return useAuth()
  }

  it('signs in, keeps the refresh token for the next visit, and signs out', async () => {
    const auth = await store()
    await auth.login('jiangf', 'pw')
    expect(auth.me?.display_name).toBe('蒋芳')
    expect(auth.hasRole('staff')).toBe(true)
    expect(auth.hasRole('discipline', 'leader')).toBe(false)
    expect(localStorage.getItem('rectify.refresh')).toBe('r1')
    await auth.logout()
    expect(auth.me).toBeNull()
    expect(localStorage.getItem('rectify.refresh')).toBeNull()
    expect(server.calls).toContain('POST /api/v1/auth/logout')
  })

  it('restores a session after a reload with one refresh', async () => {
    localStorage.setItem('rectify.refresh', 'r1')
    const auth = await store()
    expect(await Promise.all([auth.restore(), auth.restore()])).toEqual([true, true])
    expect(server.calls.filter((c) => c.endsWith('/refresh'))).toHaveLength(1)
    expect(localStorage.getItem('rectify.refresh')).toBe('r2')
  })

  it('ends the session when the refresh token is no longer valid', async () => {
    localStorage.setItem('rectify.refresh', 'stolen')
    const auth = await store()
    expect(await auth.restore()).toBe(false)
    expect(localStorage.getItem('rectify.refresh')).toBeNull()
  })
})
