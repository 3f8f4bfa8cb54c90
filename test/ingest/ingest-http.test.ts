import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateEnergy } from '../../shared/readings/clean/energy-meter.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const STEEL = 'steel-plant/main-meter';
const MACHINE = 'sim-plant/machine-07';

function steel(local: string, usage: number | null, extra: Record<string, number | null> = {}) {
  return {
    deviceId: STEEL,
    ts: local,
    metrics: {
      usage_kwh: usage,
      lagging_reactive_kvarh: 2.95,
      leading_reactive_kvarh: 0,
      co2_t: 0,
      lagging_pf: 73.21,
      leading_pf: 100,
      ...extra,
    },
  };
}

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack.stop();
});

async function rowsOf(deviceId: string) {
  return stack.sql(
    `SELECT metric, value, unit, original_value, original_unit, status, flags, strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ts
                    FROM readings WHERE device_id = $d ORDER BY ts, metric`,
    { d: deviceId },
  );
}

describe('ingest over HTTP into DuckDB', () => {
  it('stores a plant-local reading in UTC with every metric, accepted', async () => {
    stack.publish(steel('01/01/2018 00:15', 3.17));
    await stack.router.idle();
    const rows = await rowsOf(STEEL);
    expect(rows).toHaveLength(6);
    const usage = rows.find((r) => r.metric === 'usage_kwh')!;
    // 00:15 in Seoul (UTC+9) is 15:15 UTC the day before.
    expect(usage).toMatchObject({
      ts: '2017-12-31T15:15:00Z',
      value: 3.17,
      unit: 'kWh',
      status: 'accepted',
      flags: [],
    });
  });

  it('repairs a missing energy value from reactive energy and power factor', async () => {
    stack.publish(steel('01/01/2018 00:30', null, { lagging_reactive_kvarh: 4.46, lagging_pf: 66.77 }));
    await stack.router.idle();
    const [usage] = await stack.sql(
      `SELECT value, original_value, status, flags FROM readings WHERE device_id = $d AND metric = 'usage_kwh' AND ts = '2017-12-31T15:30:00Z'`,
      { d: STEEL },
    );
    const physics = estimateEnergy({ laggingKvarh: 4.46, laggingPf: 66.77, leadingKvarh: 0, leadingPf: 100 })!.kwh;
    expect(usage).toMatchObject({ status: 'repaired', original_value: null, flags: ['missing', 'imputed'] });
    expect(usage!.value as number).toBeCloseTo(physics, 2);
    expect(Math.abs((usage!.value as number) - 4.0)).toBeLessThan(0.05); // the published value was 4.00
  });

  it('flags an energy value the other metrics contradict (a tampered meter)', async () => {
    stack.publish(steel('01/01/2018 00:45', 9.5, { lagging_reactive_kvarh: 4.46, lagging_pf: 66.77 }));
    await stack.router.idle();
    const [usage] = await stack.sql(
      `SELECT flags FROM readings WHERE device_id = $d AND metric = 'usage_kwh' AND ts = '2017-12-31T15:45:00Z'`,
      { d: STEEL },
    );
    expect(usage!.flags).toContain('inconsistent');
  });

  it('converts unit variants to canonical units and records the original', async () => {
    stack.publish({
      deviceId: MACHINE,
      ts: 1_700_000_000,
      metrics: { power_kw: 125_000, temperature_c: 212, vibration_mm_s: 2.5 },
      units: { power_kw: 'W', temperature_c: '°F' },
    });
    await stack.router.idle();
    const rows = await rowsOf(MACHINE);
    const power = rows.find((r) => r.metric === 'power_kw')!;
    const temp = rows.find((r) => r.metric === 'temperature_c')!;
    expect(power).toMatchObject({
      value: 125,
      unit: 'kW',
      original_value: 125_000,
      original_unit: 'W',
      flags: ['unit_converted'],
    });
    expect(temp.value as number).toBeCloseTo(100, 9);
    expect(temp).toMatchObject({ unit: '°C', original_unit: '°F', flags: ['unit_converted'] });
    expect(power.ts).toBe('2023-11-14T22:13:20Z');
  });

  it('accepts every timestamp form devices send', async () => {
    const device = 'sim-plant/machine-ts';
    stack.publish({
      readings: [
        { deviceId: device, ts: '2024-03-01T10:00:00+01:00', metrics: { power_kw: 1 } },
        { deviceId: device, ts: 1709283660, metrics: { power_kw: 2 } },
        { deviceId: device, ts: 1709283720000, metrics: { power_kw: 3 } },
        { deviceId: device, ts: '01/03/2024 10:03', metrics: { power_kw: 4 } },
      ],
    });
    await stack.router.idle();
    const rows = await rowsOf(device);
    // Berlin is UTC+1 in March: plant-local 10:03 is 09:03 UTC.
    expect(rows.map((r) => [r.ts, r.value])).toEqual([
      ['2024-03-01T09:00:00Z', 1],
      ['2024-03-01T09:01:00Z', 2],
      ['2024-03-01T09:02:00Z', 3],
      ['2024-03-01T09:03:00Z', 4],
    ]);
  });
});

