import { TransientError } from '../errors/transient.js';

/** BigQuery error reasons worth a retry (https://cloud.google.com/bigquery/docs/error-messages). */
const TRANSIENT_REASONS = new Set([
  'backendError',
  'internalError',
  'rateLimitExceeded',
  'userRateLimitExceeded',
  // Streaming quotas (rows or bytes per second) recover within seconds; redelivery is the right answer.
  'quotaExceeded',
  'timeout',
]);

const TRANSIENT_HTTP = new Set([408, 429, 500, 502, 503, 504]);

/** Socket-level failures: the request may never have reached BigQuery. */
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
]);

interface ReasonedError {
  reason?: string;
  message?: string;
}

interface BigQueryApiErrorShape {
  code?: unknown;
  status?: unknown;
  type?: unknown;
  name?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** The reasons of an ApiError (`errors[].reason`), as the client library exposes them. */
export function reasonsOf(error: unknown): string[] {
  const errors = (error as BigQueryApiErrorShape | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((e: ReasonedError | undefined) => e?.reason)
    .filter((r): r is string => typeof r === 'string');
}

/** Whether a failure from the BigQuery client deserves a retry: 5xx, 429, rate limits, the network. */
export function isTransientBigQueryError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const shape = e as BigQueryApiErrorShape;
    const status = typeof shape.code === 'number' ? shape.code : typeof shape.status === 'number' ? shape.status : undefined;
    if (status !== undefined && TRANSIENT_HTTP.has(status)) return true;
    if (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code)) return true;
    if (shape.type === 'request-timeout' || shape.name === 'AbortError') return true;
    if (reasonsOf(e).some((r) => TRANSIENT_REASONS.has(r))) return true;
    e = shape.cause;
  }
  return false;
}

/** Wraps a client failure: TransientError when a retry may help, else a plain (permanent) Error. */
export function classifyBigQueryError(error: unknown, what: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (isTransientBigQueryError(error)) {
    return new TransientError(`BigQuery ${what} failed, worth a retry: ${message}`, { cause: error });
  }
  return new Error(`BigQuery ${what} failed: ${message}`, { cause: error });
}
