import { anyCause, classifyClientError, NETWORK_ERROR_CODES, TRANSIENT_HTTP_STATUSES } from '../errors/transient.js';

/**
 * gRPC codes worth a retry: the ones Pub/Sub's own client retries for Publish, less CANCELLED (our own doing).
 * UNKNOWN 2, DEADLINE_EXCEEDED 4, RESOURCE_EXHAUSTED 8, ABORTED 10, INTERNAL 13, UNAVAILABLE 14.
 */
const TRANSIENT_GRPC_CODES = new Set([2, 4, 8, 10, 13, 14]);
const TRANSIENT_GRPC_NAMES = new Set([
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'ABORTED',
  'INTERNAL',
  'UNAVAILABLE',
]);
/** Names a timed-out or aborted request carries instead of a code. */
const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError']);

interface ErrorShape {
  code?: unknown;
  status?: unknown;
  name?: unknown;
  cause?: unknown;
}

function transientCode(code: unknown): boolean {
  if (typeof code === 'number') return code < 100 ? TRANSIENT_GRPC_CODES.has(code) : TRANSIENT_HTTP_STATUSES.has(code);
  if (typeof code === 'string') {
    if (/^\d{3}$/.test(code)) return TRANSIENT_HTTP_STATUSES.has(Number(code));
    return NETWORK_ERROR_CODES.has(code) || TIMEOUT_NAMES.has(code) || TRANSIENT_GRPC_NAMES.has(code);
  }
  return false;
}

/**
 * Whether a publish failure deserves a retry. Over gRPC (the default transport) errors carry a gRPC code;
 * over the REST fallback they are GaxiosErrors carrying the HTTP status; socket failures carry errno names.
 */
export function isTransientPubSubError(error: unknown): boolean {
  return anyCause<ErrorShape>(
    error,
    (e) =>
      transientCode(e.code) || transientCode(e.status) || (typeof e.name === 'string' && TIMEOUT_NAMES.has(e.name)),
  );
}

/** Wraps a client failure: TransientError when a retry may help, else a plain (permanent) Error. */
export function classifyPubSubError(error: unknown, what: string): Error {
  return classifyClientError(error, 'Pub/Sub', what, isTransientPubSubError);
}
