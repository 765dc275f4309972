import { ApiError, toApiError } from './errors'

interface BlobResult {
  data?: unknown
  error?: unknown
  response: Response
}

/** The file name a response names in `Content-Disposition` (RFC 6266, UTF-8 `filename*` first). */
export function fileName(response: Response, fallback: string): string {
  const cd = response.headers.get('Content-Disposition') ?? ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd)
  if (star) return decodeURIComponent(star[1])
  const plain = /filename="([^"]+)"/i.exec(cd)
  return plain ? plain[1] : fallback
}

/** The body of a file request (made with `parseAs: 'blob'`), or its problem as an ApiError. */
export async function fetchFile(request: Promise<BlobResult>): Promise<{ blob: Blob; response: Response }> {
  let result: BlobResult
  try {
    result = await request
  } catch (e) {
    throw new ApiError(0, 'network_error', String(e))
  }
  const { response } = result
  if (!response.ok) {
    // A problem document arrives as a blob too, when the request asked for one.
    const text = result.error instanceof Blob ? await result.error.text() : ''
    let body: unknown = result.error
    try {
      body = text ? JSON.parse(text) : body
    } catch {
      // not JSON: the status says enough
    }
    throw toApiError(response.status, body)
  }
  return { blob: result.data as Blob, response }
}

/** Saves a file answered by the API under the name the server gives it. */
export async function saveFile(request: Promise<BlobResult>, fallback: string): Promise<void> {
  const { blob, response } = await fetchFile(request)
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = fileName(response, fallback)
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
