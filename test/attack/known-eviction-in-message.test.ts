import { afterEach, describe, expect, it } from 'vitest';
import { ingestMessage } from '../../shared/ingest/ingest-message.js';
import { HistoryCache } from '../../shared/readings/clean/history-cache.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const DEVICE = 'sim-plant/machine-known-cap';
const at = (i: number) => new Date(Date.UTC(2024, 5, 1) + i * 60_000).toISOString();
const reading = (i: number, kw: number) => ({ deviceId: DEVICE, ts: at(i), metrics: { power_kw: kw } });

/** A stack whose device remembers 128 values (2 points per metric), after 130 readings of it: time 2 is the oldest held. */
async function fullHistory(): Promise<TestStack> {
  stack = await startTestStack({ subscribe: ['ingest'], alertsSweepMs: 0 }, { KILOWATCH_HISTORY_POINTS: '2' });
  stack.publish({ readings: Array.from({ length: 130 }, (_, i) => reading(i, 100 + (i % 7))) });
  await stack.router.idle();
  return stack;
}

function rejections(on: TestStack) {
  return on.sql(`SELECT ts::VARCHAR AS ts, reason FROM rejected WHERE device_id = $d ORDER BY ts`, { d: DEVICE });
}

/**
 * A device's known readings are capped (KILOWATCH_HISTORY_POINTS × 64 values); over the cap the earliest
 * remembered times are forgotten and later readings of those times are looked up in the warehouse. The lookup
 * is decided before a message is cleaned: values the message itself adds (or its lookups add) must not make
 * the history forget a time the message then repeats, or its conflict is stored as new and dropped unseen by
 * the warehouse's first-write-wins.
 */
describe('known readings capped while a message is cleaned', () => {
  it('rejects a conflict with the oldest remembered time when the same message first adds a new time', async () => {
    const s = await fullHistory();

    // Time 2 is the oldest the history still holds; the new time 130 comes first in the message.
    s.publish({ readings: [reading(130, 100), reading(2, 555)] });
    await s.router.idle();

    const rejected = await rejections(s);
    expect(rejected).toEqual([{ ts: '2024-06-01 00:02:00+00', reason: 'conflict' }]);
    const stored = await s.sql(`SELECT value FROM readings WHERE device_id = $d AND ts = $t::TIMESTAMPTZ`, {
      d: DEVICE,
      t: at(2),
    });
    expect(stored).toEqual([{ value: 102 }]);
  });

  it('rejects a conflict with the oldest remembered time when the message also looks up an older one', async () => {
    const s = await fullHistory();

    // Time 0 was forgotten and is looked up: remembering it again must not forget time 2 meanwhile.
    s.publish({ readings: [reading(0, 100), reading(2, 555)] });
    await s.router.idle();

    const rejected = await rejections(s);
    expect(rejected).toEqual([
      { ts: '2024-06-01 00:00:00+00', reason: 'duplicate' },
      { ts: '2024-06-01 00:02:00+00', reason: 'conflict' },
    ]);
  });

  it('rejects a conflict with a time another delivery made the history forget while this one looked up', async () => {
    stack = await startTestStack({ subscribe: ['ingest'], alertsSweepMs: 0 }, { KILOWATCH_HISTORY_POINTS: '2' });
    const warehouse = stack.deps.warehouse;
    let release: () => void = () => undefined;
    let lookingUp: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lookupStarted = new Promise<void>((resolve) => (lookingUp = resolve));
    // The stack's history (2 points per metric) over the warehouse, whose lookups of older readings wait for the test.
    const history = new HistoryCache(
      {
        recentReadings: (...args) => warehouse.recentReadings(...args),
        knownReadings: async (...args) => {
          lookingUp();
          await held;
          return warehouse.knownReadings(...args);
        },
      },
      2,
    );
    const ingest = (messageId: string, ...rs: unknown[]) =>
      ingestMessage({ ...stack!.deps, history }, { messageId, data: Buffer.from(JSON.stringify({ readings: rs })) });
    await ingest('first', ...Array.from({ length: 130 }, (_, i) => reading(i, 100 + (i % 7))));

    // X looks time 0 up; meanwhile Z adds time 130, and the history forgets time 2, which X repeats.
    const x = ingest('x', reading(0, 100), reading(2, 555));
    await lookupStarted;
    await ingest('z', reading(130, 100));
    release();
    await x;

    const rejected = await rejections(stack);
    expect(rejected).toEqual([
      { ts: '2024-06-01 00:00:00+00', reason: 'duplicate' },
      { ts: '2024-06-01 00:02:00+00', reason: 'conflict' },
    ]);
  });
});
