// One client for the whole app, typed from openapi/openapi.json (see schema.d.ts, generated).
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

export type Schemas = components['schemas']

/** What the client needs from the session: the current access token and a way to renew it. */
export interface Session {
  accessToken(): string | null
  /** Renews the access token; false when the session is over. */
  refresh(): Promise<boolean>
}

/**
 * Wraps `fn` so that concurrent callers share one run: the refresh token rotates on use, so two
 * refreshes with the same token would look like a stolen token and end the session.
 */
export function singleFlight<T>(fn: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null
  return () => {
    inFlight ??= fn().finally(() => {
      inFlight = null
    })
    return inFlight
  }
}

/** Adds the bearer token; on a 401 renews the session once and repeats the request. */
export function authMiddleware(
  session: Session,
  send: (r: Request) => Promise<Response> = (r) => fetch(r),
): Middleware {
  const copies = new WeakMap<Request, Request>()
  return {
    onRequest({ request }) {
      const token = session.accessToken()
      if (token) request.headers.set('Authorization', `Bearer ${token}`)
      copies.set(request, request.clone())
      return request
    },
    async onResponse({ request, response }) {
      if (response.status !== 401 || new URL(request.url).pathname.startsWith('/api/v1/auth/')) return response
      const copy = copies.get(request)
      if (!copy || !(await session.refresh())) return response
      copy.headers.set('Authorization', `Bearer ${session.accessToken()}`)
      return send(copy)
    },
  }
}

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? 'http://localhost' })
