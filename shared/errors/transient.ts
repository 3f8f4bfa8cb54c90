/**
 * A failure that may pass on retry (warehouse or bus unavailable). Functions answer it with 5xx so that
 * Pub/Sub redelivers; every other failure is permanent and is recorded instead of retried.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

export function isTransient(error: unknown): error is TransientError {
  return error instanceof TransientError;
}

/** HTTP statuses worth a retry on every Google API: timeouts, rate limits, server errors. */
export const TRANSIENT_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Socket-level failures: the request may never have reached the service. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
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
]);

/** Whether an error or one of its causes (a few levels down, as client libraries wrap them) passes `test`. */
// The caller names the shape it reads from each cause; S is that shape, not inferred.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function anyCause<S>(error: unknown, test: (shape: S) => boolean): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (test(e as S)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Wraps a client failure: TransientError when a retry may help, else a plain (permanent) Error. */
export function classifyClientError(
  error: unknown,
  service: string,
  what: string,
  transient: (error: unknown) => boolean,
): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (transient(error))
    return new TransientError(`${service} ${what} failed, worth a retry: ${message}`, { cause: error });
  return new Error(`${service} ${what} failed: ${message}`, { cause: error });
}