describe('rejections name the field and what would be accepted', () => {
  it('records each bad reading of a batch in rejected, with the payload, and keeps the good ones', async () => {
    const device = 'sim-plant/machine-rej';
    const batch = {
      readings: [
        { deviceId: device, ts: '2024-01-01T00:00:00Z', metrics: { power_kw: 10 } },
        { deviceId: 'nobody/knows', ts: '2024-01-01T00:00:00Z', metrics: { power_kw: 10 } },
        { deviceId: device, ts: 'yesterday', metrics: { power_kw: 10 } },
        { deviceId: device, ts: '2024-01-01T00:01:00Z', metrics: { power_kw: 11, colour: 3 } },
        { deviceId: device, ts: '2024-01-01T00:02:00Z', metrics: { power_kw: 12 }, units: { power_kw: 'furlongs' } },
        { deviceId: device, ts: '2024-01-01T00:03:00Z', metrics: { power_kw: '12' } },
        { deviceId: device, ts: '31/02/2024 10:00', metrics: { power_kw: 12 } },
      ],
    };
    const [messageId] = stack.publish(batch);
    await stack.router.idle();
    const rejected = await stack.sql(
      `SELECT reading_index, metric, reason, detail, payload FROM rejected WHERE message_id = $m ORDER BY reading_index, metric`,
      { m: messageId! },
    );
    expect(rejected.map((r) => [Number(r.reading_index), r.reason])).toEqual([
      [1, 'unknown_device'],
      [2, 'invalid_timestamp'],
      [3, 'unknown_metric'],
      [4, 'unit_mismatch'],
      [5, 'invalid_reading'],
      [6, 'invalid_timestamp'],
    ]);
    const detail = (i: number) => String(rejected[i]!.detail);
    expect(detail(0)).toMatch(/deviceId: 'nobody\/knows' is not in the device registry/);
    expect(detail(1)).toMatch(/^ts: unrecognised timestamp 'yesterday'; accepted: ISO 8601/);
    expect(detail(2)).toMatch(
      /^metrics: colour is not a metric of sim-plant\/machine-rej; accepted: power_kw, temperature_c/,
    );
    expect(detail(3)).toMatch(/^units\.power_kw: 'furlongs' cannot be converted to kW; accepted: mW, W, kW, MW, GW/);
    expect(detail(4)).toMatch(/^metrics\.power_kw: must be a finite number or null/);
    expect(detail(5)).toMatch(/not a valid calendar date/);
    expect(JSON.parse(String(rejected[0]!.payload))).toEqual(batch.readings[1]);
    const stored = await rowsOf(device);
    expect(stored.map((r) => r.value)).toEqual([10, 11]);
  });
});

