import type { Page, PagePosition } from '../warehouse/read-port.js';
import { decodeCursor, encodeCursor, filterDigest } from './cursor.js';
import { overLimit } from './errors.js';

export const PAGE_MAX = 1000;
export const PAGE_DEFAULT = 100;

export interface PageInput {
  readonly limit?: number;
  readonly cursor?: string;
}

export interface Listing<T> {
  readonly items: T[];
  /** Pass as `cursor` with the same filters for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/**
 * One page of a listing ordered newest first: asks for one row more than the limit to know whether another
 * page exists, and binds the cursor to the listing's filters.
 */
export async function listPage<T>(
  input: PageInput,
  filters: Record<string, unknown>,
  positionOf: (item: T) => PagePosition,
  fetch: (page: Page) => Promise<T[]>,
): Promise<Listing<T>> {
  const limit = input.limit ?? PAGE_DEFAULT;
  if (limit > PAGE_MAX) throw overLimit('limit', `limit may be at most ${PAGE_MAX}; follow nextCursor for more`);
  const digest = filterDigest(filters);
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, digest);
  const rows = await fetch({ limit: limit + 1, ...(after ? { after } : {}) });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(positionOf(last), digest) : null };
}
