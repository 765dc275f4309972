import type { Schemas } from './client'

export type FieldError = NonNullable<Schemas['Problem']['errors']>[number]

/** An RFC 9457 problem from the API, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    public detail: string,
    public errors: FieldError[] = [],
  ) {
    super(`${status} ${code}: ${detail}`)
  }
}

interface Result<T> {
  data?: T
  error?: unknown
  response: Response
}

/** The data of a call, or its problem as an ApiError. */
export async function call<T>(request: Promise<Result<T>>): Promise<T> {
  let result: Result<T>
  try {
    result = await request
  } catch (e) {
    throw new ApiError(0, 'network_error', String(e))
  }
  if (result.response.ok) return result.data as T
  throw toApiError(result.response.status, result.error)
}

export function toApiError(status: number, body: unknown): ApiError {
  const p = (body ?? {}) as Partial<Schemas['Problem']>
  return new ApiError(status, p.code ?? 'http_' + status, p.detail ?? '', p.errors ?? [])
}
