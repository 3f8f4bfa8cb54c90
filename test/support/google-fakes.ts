import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { FakeBigQuery, type FakeBigQueryOptions } from './fake-bigquery.js';
import { guardAgainstGoogleAuth } from './no-google-auth.js';

/** Registers the credential tripwire for the whole file: the file fails if any client looked for Google credentials. */
export function useGoogleAuthGuard(): void {
  let guard: Awaited<ReturnType<typeof guardAgainstGoogleAuth>>;
  beforeAll(async () => {
    guard = await guardAgainstGoogleAuth();
  });
  afterAll(async () => {
    await guard.restore();
    expect(guard.hits).toEqual([]);
  });
}

/**
 * A fresh BigQuery fake for every test, handed to `use` before the test runs; closed after it, and the test
 * fails on any protocol bug the fake saw. Registered first, its close runs after the file's own afterEach.
 */
export function useFakeBigQuery(options: FakeBigQueryOptions, use: (fake: FakeBigQuery) => void): void {
  let fake: FakeBigQuery;
  beforeEach(async () => {
    fake = await FakeBigQuery.start(options);
    use(fake);
  });
  afterEach(async () => {
    await fake.close();
    expect(fake.bugs).toEqual([]);
  });
}
