import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../shared/errors/transient.js';
import type { ForecastCache } from '../../shared/scoring/forecast-residuals.js';
import { scoreCleanReadings } from '../../shared/scoring/score-readings.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const DEVICE = 'sim-plant/machine-rt';
const T0 = Date.UTC(2024, 2, 1);
const iso = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({}, { KILOWATCH_FORECAST_TARGETS: `${DEVICE}:power_kw=steel-forecast` });
  // The score function now holds this device's value and residual series, stepped to minute 9.
  stack.publish({
    readings: Array.from({ length: 10 }, (_, m) => ({ deviceId: DEVICE, ts: iso(m), metrics: { power_kw: 100 + m } })),
  });
  await stack.router.idle();
}, 60_000);

afterAll(async () => {
  await stack.stop();
});

/** A readings-clean message with one power value at `minute`, as ingest publishes it. */
function cleanMessage(minute: number): Uint8Array {
  const reading = {
    readingId: `rt-${minute}`,
    deviceId: DEVICE,
    ts: iso(minute),
    metric: 'power_kw',
    value: 150,
    unit: 'kW',
    flags: [],
  };
  return Buffer.from(JSON.stringify({ readings: [reading] }));
}

describe('score: a message retried after a failed read', () => {
  it('steps its values on the redelivery: a failed forecast read never leaves them counted late', async () => {
    const data = cleanMessage(10);
    let failures = 1;
    const real = stack.scoreDeps.forecasts;
    const flaky = Object.create(real) as ForecastCache;
    flaky.forTimes = (...args) =>
      failures-- > 0 ? Promise.reject(new TransientError('warehouse read timed out')) : real.forTimes(...args);

    await expect(scoreCleanReadings({ ...stack.scoreDeps, forecasts: flaky }, 'retry-1', data)).rejects.toThrow(
      /timed out/,
    );
    const redelivered = await scoreCleanReadings({ ...stack.scoreDeps, forecasts: flaky }, 'retry-1', data);
    expect(redelivered.late).toBe(0);
    expect(redelivered.learning).toBeGreaterThan(0);
  });
});
