import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_COMMAND } from '../../functions/local/host.js';
import { Rng } from '../../shared/simulate/prng.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const MACHINES = 12;
const START_MS = Date.UTC(2026, 0, 5, 6);
const MIN = 60_000;
/** Minutes: the detectors learn 388 values per series, then the whole plant stops for 20 minutes. */
const STOP_AT = 420;
const STOP_FOR = 20;
const END = 520;

/**
 * A machine at a steady load with measurement noise (the detectors stay quiet on it: what is tested is storm
 * control, not detection); stopped, every metric the registry reads zero when off is zero and runtime stops.
 */
function reading(rng: Rng, machine: number, minute: number) {
  const stopped = minute >= STOP_AT && minute < STOP_AT + STOP_FOR;
  const ran = Math.min(minute, STOP_AT) + Math.max(0, minute - STOP_AT - STOP_FOR);
  const noisy = (level: number, sd: number) => Number((level + sd * rng.normal()).toFixed(3));
  return {
    deviceId: `sim-plant/machine-${String(machine).padStart(2, '0')}`,
    ts: new Date(START_MS + minute * MIN).toISOString(),
    metrics: {
      power_kw: stopped ? 0 : noisy(300 + 10 * machine, 4),
      temperature_c: noisy(stopped ? 35 : 45, 0.3),
      vibration_mm_s: stopped ? 0 : noisy(2, 0.08),
      production_units: stopped ? 0 : Math.round(noisy(80, 6)),
      runtime_h: Number((1000 + ran / 60).toFixed(3)),
    },
  };
}

interface Body {
  incident: { id: string; kind: string; change: string; devices: string[] };
}

let stack: TestStack;
let hook: WebhookReceiver<Body>;

beforeAll(async () => {
  hook = await startWebhookReceiver<Body>();
  const url = hook.url;
  // Default lifecycle settings: storm at 3 devices in 10 min, a 2-minute group wait, resolved after 30 normal minutes.
  stack = await startTestStack(
    { subscribe: ['ingest', 'score', 'notify'], alertsSweepMs: 0 },
    { KILOWATCH_WEBHOOKS: `json=${url}` },
  );

  const rng = new Rng(7);
  const readings = Array.from({ length: END }, (_, minute) =>
    Array.from({ length: MACHINES }, (_, m) => reading(rng, m + 1, minute)),
  ).flat();
  // Ten minutes of every machine per message, in order (one ordering key), as a plant gateway sends them.
  const messages = [];
  for (let i = 0; i < readings.length; i += 10 * MACHINES)
    messages.push({
      data: Buffer.from(JSON.stringify({ readings: readings.slice(i, i + 10 * MACHINES) })),
      orderingKey: 'gw',
    });
  stack.router.publish('readings', messages);
  await stack.router.idle();
  stack.router.publish('alerts', [{ data: Buffer.from(SWEEP_COMMAND) }]);
  await stack.router.idle();
}, 240_000);

afterAll(async () => {
  await stack.stop();
  await hook.close();
});

describe('storm control end to end (simulated plant through router, ingest, score, notify; real webhook)', () => {
  it('a plant-wide stop of 12 machines is one storm incident, notified once when opened and once when resolved', async () => {
    // Ingest flagged the stop; score raised one shutdown alert per machine, at the stop.
    const stops = await stack.sql(`SELECT device_id, ts FROM alerts WHERE kind = 'shutdown' ORDER BY device_id`);
    expect(stops).toHaveLength(MACHINES);
    expect(new Set(stops.map((s) => new Date(s.ts as string).getTime()))).toEqual(new Set([START_MS + STOP_AT * MIN]));

    const latest = await stack.sql(
      `SELECT incident_id, kind, change, state, devices, group_id, opened_at::VARCHAR AS opened_at FROM incidents
       QUALIFY version = max(version) OVER (PARTITION BY incident_id)`,
    );
    const storms = latest.filter((r) => r.kind === 'storm:shutdown');
    expect(storms).toHaveLength(1);
    const storm = storms[0] as {
      incident_id: string;
      devices: string[];
      state: string;
      change: string;
      opened_at: string;
    };
    expect(new Date(storm.opened_at).getTime()).toBe(START_MS + STOP_AT * MIN);
    expect(storm.devices).toHaveLength(MACHINES);
    // Resolved by the sweep once the restarted machines were scored normal for the stretch.
    expect([storm.state, storm.change]).toEqual(['resolved', 'auto_resolved']);
    // The machines that stopped before the storm formed were folded into it; no other incident of the stop.
    const shutdowns = latest.filter((r) => r.kind === 'shutdown');
    expect(shutdowns.length).toBeLessThan(3);
    for (const s of shutdowns) expect(s).toMatchObject({ change: 'grouped', group_id: storm.incident_id });

    // People heard of the stop once when it began and once when the plant was back (the detectors' own anomalies
    // on the machines are incidents of another kind, with storms of their own): nothing per machine.
    const ofTheStop = hook.bodies.filter((b) => b.incident.kind.endsWith('shutdown'));
    expect(ofTheStop.map((b) => [b.incident.id, b.incident.change])).toEqual([
      [storm.incident_id, 'opened'],
      [storm.incident_id, 'auto_resolved'],
    ]);
    // Opened as the third machine stopped; the resolution names them all.
    expect(ofTheStop[0]?.incident.devices).toHaveLength(3);
    expect(ofTheStop[1]?.incident.devices).toHaveLength(MACHINES);
  });
});
