import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableId } from '../../shared/readings/ids.js';
import { readings, type ReadingRow } from '../../shared/warehouse/schema/tables.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const DAY = 1440;
let stack: TestStack;

/** A week of a machine whose vibration climbs 2 mm/s over its last day. */
function worn(device: string): ReadingRow[] {
  return Array.from({ length: 7 * DAY }, (_, i) => {
    const ts = new Date(T0 + i * MIN).toISOString();
    const value = 2 + 0.2 * (Math.sin(i * 12.9898) % 1) + (i >= 6 * DAY ? (2 * (i - 6 * DAY)) / DAY : 0);
    return {
      reading_id: stableId('r', device, ts),
      device_id: device,
      ts,
      metric: 'vibration_mm_s',
      value,
      unit: 'mm/s',
      original_value: null,
      original_unit: null,
      status: 'accepted' as const,
      flags: [],
      message_id: 'm',
      seq: null,
      ingested_at: ts,
    };
  });
}

beforeAll(async () => {
  stack = await startTestStack({ subscribe: ['recommend'], alertsSweepMs: 0 });
  await stack.warehouse.insert(readings, worn('plant-r/m1'));
}, 60_000);

afterAll(async () => {
  await stack.stop();
});

describe('recommend function and kilowatch recommend (local stack)', () => {
  it('a maintenance tick stores one recommendation per machine; a bad tick is ignored', async () => {
    stack.router.publish('maintenance-tick', [
      { data: Buffer.from(JSON.stringify({ asOf: 'latest' })) },
      { data: Buffer.from('{"asOf": 5}') },
    ]);
    await stack.router.idle();
    const rows = await stack.sql('SELECT device_id, risk, urgency, actions FROM recommendations');
    expect(rows).toEqual([
      {
        device_id: 'plant-r/m1',
        risk: 2n,
        urgency: 'days',
        actions: [expect.stringMatching(/bearing/), expect.stringMatching(/calibration/)],
      },
    ]);
  });

  it('kilowatch recommend asks the running host: text by default, --json with the evidence', async () => {
    const run = promisify(execFile);
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('KILOWATCH_') && !k.startsWith('PUBSUB_')),
    );
    const env = { ...clean, KILOWATCH_LOCAL_PORT: String(stack.routerPort), KILOWATCH_DATA_DIR: stack.dir };
    const text = (
      await run('node', ['bin/kilowatch.js', 'recommend', '--device', 'plant-r/m1'], { env, timeout: 60_000 })
    ).stdout;
    expect(text).toMatch(/^plant-r\/m1 as of .*: risk 2 \(elevated\), act within days/);
    expect(text).toMatch(/evidence: vibration-rising: drift_z\.vibration_mm_s = \d/);
    const json = JSON.parse(
      (await run('node', ['bin/kilowatch.js', 'recommend', '--json', '--no-store'], { env, timeout: 60_000 })).stdout,
    ) as Array<{ evidence: { signals: Record<string, number> } }>;
    expect(json[0]?.evidence.signals['drift_z.vibration_mm_s']).toBeGreaterThan(2.5);
    await expect(
      run('node', ['bin/kilowatch.js', 'recommend', '--device', 'nope'], { env, timeout: 60_000 }),
    ).rejects.toThrow(/nope/);
  }, 120_000);
});
