import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableId } from '../../shared/readings/ids.js';
import { forecasts, type ForecastRow } from '../../shared/warehouse/schema/tables.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const DEVICE = 'sim-plant/machine-fc';
const T0 = Date.UTC(2024, 2, 1);
/** Past both detectors' 388 learning rows: 212 values and 212 residuals of power scored. */
const HISTORY = 600;
const iso = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

/** The load the forecast expects: a 30-minute production cycle between 90 and 150 kW. */
const expected = (minute: number) => 120 + 30 * Math.sin((2 * Math.PI * minute) / 30);
const noise = (minute: number) => ((Math.sin(minute * 12.9898) * 43758.5453) % 1) * 2;

function reading(minute: number, power = expected(minute) + noise(minute)) {
  return { deviceId: DEVICE, ts: iso(minute), metrics: { power_kw: power, temperature_c: 60 + noise(minute + 7) } };
}

/** A day-ahead forecast issued the day before, as the forecast function writes it. */
function forecastRow(minute: number): ForecastRow {
  const origin = new Date(T0 - 86_400_000).toISOString();
  const p50 = expected(minute);
  return {
    forecast_id: stableId('forecast', DEVICE, 'power_kw', origin, iso(minute), 'test-forecast', '1'),
    device_id: DEVICE,
    metric: 'power_kw',
    issued_at: origin,
    origin,
    target_ts: iso(minute),
    p10: p50 - 5,
    p50,
    p90: p50 + 5,
    model: 'test-forecast',
    model_version: '1',
  };
}

async function publish(stack: TestStack, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 100) {
    stack.publish({ readings: Array.from({ length: Math.min(100, to - start) }, (_, i) => reading(start + i)) });
    await stack.router.idle();
  }
}

async function scores(stack: TestStack, metric: string, signal: string) {
  return stack.sql(
    `SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, score, is_anomaly, score_id
     FROM anomaly_scores WHERE device_id = $d AND metric = $m AND signal = $s ORDER BY ts`,
    { d: DEVICE, m: metric, s: signal },
  );
}

let stack: TestStack;

beforeAll(async () => {
  // The forecast function's targets are the series scored against their forecasts.
  stack = await startTestStack({}, { KILOWATCH_FORECAST_TARGETS: `${DEVICE}:power_kw=steel-forecast` });
  await stack.warehouse.insert(
    forecasts,
    Array.from({ length: HISTORY + 60 }, (_, m) => forecastRow(m)),
  );
  await publish(stack, 0, HISTORY);
}, 60_000);

afterAll(async () => {
  await stack.stop();
});

describe('score: forecast residuals', () => {
  it('scores a forecasted series twice, on its value and on its residual, and others on their value only', async () => {
    const values = await scores(stack, 'power_kw', 'value');
    const residuals = await scores(stack, 'power_kw', 'forecast_residual');
    expect(values).toHaveLength(HISTORY - 388);
    expect(residuals).toHaveLength(HISTORY - 388);
    expect(residuals[0]!.ts).toBe(iso(388));
    expect(new Set(residuals.map((r) => r.score_id)).size).toBe(residuals.length);
    expect(residuals.some((r) => values.some((v) => v.score_id === r.score_id))).toBe(false);
    expect(residuals.filter((r) => r.is_anomaly).length / residuals.length).toBeLessThan(0.02);
    expect(await scores(stack, 'temperature_c', 'forecast_residual')).toHaveLength(0);
    expect(await scores(stack, 'temperature_c', 'value')).toHaveLength(HISTORY - 388);
  });

  it('raises a forecast_breach alert for a value usual for the machine but not for the hour', async () => {
    await publish(stack, HISTORY, 622);
    // Minute 622 is the cycle's trough (about 90 kW expected); 150 kW is the machine's ordinary peak.
    stack.publish({ readings: [reading(622, 150)] });
    await stack.router.idle();
    const [residual] = (await scores(stack, 'power_kw', 'forecast_residual')).filter((r) => r.ts === iso(622));
    expect(residual).toMatchObject({ is_anomaly: true });
    const alerts = await stack.sql(
      `SELECT kind, severity, message FROM alerts WHERE device_id = $d AND ts = $t::TIMESTAMPTZ AND kind = 'forecast_breach'`,
      {
        d: DEVICE,
        t: iso(622),
      },
    );
    expect(alerts).toHaveLength(1);
    expect(String(alerts[0]!.message)).toMatch(
      /^sim-plant\/machine-fc power_kw = 150 kW at .* is 59\.\d+ kW above its forecast \(p50 90\.\d+, 80 % interval 85\.\d+–95\.\d+, test-forecast 1\): score/,
    );
  });

  it('rebuilds a residual series from the warehouse on a cold instance and goes on scoring', async () => {
    stack.scoreDeps.series.invalidate([DEVICE]);
    stack.publish({ readings: [reading(623)] });
    await stack.router.idle();
    expect((await scores(stack, 'power_kw', 'forecast_residual')).filter((r) => r.ts === iso(623))).toHaveLength(1);
  });
});
