import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../shared/errors/transient.js';
import type { Warehouse } from '../../shared/warehouse/port.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { withInsert } from '../support/warehouse-wrapper.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

const DEVICES = ['sim-plant/machine-cap-a', 'sim-plant/machine-cap-b'];
const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

interface Sent {
  readonly message: number;
  readonly index: number;
  readonly key: string;
  readonly metric: string;
  readonly value: number;
}

/** Messages of readings at random times of two machines, values 10 to 12: many repeat earlier times. */
function messages(seed: number) {
  const random = rng(seed);
  const sent: Sent[] = [];
  const bodies = Array.from({ length: 30 }, (_, message) => {
    const readings = Array.from({ length: 1 + Math.floor(random() * 60) }, (_, index) => {
      const deviceId = DEVICES[Math.floor(random() * DEVICES.length)]!;
      const ms = T0 + Math.floor(random() * 200) * MINUTE;
      const metrics: Record<string, number> = {};
      for (const metric of ['power_kw', 'temperature_c'])
        if (random() < 0.7) metrics[metric] = 10 + Math.floor(random() * 3);
      if (Object.keys(metrics).length === 0) metrics.power_kw = 10;
      for (const [metric, value] of Object.entries(metrics))
        sent.push({ message, index, key: `${deviceId} ${ms} ${metric}`, metric, value });
      return { deviceId, ts: new Date(ms).toISOString(), metrics };
    });
    return { readings };
  });
  return { bodies, sent };
}

/**
 * Concurrent deliveries of readings that repeat one another's times, with a history capped at 128 values
 * (KILOWATCH_HISTORY_POINTS=2): the history forgets times all the time and older readings are looked up. Every
 * value sent must end as its own stored row or as a duplicate or conflict of the stored one: a conflict judged
 * as new is dropped unseen by the warehouse's first-write-wins. With failed writes, histories are dropped and
 * loaded again while other deliveries still clean against them.
 */
/** A warehouse that fails about a third of the messages' first write of each table, as an outage would. */
function failingFirstWrites(seed: number) {
  const random = rng(seed + 100);
  const tried = new Set<string>();
  return (inner: Warehouse): Warehouse =>
    withInsert(inner, (table, rows) => {
      const write = `${table.name} ${(rows as ReadonlyArray<{ message_id: string }>)[0]?.message_id}`;
      if (tried.has(write)) return inner.insert(table, rows);
      tried.add(write);
      return random() < 0.3 ? Promise.reject(new TransientError(`${write} unavailable`)) : inner.insert(table, rows);
    });
}

describe('concurrent deliveries against a capped history', () => {
  for (const [seed, failures] of [
    [1, false],
    [2, false],
    [3, false],
    [1, true],
    [2, true],
    [3, true],
  ] as const)
    it(`accounts for every value (seed ${seed}${failures ? ', failed writes' : ''})`, async () => {
      stack = await startTestStack(
        {
          subscribe: ['ingest'],
          alertsSweepMs: 0,
          maxAttempts: 20,
          ...(failures ? { wrapWarehouse: failingFirstWrites(seed) } : {}),
        },
        { KILOWATCH_HISTORY_POINTS: '2' },
      );
      const { bodies, sent } = messages(seed);
      const ids = stack.publish(...bodies);
      await stack.router.idle();
      expect(stack.deadLetters().count()).toBe(0);

      const stored = new Map<string, { value: number; messageId: string }>();
      for (const r of await stack.sql(
        `SELECT device_id, epoch_ms(ts)::DOUBLE AS ms, metric, value, message_id FROM readings WHERE device_id LIKE 'sim-plant/machine-cap-%'`,
      ))
        stored.set(`${String(r.device_id)} ${Number(r.ms)} ${String(r.metric)}`, {
          value: r.value as number,
          messageId: r.message_id as string,
        });
      const rejected = new Map<string, string>();
      for (const r of await stack.sql(
        `SELECT message_id, reading_index::INT AS i, metric, reason FROM rejected WHERE device_id LIKE 'sim-plant/machine-cap-%'`,
      ))
        rejected.set(`${String(r.message_id)} ${Number(r.i)} ${String(r.metric)}`, r.reason as string);

      const unaccounted = sent.filter((v) => {
        const row = stored.get(v.key);
        const reason = rejected.get(`${ids[v.message]} ${v.index} ${v.metric}`);
        if (reason === 'duplicate') return row?.value !== v.value;
        if (reason === 'conflict') return row === undefined || row.value === v.value;
        return row === undefined || row.messageId !== ids[v.message] || row.value !== v.value;
      });
      expect(unaccounted.map((v) => `message ${v.message} reading ${v.index}: ${v.key} = ${v.value}`)).toEqual([]);
    });
});
