import { anyCause, classifyClientError, NETWORK_ERROR_CODES, TRANSIENT_HTTP_STATUSES } from '../errors/transient.js';

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
  return errors.map((e: ReasonedError | undefined) => e?.reason).filter((r): r is string => typeof r === 'string');
}

/** Whether a failure from the BigQuery client deserves a retry: 5xx, 429, rate limits, the network. */
export function isTransientBigQueryError(error: unknown): boolean {
  return anyCause<BigQueryApiErrorShape>(error, (e) => {
    const status = typeof e.code === 'number' ? e.code : typeof e.status === 'number' ? e.status : undefined;
    if (status !== undefined && TRANSIENT_HTTP_STATUSES.has(status)) return true;
    if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) return true;
    if (e.type === 'request-timeout' || e.name === 'AbortError') return true;
    return reasonsOf(e).some((r) => TRANSIENT_REASONS.has(r));
  });
}

/** Wraps a client failure: TransientError when a retry may help, else a plain (permanent) Error. */
export function classifyBigQueryError(error: unknown, what: string): Error {
  return classifyClientError(error, 'BigQuery', what, isTransientBigQueryError);
}
