import type { MiddlewareHandler } from 'hono';
import { problem } from './problem.js';

export interface RateLimit {
  /** Requests per second a client may sustain. */
  readonly perSecond: number;
  /** Requests a client may make at once after a quiet spell. */
  readonly burst: number;
  /** Clients remembered at most (oldest forgotten first): bounds memory under many addresses. */
  readonly maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The caller: the last X-Forwarded-For hop, which Cloud Run's front end appends (the hops before it are whatever
 * the client sent, so keying on the first let a client pick a fresh bucket per request), else the socket's address.
 */
export function clientKey(forwardedFor: string | undefined, remote: string | undefined): string {
  return forwardedFor?.split(',').at(-1)?.trim() || remote || 'unknown';
}

/** A token bucket per client; an empty bucket answers 429 with Retry-After (seconds until a token is back). */
export function rateLimit(
  limit: RateLimit,
  keyOf: (c: Parameters<MiddlewareHandler>[0]) => string,
  now: () => number = Date.now,
): MiddlewareHandler {
  const buckets = new Map<string, Bucket>();
  const maxClients = limit.maxClients ?? 10_000;
  return async (c, next) => {
    const key = keyOf(c);
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: limit.burst, at: t };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond);
    bucket.at = t;
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value as string);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
      return problem(
        c,
        429,
        `more than ${limit.perSecond} requests a second (bursts of ${limit.burst}); retry after ${retryAfter} s`,
        undefined,
        {
          'retry-after': String(retryAfter),
        },
      );
    }
    bucket.tokens -= 1;
    await next();
  };
}
