import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_COMMAND } from '../../functions/local/host.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const MACHINES = 12;
const START_MS = Date.UTC(2026, 0, 5, 6);
const MIN = 60_000;
const DEVICES = Array.from({ length: MACHINES }, (_, m) => `sim-plant/machine-${String(m + 1).padStart(2, '0')}`);
/** A device last heard from 8 days before: gone (decommissioned), not an outage. */
const GONE = 'sim-plant/machine-99';

function readingsAt(minutes: readonly number[], devices: readonly string[] = DEVICES) {
  return minutes.flatMap((minute) =>
    devices.map((deviceId, m) => ({
      deviceId,
      ts: new Date(START_MS + minute * MIN).toISOString(),
      metrics: { power_kw: 300 + 10 * m, temperature_c: 45 },
    })),
  );
}

interface Body {
  incident: { id: string; kind: string; change: string; devices: string[] };
}

let stack: TestStack;
let hook: WebhookReceiver<Body>;
/** The notify function's wall clock. */
let nowMs = START_MS;

async function publishReadings(minutes: readonly number[], devices?: readonly string[]): Promise<void> {
  stack.router.publish('readings', [{ data: Buffer.from(JSON.stringify({ readings: readingsAt(minutes, devices) })) }]);
  await stack.router.idle();
}

async function sweepAt(ms: number): Promise<void> {
  nowMs = ms;
  stack.router.publish('alerts', [{ data: Buffer.from(SWEEP_COMMAND) }]);
  await stack.router.idle();
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

beforeAll(async () => {
  hook = await startWebhookReceiver<Body>();
  const url = hook.url;
  // Default settings: silent after 15 min, storm at 3 devices in 10 min.
  stack = await startTestStack(
    { subscribe: ['ingest', 'notify'], alertsSweepMs: 0, now: () => nowMs },
    { KILOWATCH_WEBHOOKS: `json=${url}` },
  );
}, 60_000);

afterAll(async () => {
  await stack.stop();
  await hook.close();
});

describe('data outage end to end (router, ingest, notify sweeps; real webhook)', () => {
  it('12 machines going silent are one storm:silent notification naming them; readings back resolve it', async () => {
    await publishReadings([-8 * 1440], [GONE]);
    await publishReadings(range(0, 30));
    const stored = await stack.sql('SELECT count(DISTINCT device_id) AS n FROM readings');
    expect(Number(stored[0]?.n)).toBe(MACHINES + 1);

    // Reporting: a sweep a minute after the last readings finds nothing.
    await sweepAt(START_MS + 30 * MIN);
    expect(hook.bodies).toEqual([]);

    // The plant goes quiet: 20 minutes after the last readings, one storm names every machine.
    await sweepAt(START_MS + 49 * MIN);
    expect(hook.bodies.map((b) => [b.incident.kind, b.incident.change])).toEqual([['storm:silent', 'opened']]);
    const storm = hook.bodies[0]?.incident;
    expect(storm?.devices).toEqual(DEVICES);
    // Later sweeps while it lasts, past the group wait, add nothing: no notification per machine.
    await sweepAt(START_MS + 55 * MIN);
    expect(hook.bodies).toHaveLength(1);

    // Readings again: the next sweep resolves the storm.
    await publishReadings(range(60, 63));
    await sweepAt(START_MS + 63 * MIN);
    expect(hook.bodies.map((b) => [b.incident.id, b.incident.kind, b.incident.change])).toEqual([
      [storm?.id, 'storm:silent', 'opened'],
      [storm?.id, 'storm:silent', 'auto_resolved'],
    ]);

    const latest = await stack.sql(
      `SELECT kind, change, state, devices, group_id FROM incidents
       QUALIFY version = max(version) OVER (PARTITION BY incident_id)`,
    );
    expect(latest.filter((r) => r.kind === 'storm:silent')).toHaveLength(1);
    // The machines that went silent before the storm formed were folded into it; the retired one never alerted.
    for (const r of latest.filter((r) => r.kind === 'silent'))
      expect(r).toMatchObject({ change: 'grouped', group_id: storm?.id });
    expect(latest.flatMap((r) => r.devices as string[])).not.toContain(GONE);
  });
});
