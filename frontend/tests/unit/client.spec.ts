import { describe, expect, it, vi } from 'vitest'
import { authMiddleware, singleFlight, type Session } from '@/api/client'

type Hooks = {
  onRequest: (o: { request: Request }) => Request
  onResponse: (o: { request: Request; response: Response }) => Promise<Response>
}

function session(initial: string) {
  let token = initial
  let refreshes = 0
  const s: Session & { refreshes: () => number } = {
    accessToken: () => token,
    refresh: singleFlight(async () => {
      refreshes++
      await new Promise((r) => setTimeout(r, 10))
      token = 'fresh'
      return true
    }),
    refreshes: () => refreshes,
  }
  return s
}

describe('singleFlight', () => {
  it('shares one run between concurrent callers, then runs again', async () => {
    let runs = 0
    const f = singleFlight(async () => ++runs)
    expect(await Promise.all([f(), f(), f()])).toEqual([1, 1, 1])
    expect(await f()).toBe(2)
  })

  it('lets the next call try again after a failure', async () => {
    let runs = 0
    const f = singleFlight(async () => {
      runs++
      throw new Error('down')
    })
    await expect(Promise.all([f(), f()])).rejects.toThrow('down')
    await expect(f()).rejects.toThrow('down')
    expect(runs).toBe(2)
  })
})

describe('authMiddleware', () => {
  it('adds the bearer token', () => {
    const m = authMiddleware(session('abc')) as unknown as Hooks
    const r = m.onRequest({ request: new Request('http://x/api/v1/me') })
    expect(r.headers.get('Authorization')).toBe('Bearer abc')
  })

  it('refreshes once for concurrent 401s and repeats each request with the new token', async () => {
    const s = session('stale')
    const sent: Request[] = []
    const send = vi.fn(async (r: Request) => {
      sent.push(r)
      return new Response(await r.text(), { status: 200 })
    })
    const m = authMiddleware(s, send) as unknown as Hooks
    const requests = [1, 2, 3].map((n) =>
      m.onRequest({
        request: new Request(`http://x/api/v1/measures/${n}/progress`, { method: 'PATCH', body: `{"n":${n}}` }),
      }),
    )
    const answers = await Promise.all(
      requests.map((request) => m.onResponse({ request, response: new Response(null, { status: 401 }) })),
    )
    expect(s.refreshes()).toBe(1)
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
    expect(sent.map((r) => r.headers.get('Authorization'))).toEqual(['Bearer fresh', 'Bearer fresh', 'Bearer fresh'])
    // The bodies are sent again intact.
    expect(await Promise.all(answers.map((a) => a.text()))).toEqual(['{"n":1}', '{"n":2}', '{"n":3}'])
  })

  it('does not retry the sign-in endpoints, nor when the session is over', async () => {
    const send = vi.fn()
    const over: Session = { accessToken: () => null, refresh: async () => false }
    const m = authMiddleware(over, send) as unknown as Hooks
    const login = m.onRequest({ request: new Request('http://x/api/v1/auth/login', { method: 'POST' }) })
    expect((await m.onResponse({ request: login, response: new Response(null, { status: 401 }) })).status).toBe(401)
    const me = m.onRequest({ request: new Request('http://x/api/v1/me') })
    expect((await m.onResponse({ request: me, response: new Response(null, { status: 401 }) })).status).toBe(401)
    expect(send).not.toHaveBeenCalled()
  })
})
