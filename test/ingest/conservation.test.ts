import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../shared/errors/transient.js';
import type { Warehouse } from '../../shared/warehouse/port.js';
import { withInsert } from '../support/warehouse-wrapper.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** A warehouse that is unavailable for its first `failures` writes: what a BigQuery outage looks like. */
function unavailableFor(failures: number) {
  return (inner: Warehouse): Warehouse => {
    let left = failures;
    return withInsert(inner, (table, rows) =>
      left-- > 0 ? Promise.reject(new TransientError('warehouse unavailable')) : inner.insert(table, rows),
    );
  };
}

async function accounted(s: TestStack, deviceLike: string) {
  const [row] = await s.sql(
    `SELECT (SELECT count(*) FROM readings WHERE device_id LIKE $d) AS stored,
            (SELECT count(*) FROM rejected WHERE metric IS NOT NULL AND device_id LIKE $d) AS rejected_metrics`,
    { d: deviceLike },
  );
  return { stored: Number(row!.stored), rejectedMetrics: Number(row!.rejected_metrics) };
}

describe('conservation: every reading of N mixed messages is accounted for exactly once', () => {
  it('ends each metric value in readings or rejected, each bad reading in rejected, each undecodable message in the dead-letter sink', async () => {
    stack = await startTestStack();
    let expectedValues = 0;
    let expectedWholeRejections = 0;
    let expectedDead = 0;
    const bodies: unknown[] = [];
    for (let m = 0; m < 60; m++) {
      const kind = m % 6;
      if (kind === 5) {
        bodies.push(m % 12 === 5 ? '{not json' : Buffer.from([0xff, 0xfe, 0x00]));
        expectedDead++;
        continue;
      }
      const readings = [];
      for (let r = 0; r < 20; r++) {
        const device = `sim-plant/machine-c${m % 4}`;
        const ts = Date.UTC(2024, 0, 1) + (m * 20 + r) * 60_000 - (kind === 4 ? 600_000 : 0);
        const metrics: Record<string, number | null> = { power_kw: 50 + r, temperature_c: r % 7 === 0 ? null : 60 };
        if (kind === 1 && r % 5 === 0) metrics.unknown_thing = 1; // rejected per metric
        if (kind === 2 && r % 4 === 0) {
          readings.push({ deviceId: device, ts: 'not a time', metrics }); // rejected whole
          expectedWholeRejections++;
          continue;
        }
        if (kind === 3 && r % 3 === 0) {
          readings.push({ deviceId: device, ts, metrics: { power_kw: 'high' } }); // rejected whole
          expectedWholeRejections++;
          continue;
        }
        expectedValues += Object.keys(metrics).length;
        readings.push({ deviceId: device, ts, metrics });
      }
      bodies.push({ readings });
    }
    // Kind 4 messages repeat earlier times: some values are duplicates or conflicts, rejected per metric.
    stack.publish(...bodies);
    await stack.router.idle();
    const { stored, rejectedMetrics } = await accounted(stack, 'sim-plant/machine-c%');
    expect(stored + rejectedMetrics).toBe(expectedValues);
    const [whole] = await stack.sql(`SELECT count(*) AS n FROM rejected WHERE metric IS NULL`);
    expect(Number(whole!.n)).toBe(expectedWholeRejections);
    expect(stack.deadLetters().count()).toBe(expectedDead);
    const [dupes] = await stack.sql(
      `SELECT count(*) AS n FROM (SELECT reading_id FROM readings GROUP BY 1 HAVING count(*) > 1)`,
    );
    expect(Number(dupes!.n)).toBe(0);
  });
});

describe('transient failures are retried, permanent ones recorded', () => {
  it('answers 5xx while the warehouse is down, so the router redelivers, and stores once when it is back', async () => {
    stack = await startTestStack({ wrapWarehouse: unavailableFor(3), maxAttempts: 10 });
    const reading = {
      deviceId: 'sim-plant/machine-outage',
      ts: '2024-02-01T00:00:00Z',
      metrics: { power_kw: 3, vibration_mm_s: 1 },
    };
    stack.publish({ readings: [reading] });
    await stack.router.idle();
    expect(stack.router.stats.retried).toBeGreaterThanOrEqual(2);
    expect(await accounted(stack, 'sim-plant/machine-outage')).toEqual({ stored: 2, rejectedMetrics: 0 });
    expect(stack.deadLetters().count()).toBe(0);
  });

  it('dead-letters a message, raw bytes kept, once the delivery attempts run out', async () => {
    stack = await startTestStack({ wrapWarehouse: unavailableFor(1000), maxAttempts: 3 });
    const body = JSON.stringify({
      deviceId: 'sim-plant/machine-down',
      ts: '2024-02-01T00:00:00Z',
      metrics: { power_kw: 3 },
    });
    stack.publish(body);
    await stack.router.idle();
    const [letter] = stack.deadLetters().entries();
    expect(letter!.reason).toMatch(/^delivery_failed: 3 attempts to readings-ingest, last: HTTP 500/);
    expect(Buffer.from(letter!.dataBase64, 'base64').toString()).toBe(body);
  });
});

describe('cold start: history is rebuilt from the warehouse', () => {
  it('recognises duplicates of readings a previous instance stored, recent or old', async () => {
    stack = await startTestStack({}, { KILOWATCH_HISTORY_POINTS: '4' });
    const device = 'sim-plant/machine-cold';
    const at = (minute: number, value: number) => ({
      deviceId: device,
      ts: Date.UTC(2024, 0, 1, 0, minute) / 1000,
      metrics: { power_kw: value },
    });
    stack.publish({ readings: Array.from({ length: 12 }, (_, i) => at(i, 100 + i)) });
    await stack.router.idle();
    const dir = stack.dir;
    await stack.close();
    // A new instance on the same warehouse file: nothing in memory.
    stack = { ...(await startTestStack({}, { KILOWATCH_DATA_DIR: dir, KILOWATCH_HISTORY_POINTS: '4' })), dir };
    stack.publish({ readings: [at(11, 111), at(1, 101), at(2, 999)] });
    await stack.router.idle();
    const rejected = await stack.sql(
      `SELECT reason, strftime(ts AT TIME ZONE 'UTC', '%M') AS minute FROM rejected WHERE device_id = $d ORDER BY minute`,
      { d: device },
    );
    expect(rejected.map((r) => [r.minute, r.reason])).toEqual([
      ['01', 'duplicate'],
      ['02', 'conflict'],
      ['11', 'duplicate'],
    ]);
  });
});
