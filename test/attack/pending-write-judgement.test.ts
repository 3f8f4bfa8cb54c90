import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../shared/errors/transient.js';
import { ingestMessage } from '../../shared/ingest/ingest-message.js';
import type { ReadingRow } from '../../shared/warehouse/schema/tables.js';
import { readings } from '../../shared/warehouse/schema/tables.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { withInsert } from '../support/warehouse-wrapper.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const DEVICE = 'sim-plant/machine-pending';
const T1 = '2024-06-01T12:00:00.000Z';
const T2 = '2024-06-01T12:01:00.000Z';
const body = (...rs: Array<[string, number]>) =>
  Buffer.from(
    JSON.stringify({ readings: rs.map(([ts, kw]) => ({ deviceId: DEVICE, ts, metrics: { power_kw: kw } })) }),
  );

/**
 * The stack's ingest deps over a warehouse whose first readings write holding message `held` waits until the
 * test fails it: that message's values are in the device's history while their write is pending.
 */
async function stackHolding(held: string) {
  let fail: (() => void) | undefined;
  let written: () => void = () => undefined;
  const writeStarted = new Promise<void>((resolve) => (written = resolve));
  stack = await startTestStack({
    subscribe: ['ingest'],
    alertsSweepMs: 0,
    wrapWarehouse: (inner) =>
      withInsert(inner, (table, rows) => {
        if (fail || table.name !== readings.name || !(rows as readonly ReadingRow[]).some((r) => r.message_id === held))
          return inner.insert(table, rows);
        return new Promise<void>((_, reject) => {
          fail = () => reject(new TransientError(`readings write of ${held} unavailable`));
          written();
        });
      }),
  });
  return { deps: stack.deps, writeStarted, fail: () => fail?.() };
}

/** Delivers like Pub/Sub: a delivery that fails is delivered again, after the others in the queue. */
async function deliverUntilAcked(
  deliver: Array<[string, Buffer]>,
  ingest: (id: string, data: Buffer) => Promise<unknown>,
) {
  const queue = [...deliver];
  for (let attempts = 0; queue.length > 0 && attempts < 20; attempts++) {
    const [id, data] = queue.shift()!;
    await ingest(id, data).catch(() => queue.push([id, data]));
  }
  expect(queue).toEqual([]);
}

/**
 * A message is cleaned against the device's history, which already holds the values of messages whose
 * warehouse write is still pending. When such a write fails, judgements made against its values (a
 * `duplicate`, a `conflict`, a redelivery) were made against nothing stored: the message that made them
 * must not be acknowledged, so that it is judged afresh against what the warehouse holds.
 */
describe('a judgement against a value whose write then fails', () => {
  it('is not kept: the duplicate of a value never stored is judged again against what is', async () => {
    const { deps, writeStarted, fail } = await stackHolding('A');
    const ingest = (messageId: string, data: Buffer) => ingestMessage(deps, { messageId, data });

    // A stores 10 at T1 (write pending); B repeats 10 at T1 beside a new value at T2.
    const a = ingest('A', body([T1, 10]));
    await writeStarted;
    const b = ingest('B', body([T1, 10], [T2, 5]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    fail();
    const [aOutcome, bOutcome] = await Promise.allSettled([a, b]);
    expect(aOutcome.status).toBe('rejected');
    // B's duplicate was judged against A's 10, which is not stored: B must be delivered again.
    expect(bOutcome.status, JSON.stringify(bOutcome)).toBe('rejected');
    expect((bOutcome as PromiseRejectedResult).reason).toBeInstanceOf(TransientError);

    // C reaches the device before the redeliveries: 11 is stored first at T1.
    await deliverUntilAcked(
      [
        ['C', body([T1, 11])],
        ['A', body([T1, 10])],
        ['B', body([T1, 10], [T2, 5])],
      ],
      ingest,
    );
    const rejected = await stack!.sql(
      `SELECT message_id, reason, detail FROM rejected WHERE device_id = $d ORDER BY message_id`,
      { d: DEVICE },
    );
    // Both 10s differ from the 11 stored: conflicts with C, nothing names A's value as stored.
    expect(rejected.map((r) => [r.message_id, r.reason])).toEqual([
      ['A', 'conflict'],
      ['B', 'conflict'],
    ]);
    for (const r of rejected) expect(r.detail).toMatch(/message C/);
    const stored = await stack!.sql(`SELECT message_id, value FROM readings WHERE device_id = $d ORDER BY ts`, {
      d: DEVICE,
    });
    expect(stored).toEqual([
      { message_id: 'C', value: 11 },
      { message_id: 'B', value: 5 },
    ]);
  });

  it('does not acknowledge a redelivery judged against its first delivery while that one fails to store', async () => {
    const { deps, writeStarted, fail } = await stackHolding('A');
    const ingest = (messageId: string, data: Buffer) => ingestMessage(deps, { messageId, data });

    // Two deliveries of A at once (Pub/Sub redelivers when an acknowledgement deadline passes).
    const first = ingest('A', body([T1, 10]));
    await writeStarted;
    const second = ingest('A', body([T1, 10]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    fail();
    const outcomes = await Promise.allSettled([first, second]);
    // Acknowledging the second would lose A's value: the first's write failed.
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);

    const summary = await ingest('A', body([T1, 10]));
    expect(summary).toMatchObject({ stored: 1, redelivered: 0, rejected: 0 });
    const stored = await stack!.sql(`SELECT message_id, value FROM readings WHERE device_id = $d`, { d: DEVICE });
    expect(stored).toEqual([{ message_id: 'A', value: 10 }]);
  });

  it('acknowledges once the value it was judged against is stored', async () => {
    stack = await startTestStack({ subscribe: ['ingest'], alertsSweepMs: 0 });
    const ingest = (messageId: string, data: Buffer) => ingestMessage(stack!.deps, { messageId, data });
    const [a, b] = await Promise.all([ingest('A', body([T1, 10])), ingest('B', body([T1, 10], [T2, 5]))]);
    expect(a).toMatchObject({ stored: 1, rejected: 0 });
    expect(b).toMatchObject({ stored: 1, rejected: 1 });
    const rejected = await stack.sql(`SELECT message_id, reason FROM rejected WHERE device_id = $d`, { d: DEVICE });
    expect(rejected).toEqual([{ message_id: 'B', reason: 'duplicate' }]);
  });
});
