import type { MiddlewareHandler } from 'hono';
import type { TablesVersion } from '../warehouse/cached-reader.js';

export interface ResponseCacheOptions {
  /** The version of the tables a route reads; the same one the read cache keys on. */
  readonly version: TablesVersion;
  /** Bytes of response bodies and answers kept at most, least recently used dropped first. */
  readonly maxBytes?: number;
  readonly maxEntries?: number;
}

interface Entry {
  readonly version: number;
  readonly body: Uint8Array<ArrayBuffer>;
  readonly type: string;
}

/**
 * A GET route's 200 answers kept serialized, per URL, at the version of the tables it reads: a repeated request
 * is answered with the stored bytes (no use-case, no JSON.stringify), and a write to one of those tables makes
 * every stored answer a miss. Only URLs that name `from` or `to` are kept: without both, the range ends now
 * and moves with the clock, which no write marks. The version is read before the handler runs, so an answer
 * computed across a write is stored under the older version and never served after it.
 */
export function responseCache(options: ResponseCacheOptions, tables: readonly string[]): MiddlewareHandler {
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const drop = (key: string) => {
    const old = entries.get(key);
    if (!old) return;
    entries.delete(key);
    bytes -= old.body.byteLength;
  };
  return async (c, next) => {
    const query = c.req.query();
    if (c.req.method !== 'GET' || (query.from === undefined && query.to === undefined)) return next();
    const url = c.req.url;
    const key = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    const version = options.version(tables);
    const hit = entries.get(key);
    if (hit?.version === version) {
      entries.delete(key);
      entries.set(key, hit);
      return c.body(hit.body, 200, { 'content-type': hit.type });
    }
    await next();
    const type = c.res.headers.get('content-type');
    if (c.res.status !== 200 || !type) return;
    const body = new Uint8Array(await c.res.arrayBuffer());
    c.res = new Response(body, c.res);
    if (body.byteLength > maxBytes / 8) return;
    drop(key);
    entries.set(key, { version, body, type });
    bytes += body.byteLength;
    while (bytes > maxBytes || entries.size > maxEntries) drop(entries.keys().next().value as string);
  };
}
