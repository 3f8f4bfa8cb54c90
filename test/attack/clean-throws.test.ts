import { afterEach, describe, expect, it } from 'vitest';
import { ingestMessage, type IngestDeps } from '../../shared/ingest/ingest-message.js';
import { ReadingCleaner } from '../../shared/readings/clean/cleaner.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const DEVICE = 'sim-plant/machine-throws';
const T1 = '2024-06-01T12:00:00.000Z';
const body = (kw: number) =>
  Buffer.from(JSON.stringify({ readings: [{ deviceId: DEVICE, ts: T1, metrics: { power_kw: kw } }] }));

/** A cleaner that cleans (so the device history remembers the values) and then fails: an unforeseen bug. */
function throwingAfterCleaning(cleaner: ReadingCleaner): ReadingCleaner {
  return Object.assign(Object.create(cleaner) as ReadingCleaner, {
    clean: (...args: Parameters<ReadingCleaner['clean']>) => {
      cleaner.clean(...args);
      throw new Error('cleaner bug');
    },
  });
}

describe('a delivery whose cleaning throws', () => {
  it('leaves nothing behind: the next delivery of the value is not judged against it, and is stored', async () => {
    stack = await startTestStack({ subscribe: ['ingest'], alertsSweepMs: 0 });
    const deps: IngestDeps = stack.deps;
    await expect(
      ingestMessage({ ...deps, cleaner: throwingAfterCleaning(deps.cleaner) }, { messageId: 'A', data: body(10) }),
    ).rejects.toThrow('cleaner bug');
    // Judged against A's remembered 10, B would wait for a write that never comes, or be called a duplicate.
    const b = await Promise.race([
      ingestMessage(deps, { messageId: 'B', data: body(10) }),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000)),
    ]);
    expect(b).toMatchObject({ stored: 1, rejected: 0 });
    const rows = await stack.sql(`SELECT message_id, value FROM readings WHERE device_id = $d`, { d: DEVICE });
    expect(rows).toEqual([{ message_id: 'B', value: 10 }]);
  });
});
