import { TransientError } from '../errors/transient.js';

/**
 * gRPC codes worth a retry: the ones Pub/Sub's own client retries for Publish, less CANCELLED (our own doing).
 * UNKNOWN 2, DEADLINE_EXCEEDED 4, RESOURCE_EXHAUSTED 8, ABORTED 10, INTERNAL 13, UNAVAILABLE 14.
 */
const TRANSIENT_GRPC_CODES = new Set([2, 4, 8, 10, 13, 14]);
const TRANSIENT_GRPC_NAMES = new Set(['UNKNOWN', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ABORTED', 'INTERNAL', 'UNAVAILABLE']);
const TRANSIENT_HTTP = new Set([408, 429, 500, 502, 503, 504]);

/** Socket-level failures: the request may never have reached Pub/Sub. */
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
  'TimeoutError',
  'AbortError',
]);

interface ErrorShape {
  code?: unknown;
  status?: unknown;
  name?: unknown;
  cause?: unknown;
}

function transientCode(code: unknown): boolean {
  if (typeof code === 'number') return code < 100 ? TRANSIENT_GRPC_CODES.has(code) : TRANSIENT_HTTP.has(code);
  if (typeof code === 'string') {
    if (/^\d{3}$/.test(code)) return TRANSIENT_HTTP.has(Number(code));
    return NETWORK_CODES.has(code) || TRANSIENT_GRPC_NAMES.has(code);
  }
  return false;
}

/**
 * Whether a publish failure deserves a retry. Over gRPC (the default transport) errors carry a gRPC code;
 * over the REST fallback they are GaxiosErrors carrying the HTTP status; socket failures carry errno names.
 */
export function isTransientPubSubError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const shape = e as ErrorShape;
    if (transientCode(shape.code) || transientCode(shape.status)) return true;
    if (shape.name === 'TimeoutError' || shape.name === 'AbortError') return true;
    e = shape.cause;
  }
  return false;
}

/** Wraps a client failure: TransientError when a retry may help, else a plain (permanent) Error. */
export function classifyPubSubError(error: unknown, what: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (isTransientPubSubError(error)) {
    return new TransientError(`Pub/Sub ${what} failed, worth a retry: ${message}`, { cause: error });
  }
  return new Error(`Pub/Sub ${what} failed: ${message}`, { cause: error });
}