describe('at-least-once delivery', () => {
  it('stores nothing twice when Pub/Sub redelivers the same message', async () => {
    const device = 'sim-plant/machine-redeliver';
    const body = {
      readings: [0, 1, 2].map((i) => ({
        deviceId: device,
        ts: 1_700_000_000 + i * 60,
        metrics: { power_kw: 5 + i, temperature_c: 40 },
      })),
    };
    const envelope = {
      message: {
        data: Buffer.from(JSON.stringify(body)).toString('base64'),
        messageId: 'redelivered-1',
        publishTime: new Date().toISOString(),
      },
      subscription: 'projects/p/subscriptions/s',
    };
    const publishedBefore = stack.router.stats.published;
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await fetch(stack.ingestUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ce-specversion': '1.0',
          'ce-id': 'redelivered-1',
          'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
          'ce-source': '//pubsub.googleapis.com/projects/p/topics/readings',
        },
        body: JSON.stringify(envelope),
      });
      expect(response.status).toBeLessThan(300);
    }
    const [counts] = await stack.sql(
      `SELECT (SELECT count(*) FROM readings WHERE device_id = $d) AS stored, (SELECT count(*) FROM rejected WHERE device_id = $d) AS rejected`,
      { d: device },
    );
    expect(Number(counts!.stored)).toBe(6);
    expect(Number(counts!.rejected)).toBe(0);
    // Each delivery publishes the rows to readings-clean again, in case the first one stored but did not publish.
    expect(stack.router.stats.published - publishedBefore).toBe(3);
  });

  it('rejects a device re-sending a reading as duplicate, and a changed value as conflict keeping the first', async () => {
    const device = 'sim-plant/machine-dup';
    const reading = { deviceId: device, ts: '2024-05-01T00:00:00Z', metrics: { power_kw: 7 } };
    stack.publish(reading);
    await stack.router.idle();
    const [second] = stack.publish(reading);
    await stack.router.idle();
    const [third] = stack.publish({ ...reading, metrics: { power_kw: 8 } });
    await stack.router.idle();
    const rejected = await stack.sql(
      `SELECT message_id, reason, detail FROM rejected WHERE device_id = $d ORDER BY reason`,
      { d: device },
    );
    expect(rejected.map((r) => [r.message_id, r.reason])).toEqual([
      [third, 'conflict'],
      [second, 'duplicate'],
    ]);
    expect(String(rejected[0]!.detail)).toMatch(/^power_kw: 8 differs from 7 stored first/);
    expect((await rowsOf(device)).map((r) => r.value)).toEqual([7]);
  });
});

describe('envelopes as Google sends them', () => {
  const device = 'sim-plant/machine-envelope';
  const data = (minute: number) =>
    Buffer.from(
      JSON.stringify({ deviceId: device, ts: `2024-06-01T00:0${minute}:00Z`, metrics: { power_kw: minute } }),
    ).toString('base64');

  it('takes structured CloudEvents, snake_case message fields and plain push bodies', async () => {
    const structured = await fetch(stack.ingestUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'structured-1',
        type: 'google.cloud.pubsub.topic.v1.messagePublished',
        source: '//pubsub.googleapis.com/projects/p/topics/readings',
        datacontenttype: 'application/json',
        data: {
          message: { data: data(1), message_id: 'structured-1', publish_time: '2024-06-01T00:01:00Z' },
          subscription: 's',
        },
      }),
    });
    expect(structured.status).toBeLessThan(300);
    const plainPush = await fetch(`${stack.ingestUrl}projects/p/topics/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message: { data: data(2), messageId: 'push-2', publishTime: '2024-06-01T00:02:00Z' },
        subscription: 'projects/p/subscriptions/s',
      }),
    });
    expect(plainPush.status).toBeLessThan(300);
    const rows = await stack.sql(`SELECT value, message_id FROM readings WHERE device_id = $d ORDER BY ts`, {
      d: device,
    });
    expect(rows).toEqual([
      { value: 1, message_id: 'structured-1' },
      { value: 2, message_id: 'push-2' },
    ]);
  });
});

describe('function ports', () => {
  it('answer anything but a push POST with 405 in JSON, naming what they accept', async () => {
    for (const url of [stack.ingestUrl, stack.scoreUrl, stack.forecastUrl]) {
      const response = await fetch(url);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(response.headers.get('content-type')).toBe('application/json');
      const body = (await response.json()) as { error: { code: number; message: string } };
      expect(body.error.code).toBe(405);
      expect(body.error.message).toMatch(
        /^GET is not accepted here: POST of Pub\/Sub push deliveries from subscription /,
      );
    }
  });
});
