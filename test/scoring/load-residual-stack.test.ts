import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOAD_RESIDUAL_PARAMS } from '../../shared/scoring/load-residual.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const DEVICE = 'sim-plant/machine-load';
const T0 = Date.UTC(2024, 0, 1) / 1000;
/** Past the channel's learning rows, with a day to judge. */
const HISTORY = LOAD_RESIDUAL_PARAMS.learnRows + 1440;
const RISE = 6 * 60;
const RISE_C = 8;

/** Shifts of 8 h at full load between 8 h idle; temperature follows power through a 45-minute lag. */
function machine(minutes: number) {
  const rows = [];
  let lagged = 60;
  for (let m = 0; m < minutes; m++) {
    const noise = (k: number) => ((Math.sin(m * 12.9898 + k * 78.233) * 43758.5453) % 1) * 2 - 1;
    const shift = Math.floor(m / 480) % 2 === 1;
    const power = (shift ? 300 : 60) * (1 + 0.02 * noise(1));
    lagged += (power - lagged) * (1 - Math.exp(-1 / 45));
    const rise = m < HISTORY ? 0 : (RISE_C * Math.min(m - HISTORY, RISE)) / RISE;
    rows.push({
      deviceId: DEVICE,
      ts: T0 + m * 60,
      metrics: { power_kw: power, temperature_c: 25 + 0.1 * lagged + 0.3 * noise(2) + rise },
    });
  }
  return rows;
}

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  const rows = machine(HISTORY + RISE);
  for (let i = 0; i < rows.length; i += 120) {
    stack.publish({ readings: rows.slice(i, i + 120) });
    await stack.router.idle();
  }
}, 120_000);

afterAll(async () => {
  await stack.stop();
});

describe('score: the load-residual channel through the stack', () => {
  it('alerts on a slow temperature rise that its load does not explain, not before it', async () => {
    const alerts = await stack.sql(
      `SELECT metric, kind, message, epoch(ts) AS s FROM alerts WHERE device_id = $d AND message LIKE '%(load residual)' ORDER BY ts`,
      { d: DEVICE },
    );
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.metric === 'temperature_c' && a.kind === 'anomaly')).toBe(true);
    const firstMinute = (Number(alerts[0]!.s) - T0) / 60;
    expect(firstMinute).toBeGreaterThanOrEqual(HISTORY);
    expect(firstMinute).toBeLessThan(HISTORY + RISE);
    expect(String(alerts[0]!.message)).toMatch(/°C above what its power_kw explains .*: residual CUSUM .* ≥ 80/);
    const incidents = await stack.sql(`SELECT kind, metrics FROM incidents WHERE devices = [$d]`, { d: DEVICE });
    expect(incidents.some((i) => i.kind === 'anomaly' && (i.metrics as string[]).includes('temperature_c'))).toBe(true);
  }, 30_000);
});
