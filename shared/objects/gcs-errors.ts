import { TransientError } from '../errors/transient.js';

const TRANSIENT_HTTP = new Set([408, 429, 500, 502, 503, 504]);

/** Socket-level failures: the request may never have reached Cloud Storage. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  // The client's own checksum checks: bytes damaged in transit, worth sending again.
  'CONTENT_DOWNLOAD_MISMATCH',
  'FILE_NO_UPLOAD',
]);

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
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const shape = e as ErrorShape;
    for (const candidate of [shape.code, shape.status, shape.response?.status]) {
      if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
      if (typeof candidate === 'string' && /^\d{3}$/.test(candidate)) return Number(candidate);
    }
    e = shape.cause;
  }
  return undefined;
}

export function isTransientStorageError(error: unknown): boolean {
  const status = storageHttpStatus(error);
  if (status !== undefined) return TRANSIENT_HTTP.has(status);
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const shape = e as ErrorShape;
    if (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code)) return true;
    if (shape.name === 'TimeoutError' || shape.name === 'AbortError') return true;
    if (typeof shape.message === 'string' && /socket hang up|unexpected connection closure/i.test(shape.message)) return true;
    e = shape.cause;
  }
  return false;
}

/** Wraps a client failure: TransientError when a retry may help (429, 5xx, network), else a plain Error. */
export function classifyStorageError(error: unknown, what: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (isTransientStorageError(error)) {
    return new TransientError(`Cloud Storage ${what} failed, worth a retry: ${message}`, { cause: error });
  }
  return new Error(`Cloud Storage ${what} failed: ${message}`, { cause: error });
}
