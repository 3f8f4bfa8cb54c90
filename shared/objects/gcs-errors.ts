import { anyCause, classifyClientError, NETWORK_ERROR_CODES, TRANSIENT_HTTP_STATUSES } from '../errors/transient.js';

/** The client's own checksum checks: bytes damaged in transit, worth sending again. */
const CHECKSUM_CODES = new Set(['CONTENT_DOWNLOAD_MISMATCH', 'FILE_NO_UPLOAD']);

interface ErrorShape {
  code?: unknown;
  status?: unknown;
  name?: unknown;
  message?: unknown;
  response?: { status?: unknown };
  cause?: unknown;
}

/** HTTP status of a client failure: ApiError.code, GaxiosError.status or .response.status, along the cause chain. */
export function storageHttpStatus(error: unknown): number | undefined {
  let status: number | undefined;
  anyCause<ErrorShape>(error, (e) => {
    for (const candidate of [e.code, e.status, e.response?.status]) {
      if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) status = candidate;
      else if (typeof candidate === 'string' && /^\d{3}$/.test(candidate)) status = Number(candidate);
      if (status !== undefined) return true;
    }
    return false;
  });
  return status;
}

export function isTransientStorageError(error: unknown): boolean {
  const status = storageHttpStatus(error);
  if (status !== undefined) return TRANSIENT_HTTP_STATUSES.has(status);
  return anyCause<ErrorShape>(
    error,
    (e) =>
      (typeof e.code === 'string' && (NETWORK_ERROR_CODES.has(e.code) || CHECKSUM_CODES.has(e.code))) ||
      e.name === 'TimeoutError' ||
      e.name === 'AbortError' ||
      (typeof e.message === 'string' && /socket hang up|unexpected connection closure/i.test(e.message)),
  );
}

/** Wraps a client failure: TransientError when a retry may help (429, 5xx, network), else a plain Error. */
export function classifyStorageError(error: unknown, what: string): Error {
  return classifyClientError(error, 'Cloud Storage', what, isTransientStorageError);
}
