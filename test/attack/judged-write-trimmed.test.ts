import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../shared/errors/transient.js';
import { ingestMessage } from '../../shared/ingest/ingest-message.js';
import { readings, type ReadingRow } from '../../shared/warehouse/schema/tables.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { withInsert } from '../support/warehouse-wrapper.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const DEVICE = 'sim-plant/machine-judged-trim';
const at = (i: number) => new Date(Date.UTC(2024, 5, 1) + i * 60_000).toISOString();
const reading = (i: number, kw: number) => ({ deviceId: DEVICE, ts: at(i), metrics: { power_kw: kw } });
const body = (...rs: unknown[]) => Buffer.from(JSON.stringify({ readings: rs }));

/**
 * A conflict judged against another delivery's pending value must wait for that write, even when the rest of
 * the message makes the device's history forget the value (the known readings are capped): if the write then
 * fails, the conflict was judged against nothing stored and the message must be delivered again.
 */
describe('a judgement against a pending value that the message itself pushes out of the history', () => {
  it('still waits for that write and fails when it fails', async () => {
    let fail: () => void = () => undefined;
    let started: () => void = () => undefined;
    const writeStarted = new Promise<void>((resolve) => (started = resolve));
    stack = await startTestStack(
      {
        subscribe: ['ingest'],
        alertsSweepMs: 0,
        // A's readings write waits until the test fails it.
        wrapWarehouse: (inner) =>
          withInsert(inner, (table, rows) => {
            if (table.name !== readings.name || !(rows as readonly ReadingRow[]).some((r) => r.message_id === 'A'))
              return inner.insert(table, rows);
            return new Promise<void>((_, reject) => {
              fail = () => reject(new TransientError('readings write of A unavailable'));
              started();
            });
          }),
      },
      // 2 points per metric: the device remembers 128 values.
      { KILOWATCH_HISTORY_POINTS: '2' },
    );
    const ingest = (messageId: string, data: Buffer) => ingestMessage(stack!.deps, { messageId, data });

    const a = ingest('A', body(reading(0, 10)));
    await writeStarted;
    // B conflicts with A's 10, then adds 128 new times: A's value leaves the history before B is acknowledged.
    const b = ingest('B', body(reading(0, 20), ...Array.from({ length: 128 }, (_, i) => reading(i + 1, 50))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    fail();
    const [aOutcome, bOutcome] = await Promise.allSettled([a, b]);
    expect(aOutcome.status).toBe('rejected');
    expect(bOutcome.status, JSON.stringify(bOutcome)).toBe('rejected');
  });
});
