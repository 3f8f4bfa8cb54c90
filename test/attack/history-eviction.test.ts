import { afterEach, describe, expect, it } from 'vitest';
import { ingestMessage } from '../../shared/ingest/ingest-message.js';
import { HistoryCache } from '../../shared/readings/clean/history-cache.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const TS = '2024-06-01T12:00:00.000Z';
const reading = (deviceId: string, kw: number) => ({ deviceId, ts: TS, metrics: { power_kw: kw } });
const body = (...readings: unknown[]) => Buffer.from(JSON.stringify({ readings }));

/**
 * An instance that holds more devices than its history cache keeps evicts some while a message is being
 * cleaned (loading the message's other devices, or another message's). The message must still be judged
 * against each device's stored history: a conflicting value is a `conflict`, not a row the warehouse then
 * drops unseen under first-write-wins.
 */
describe('history cache eviction during a message', () => {
  it('rejects a conflict of a device whose history was evicted while the message loaded its other devices', async () => {
    stack = await startTestStack({ subscribe: ['ingest'], alertsSweepMs: 0 });
    const first = 'sim-plant/machine-evict-a';
    await ingestMessage(stack.deps, { messageId: 'stored-first', data: body(reading(first, 10)) });

    // A cold instance that keeps two devices; the message names three, the first of them stored before.
    const deps = { ...stack.deps, history: new HistoryCache(stack.deps.warehouse, 64, 0, Date.now, 2) };
    const summary = await ingestMessage(deps, {
      messageId: 'three-devices',
      data: body(reading(first, 11), reading('sim-plant/machine-evict-b', 1), reading('sim-plant/machine-evict-c', 2)),
    });

    const rejected = await stack.sql(`SELECT device_id, reason FROM rejected WHERE message_id = 'three-devices'`);
    expect(rejected).toEqual([{ device_id: first, reason: 'conflict' }]);
    const stored = await stack.sql(`SELECT message_id, value FROM readings WHERE device_id = $d`, { d: first });
    expect(stored).toEqual([{ message_id: 'stored-first', value: 10 }]);
    // What the message reports matches what the warehouse holds.
    expect(summary).toMatchObject({ stored: 2, rejected: 1 });
  });
});
