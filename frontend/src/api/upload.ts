import { ApiError, toApiError } from './errors'

export interface UploadFields {
  title: string
  document_number?: string
  document_date?: string
  description?: string
}

/**
 * Uploads one evidence file with progress (fetch cannot report upload progress). An
 * Idempotency-Key makes a retry after a lost answer safe.
 */
export function uploadEvidence(
  measureId: number,
  file: File,
  fields: UploadFields,
  token: string | null,
  onProgress: (percent: number) => void,
  key: string = crypto.randomUUID(),
): Promise<unknown> {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) if (v) form.append(k, v)
  form.append('file', file, file.name)
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `/api/v1/measures/${measureId}/evidence`)
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.setRequestHeader('Idempotency-Key', key)
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100))
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body)
      else reject(toApiError(xhr.status, body))
    }
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'network error'))
    xhr.send(form)
  })
}
