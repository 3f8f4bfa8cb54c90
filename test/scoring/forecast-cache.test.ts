import { describe, expect, it } from 'vitest';
import { ForecastCache } from '../../shared/scoring/forecast-residuals.js';
import type { ForecastRow } from '../../shared/warehouse/schema/tables.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

function row(targetMs: number): ForecastRow {
  const iso = new Date(targetMs).toISOString();
  return {
    forecast_id: iso,
    device_id: 'd',
    metric: 'm',
    issued_at: iso,
    origin: iso,
    target_ts: iso,
    p10: 1,
    p50: 2,
    p90: 3,
    model: 'f',
    model_version: '1',
  };
}

/** The port's one method over a list of stored forecasts, counting reads. */
function store(targets: number[]) {
  const reads: Array<[string, string]> = [];
  return {
    reads,
    targets,
    latestForecasts: async (_d: string, _m: string, from: string, to: string) => {
      reads.push([from, to]);
      return targets.filter((t) => t >= Date.parse(from) && t <= Date.parse(to)).map(row);
    },
  };
}

describe('ForecastCache', () => {
  it('reads a window ahead once and serves the next messages from it while fresh', async () => {
    const warehouse = store(Array.from({ length: 200 }, (_, i) => T0 + i * 15 * MIN));
    let now = 0;
    const cache = new ForecastCache(warehouse, {
      ttlMs: 10 * MIN,
      aheadMs: 24 * 60 * MIN,
      maxSeries: 10,
      now: () => now,
    });
    expect((await cache.forTimes('d', 'm', [T0, T0 + 15 * MIN])).size).toBe(96 + 1);
    expect(warehouse.reads).toEqual([[new Date(T0).toISOString(), new Date(T0 + 24 * 60 * MIN).toISOString()]]);
    await cache.forTimes('d', 'm', [T0 + 30 * MIN]);
    expect(warehouse.reads).toHaveLength(1);
    now += 10 * MIN; // stale: read again
    await cache.forTimes('d', 'm', [T0 + 45 * MIN]);
    expect(warehouse.reads).toHaveLength(2);
  });

  it('reads again for a value the window has no forecast for: one issued since, or none at all', async () => {
    const warehouse = store([T0]);
    const cache = new ForecastCache(warehouse, { ttlMs: 10 * MIN, aheadMs: 60 * MIN, maxSeries: 10, now: () => 0 });
    await cache.forTimes('d', 'm', [T0]);
    warehouse.targets.push(T0 + 15 * MIN); // a forecast tick wrote it after the first read
    expect((await cache.forTimes('d', 'm', [T0 + 15 * MIN])).has(T0 + 15 * MIN)).toBe(true);
    expect(warehouse.reads).toHaveLength(2);
    expect((await cache.forTimes('d', 'm', [T0 + 30 * MIN])).has(T0 + 30 * MIN)).toBe(false);
    expect(warehouse.reads).toHaveLength(3);
  });
});
