import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { PagePosition } from '../warehouse/read-port.js';
import { invalid } from './errors.js';

const cursorBody = z.strictObject({
  v: z.literal(1),
  ts: z.iso.datetime({ offset: true }),
  id: z.string().min(1).max(200),
  q: z.string(),
});

/** A digest of the filters a page was listed with: a cursor only continues the listing it came from. */
export function filterDigest(filters: Record<string, unknown>): string {
  const sorted = Object.keys(filters)
    .sort()
    .map((k) => [k, filters[k] ?? null]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64url').slice(0, 16);
}

/** Opaque to clients: base64url of the position after the page's last row and the listing's filter digest. */
export function encodeCursor(position: PagePosition, digest: string): string {
  return Buffer.from(JSON.stringify({ v: 1, ts: position.ts, id: position.id, q: digest })).toString('base64url');
}

export function decodeCursor(cursor: string, digest: string): PagePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const body = cursorBody.safeParse(parsed);
  if (!body.success) throw invalid('cursor', 'cursor must be a nextCursor value returned by this listing, unchanged');
  if (body.data.q !== digest) {
    throw invalid(
      'cursor',
      'cursor belongs to a listing with other filters: repeat the same filters, or drop the cursor to start over',
    );
  }
  return { ts: body.data.ts, id: body.data.id };
}
