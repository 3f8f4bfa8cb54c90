import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../shared/errors/transient.js';
import { ingestMessage } from '../../shared/ingest/ingest-message.js';
import { readings } from '../../shared/warehouse/schema/tables.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { withInsert } from '../support/warehouse-wrapper.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const DEVICE = 'sim-plant/machine-redelivery';
const T1 = '2024-06-01T12:00:00.000Z';
const T2 = '2024-06-01T12:01:00.000Z';
const body = (...rs: Array<[string, number]>) =>
  Buffer.from(
    JSON.stringify({ readings: rs.map(([ts, kw]) => ({ deviceId: DEVICE, ts, metrics: { power_kw: kw } })) }),
  );

/**
 * A message whose rejections were stored while its readings' write failed is delivered again; by then the
 * device's history has changed (the write that failed took the value it was judged against with it). Its
 * value must still end as exactly one outcome: one rejected row, not a `duplicate` and a `conflict` of it.
 */
describe('a redelivered message records each rejected value once', () => {
  it('keeps one rejection per value when the redelivery judges it differently', async () => {
    let failReadings = false;
    stack = await startTestStack({
      subscribe: ['ingest'],
      alertsSweepMs: 0,
      wrapWarehouse: (inner) =>
        withInsert(inner, (table, rows) =>
          failReadings && table.name === readings.name && rows.length > 0
            ? Promise.reject(new TransientError('readings write unavailable'))
            : inner.insert(table, rows),
        ),
    });
    const deps = stack.deps;
    const message = (messageId: string, data: Buffer) => ({ messageId, data });

    // A stores 10 at T1 and B repeats it (a duplicate of A) beside a new T2: both readings writes fail,
    // B's rejection is stored.
    failReadings = true;
    const first = await Promise.allSettled([
      ingestMessage(deps, message('A', body([T1, 10]))),
      ingestMessage(deps, message('B', body([T1, 10], [T2, 5]))),
    ]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    failReadings = false;

    // C reaches the device before the redeliveries: 11 is stored first at T1.
    await ingestMessage(deps, message('C', body([T1, 11])));
    await ingestMessage(deps, message('B', body([T1, 10], [T2, 5])));
    await ingestMessage(deps, message('A', body([T1, 10])));

    const outcomes = await stack.sql(
      `SELECT message_id, reading_index::INTEGER AS reading_index, metric, count(*)::INTEGER AS n, list(reason ORDER BY reason) AS reasons
       FROM rejected WHERE device_id = $d GROUP BY ALL ORDER BY message_id`,
      { d: DEVICE },
    );
    for (const o of outcomes) expect(o, JSON.stringify(o)).toMatchObject({ n: 1 });
    // Judged against what is stored: 10 differs from C's 11 (A's 10 was never stored).
    expect(outcomes.map((o) => [o.message_id, o.reading_index, o.reasons])).toEqual([
      ['A', 0, ['conflict']],
      ['B', 0, ['conflict']],
    ]);
    const stored = await stack.sql(`SELECT message_id, ts::VARCHAR AS ts, value FROM readings ORDER BY ts`);
    expect(stored.map((r) => [r.message_id, r.value])).toEqual([
      ['C', 11],
      ['B', 5],
    ]);
    // Every value sent (A:1, B:2, C:1) ends as exactly one stored or rejected row.
    expect(stored.length + outcomes.length).toBe(4);
  });
});
