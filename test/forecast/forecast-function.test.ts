import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSteel, steelReading } from '../../shared/demo/steel.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
  // Five weeks of the steel plant: more than the 29 days of history the default forecaster reads.
  const steel = loadSteel().slice(0, 96 * 35);
  const bodies = [];
  for (let day = 0; day < 35; day++)
    bodies.push({ readings: steel.slice(day * 96, day * 96 + 96).map((row, i) => steelReading(row, day * 96 + i)) });
  stack.publish(...bodies);
  await stack.router.idle();
});
afterAll(async () => {
  await stack.stop();
});

async function forecastRows(origin: string) {
  return stack.sql(
    `SELECT strftime(target_ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS target, p10, p50, p90, model, model_version
     FROM forecasts WHERE device_id = 'steel-plant/main-meter' AND metric = 'usage_kwh' AND origin = $o::TIMESTAMPTZ ORDER BY target_ts`,
    { o: origin },
  );
}

describe('forecast-tick → forecast function → forecasts', () => {
  it('forecasts the next day from the last plant-local midnight the data reaches, with ordered quantiles', async () => {
    stack.router.publish('forecast-tick', [{ data: Buffer.from('{}') }]);
    await stack.router.idle();
    // The data ends at 00:00 on 5 February 2018 in Seoul: 15:00 UTC on the 4th.
    const rows = await forecastRows('2018-02-04T15:00:00Z');
    expect(rows).toHaveLength(96);
    expect(rows[0]!.target).toBe('2018-02-04T15:15:00Z');
    expect(rows[95]!.target).toBe('2018-02-05T15:00:00Z');
    expect(new Set(rows.map((r) => r.model))).toEqual(new Set(['steel-forecast']));
    for (const r of rows) {
      expect(r.p10 as number).toBeLessThanOrEqual(r.p50 as number);
      expect(r.p50 as number).toBeLessThanOrEqual(r.p90 as number);
      expect(r.p10 as number).toBeGreaterThanOrEqual(0);
    }
  });

  it("takes an operator's origin, uses only what came before it, and stores a repeated tick once", async () => {
    const tick = Buffer.from(JSON.stringify({ origin: '2018-02-01T15:00:00Z' }));
    stack.router.publish('forecast-tick', [{ data: tick }, { data: tick }]);
    await stack.router.idle();
    const rows = await forecastRows('2018-02-01T15:00:00Z');
    expect(rows).toHaveLength(96);
    // The plant's actual day, which the forecast never saw: the median tracks it (MAE well under its mean).
    const actual = await stack.sql(
      `SELECT value FROM readings WHERE device_id = 'steel-plant/main-meter' AND metric = 'usage_kwh'
       AND ts > '2018-02-01T15:00:00Z' AND ts <= '2018-02-02T15:00:00Z' ORDER BY ts`,
    );
    const mae =
      actual.reduce((s, a, i) => s + Math.abs((a.value as number) - (rows[i]!.p50 as number)), 0) / actual.length;
    const mean = actual.reduce((s, a) => s + (a.value as number), 0) / actual.length;
    expect(mae).toBeLessThan(mean);
  });

  it('acknowledges a tick it cannot read without forecasting', async () => {
    const [before] = await stack.sql(`SELECT count(*) AS n FROM forecasts`);
    stack.router.publish('forecast-tick', [{ data: Buffer.from('{"origin":"yesterday"}') }]);
    await stack.router.idle();
    const [after] = await stack.sql(`SELECT count(*) AS n FROM forecasts`);
    expect(after!.n).toBe(before!.n);
    expect(stack.deadLetters().count()).toBe(0);
  });
});
