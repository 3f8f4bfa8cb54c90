import { describe, expect, it } from 'vitest';
import { DeviceRegistry, registryFile } from '../../shared/devices/registry.js';
import { ReadingCleaner } from '../../shared/readings/clean/cleaner.js';
import { DeviceState } from '../../shared/readings/clean/device-state.js';
import { decodeMessage } from '../../shared/readings/decode.js';
import { parseTimestamp } from '../../shared/readings/timestamps.js';
import { conversionTo } from '../../shared/readings/units.js';

const registry = DeviceRegistry.fromFile('data/devices.json');
const NOW = Date.UTC(2024, 11, 1);

function cleanOne(reading: unknown, state = new DeviceState(32, 10_000), messageId = 'm1') {
  const cleaner = new ReadingCleaner(registry, { futureToleranceS: 300, futureRejectS: 86_400 });
  return cleaner.clean([reading], { messageId, receivedAt: NOW }, () => state);
}

const machine = (
  ts: string | number,
  metrics: Record<string, number | null> = { power_kw: 1 },
  units?: Record<string, string>,
) => ({
  deviceId: 'sim-plant/machine-01',
  ts,
  metrics,
  ...(units ? { units } : {}),
});

describe('timestamps', () => {
  it.each([
    [Number('9999999999999999'), /after the year 9999/],
    [1e15, /after the year 9999/],
    ['9999999999999999', /after the year 9999/],
    ['2024-02-30T00:00:00Z', /not a valid calendar date/],
    ['2023-02-29T00:00:00+01:00', /not a valid calendar date/],
    ['2024-01-01T00:00:00+25:00', /not a valid calendar date, time and offset/],
  ])('refuses %s as invalid_timestamp', (ts, reason) => {
    const parsed = parseTimestamp(ts, 'UTC');
    expect(parsed).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });

  it('reads years 0-99 as such, not as 1900-1999', () => {
    expect(parseTimestamp('01/01/0050 00:00', 'UTC')).toEqual({ ok: true, ms: Date.parse('0050-01-01T00:00:00Z') });
    expect(parseTimestamp('0000-02-29T12:00:00Z', 'UTC')).toEqual({ ok: true, ms: Date.parse('0000-02-29T12:00:00Z') });
  });

  it('names both instants of a wall-clock time in the repeated autumn hour, and how to send it', () => {
    const parsed = parseTimestamp('2024-10-27T02:30:00', 'Europe/Berlin');
    expect(parsed).toMatchObject({ ok: false, code: 'ambiguous_local_time' });
    const reason = parsed.ok ? '' : parsed.reason;
    expect(reason).toContain('2024-10-27T00:30:00.000Z (UTC+02:00)');
    expect(reason).toContain('2024-10-27T01:30:00.000Z (UTC+01:00)');
    expect(reason).toContain("send the offset, e.g. '2024-10-27T02:30:00+02:00'");
    expect(parseTimestamp('27/10/2024 02:00', 'Europe/Berlin')).toMatchObject({
      ok: false,
      code: 'ambiguous_local_time',
    });
  });

  it('refuses a wall-clock time the spring change skipped, and reads the hours around both changes', () => {
    const gap = parseTimestamp('2024-03-31T02:30', 'Europe/Berlin');
    expect(gap).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    expect(gap.ok ? '' : gap.reason).toMatch(/does not exist in Europe\/Berlin: the clocks went forward/);
    expect(parseTimestamp('2024-03-31T01:59', 'Europe/Berlin')).toEqual({
      ok: true,
      ms: Date.parse('2024-03-31T00:59:00Z'),
    });
    expect(parseTimestamp('2024-03-31T03:00', 'Europe/Berlin')).toEqual({
      ok: true,
      ms: Date.parse('2024-03-31T01:00:00Z'),
    });
    expect(parseTimestamp('2024-10-27T01:59', 'Europe/Berlin')).toEqual({
      ok: true,
      ms: Date.parse('2024-10-26T23:59:00Z'),
    });
    expect(parseTimestamp('2024-10-27T03:00', 'Europe/Berlin')).toEqual({
      ok: true,
      ms: Date.parse('2024-10-27T02:00:00Z'),
    });
  });
});

describe('the timestamp floor', () => {
  it.each([
    // Berlin kept local mean time (+00:53:28) before time zones.
    ['year 0050, plant-local', '01/01/0050 00:00', '0049-12-31T23:06:32'],
    ['year 0', '0000-06-01T00:00:00Z', '0000-06-01T'],
    ['1900', '1900-01-01T00:00:00Z', '1900-01-01T'],
    ['epoch 0', 0, '1970-01-01T'],
    ['the last second before the floor', '1999-12-31T23:59:59Z', '1999-12-31T23:59:59'],
  ])('rejects %s naming the floor', (_name, ts, instant) => {
    const { rows, rejected } = cleanOne(machine(ts));
    expect(rows).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBe('invalid_timestamp');
    expect(rejected[0]!.detail).toContain(instant);
    expect(rejected[0]!.detail).toContain(
      'before 2000-01-01T00:00:00.000Z, the earliest time accepted for sim-plant/machine-01 (registry tsFloor)',
    );
  });

  it('is set per device in the registry', () => {
    const spec = registryFile.parse({
      devices: [
        {
          deviceId: 'old/meter',
          site: 'old-site',
          type: 'sensor',
          timezone: 'UTC',
          intervalSeconds: 60,
          metrics: { power_kw: { unit: 'kW', min: 0, max: 1 } },
          tsFloor: '1990-01-01T00:00:00Z',
        },
      ],
    });
    const cleaner = new ReadingCleaner(new DeviceRegistry(spec.devices, spec.tsFloor), {
      futureToleranceS: 300,
      futureRejectS: 86_400,
    });
    const state = new DeviceState(32, 100);
    const ok = cleaner.clean(
      [{ deviceId: 'old/meter', ts: '1995-01-01T00:00:00Z', metrics: { power_kw: 0.5 } }],
      { messageId: 'a', receivedAt: NOW },
      () => state,
    );
    const old = cleaner.clean(
      [{ deviceId: 'old/meter', ts: '1989-01-01T00:00:00Z', metrics: { power_kw: 0.5 } }],
      { messageId: 'b', receivedAt: NOW },
      () => state,
    );
    expect(ok.rows).toHaveLength(1);
    expect(old.rejected[0]!.detail).toContain('before 1990-01-01T00:00:00.000Z');
    expect(() => registryFile.parse({ ...spec, tsFloor: '1960-01-01T00:00:00Z' })).toThrow(/1970/);
  });
});

describe('units follow SI case', () => {
  it.each([
    ['kW', 'mW', 1e-6],
    ['kW', 'MW', 1e3],
    ['kWh', 'mWh', 1e-6],
    ['kWh', 'MWh', 1e3],
    ['V', 'mV', 1e-3],
    ['V', 'MV', 1e6],
    ['A', 'mA', 1e-3],
    ['A', 'MA', 1e6],
    ['bar', 'mPa', 1e-8],
    ['bar', 'MPa', 10],
    ['kW', 'KW', 1],
    ['kWh', 'KWH', 1],
    ['°C', 'celsius', 1],
  ])('%s from %s scales by %s', (canonical, sent, scale) => {
    const conversion = conversionTo(canonical, sent);
    expect(conversion.ok).toBe(true);
    if (conversion.ok) expect(conversion.convert(1)).toBeCloseTo(scale, 12);
  });

  it.each([
    ['kW', 'mw'],
    ['kWh', 'mwh'],
    ['V', 'mv'],
    ['bar', 'mpa'],
  ])('refuses the ambiguous %s spelling %s', (canonical, sent) => {
    const conversion = conversionTo(canonical, sent);
    expect(conversion.ok).toBe(false);
    expect(conversion.ok ? [] : conversion.ambiguous).toHaveLength(2);
  });

  it('rejects an ambiguous unit as unit_mismatch naming both readings of it', () => {
    const { rows, rejected } = cleanOne(
      machine('2024-06-01T00:00:00Z', { power_kw: 5, vibration_mm_s: 1 }, { power_kw: 'mw' }),
    );
    expect(rows.map((r) => r.metric)).toEqual(['vibration_mm_s']);
    expect(rejected).toMatchObject([{ reason: 'unit_mismatch', metric: 'power_kw' }]);
    expect(rejected[0]!.detail).toBe("units.power_kw: 'mw' is ambiguous (mW or MW): write the unit in SI case");
  });
});

describe('values that are not numbers after conversion', () => {
  it('rejects a value that overflows on conversion, storing the others', () => {
    const { rows, rejected } = cleanOne(
      machine('2024-06-01T00:00:00Z', { power_kw: 1e306, vibration_mm_s: 2 }, { power_kw: 'MW' }),
    );
    expect(rows.map((r) => [r.metric, r.value])).toEqual([['vibration_mm_s', 2]]);
    expect(rejected).toMatchObject([{ reason: 'invalid_reading', metric: 'power_kw' }]);
    expect(rejected[0]!.detail).toMatch(
      /^metrics\.power_kw: 1e\+306 MW is beyond the largest number a float holds in kW/,
    );
  });

  it('never imputes an infinite energy value from absurd reactive energy', () => {
    const { rows } = cleanOne({
      deviceId: 'steel-plant/main-meter',
      ts: '2024-06-01T00:00:00Z',
      metrics: {
        usage_kwh: null,
        lagging_reactive_kvarh: 1e308,
        lagging_pf: 99.9,
        leading_reactive_kvarh: 0,
        leading_pf: 100,
        co2_t: 0,
      },
    });
    expect(rows.every((r) => r.value === null || Number.isFinite(r.value))).toBe(true);
  });
});

describe('untrusted keys', () => {
  it.each(['__proto__', 'constructor', 'prototype', 'hasOwnProperty'])(
    'rejects a metric named %s as unknown_metric, keeping the others',
    (name) => {
      const raw = `{"deviceId":"sim-plant/machine-01","ts":"2024-06-01T00:00:00Z","metrics":{"${name}":5,"power_kw":1},"units":{"${name}":"kW"}}`;
      const { rows, rejected } = cleanOne(JSON.parse(raw));
      expect(rows.map((r) => r.metric)).toEqual(['power_kw']);
      expect(rejected).toMatchObject([{ reason: 'unknown_metric', metric: name }]);
      expect(rejected[0]!.detail).toMatch(
        new RegExp(`^metrics: ${name} is not a metric of sim-plant/machine-01; accepted: power_kw,`),
      );
    },
  );

  it('rejects a reading of unknown metrics with one row listing them, the payload stored once', () => {
    const metrics = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`bogus_${i}`, i]));
    const { rejected } = cleanOne(machine('2024-06-01T00:00:00Z', metrics));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ reason: 'unknown_metric', metric: null });
    expect(rejected[0]!.detail).toMatch(
      /^metrics: bogus_0, bogus_1, .*bogus_9 and 54 more are not metrics of sim-plant\/machine-01/,
    );
  });

  it('stores the payload of a reading rejected metric by metric once, the other rows pointing to it', () => {
    const units = { power_kw: 'bogus', vibration_mm_s: 'bogus', temperature_c: 'bogus' };
    const { rejected } = cleanOne(
      machine('2024-06-01T00:00:00Z', { power_kw: 1, vibration_mm_s: 1, temperature_c: 1 }, units),
    );
    expect(rejected).toHaveLength(3);
    expect(JSON.parse(rejected[0]!.payload)).toMatchObject({ units });
    for (const row of rejected.slice(1))
      expect(JSON.parse(row.payload)).toEqual({ payloadIn: rejected[0]!.rejected_id });
  });

  it.each([
    'sim-plant/machine-../../etc/passwd',
    'sim-plant/machine-01//x',
    'sim-plant/machine-01/',
    `sim-plant/machine-${'x'.repeat(120)}`,
  ])('rejects the device id %s matched through a family prefix', (deviceId) => {
    const { rows, rejected } = cleanOne({ ...machine('2024-06-01T00:00:00Z'), deviceId });
    expect(rows).toEqual([]);
    expect(rejected).toMatchObject([{ reason: 'invalid_reading' }]);
    expect(rejected[0]!.detail).toMatch(/^deviceId: segments of letters, digits/);
  });
});

describe('duplicates inside one message', () => {
  it('rejects a repeat of a reading in the same batch as duplicate, a different value as conflict', () => {
    const cleaner = new ReadingCleaner(registry, { futureToleranceS: 300, futureRejectS: 86_400 });
    const state = new DeviceState(32, 10_000);
    const batch = [
      machine('2024-06-01T00:00:00Z', { power_kw: 1 }),
      machine('2024-06-01T00:00:00Z', { power_kw: 1 }),
      machine('2024-06-01T00:00:00Z', { power_kw: 2 }),
    ];
    const first = cleaner.clean(batch, { messageId: 'b1', receivedAt: NOW }, () => state);
    expect(first.rows).toHaveLength(1);
    expect(first.rejected.map((r) => [r.reading_index, r.reason, r.detail])).toEqual([
      [1, 'duplicate', 'power_kw: same device, time, metric and value as reading 0 of this message'],
      [2, 'conflict', 'power_kw: 2 differs from 1 stored first (reading 0 of this message); the first is kept'],
    ]);
    // The redelivery of that message stores nothing new and records the same rejections (same ids).
    const again = cleaner.clean(batch, { messageId: 'b1', receivedAt: NOW }, () => state);
    expect(again.rows).toEqual([]);
    expect(again.redelivered).toHaveLength(1);
    expect(again.rejected.map((r) => r.rejected_id)).toEqual(first.rejected.map((r) => r.rejected_id));
  });
});

describe('redelivery of a batch of several devices at one time', () => {
  it('stores nothing twice and rejects nothing', () => {
    const cleaner = new ReadingCleaner(registry, { futureToleranceS: 300, futureRejectS: 86_400 });
    const states = new Map<string, DeviceState>();
    const stateOf = (id: string) => states.get(id) ?? states.set(id, new DeviceState(32, 100)).get(id)!;
    const batch = ['sim-plant/machine-a', 'sim-plant/machine-b'].map((deviceId) => ({
      deviceId,
      ts: '2024-06-01T00:00:00Z',
      metrics: { power_kw: 1 },
    }));
    expect(cleaner.clean(batch, { messageId: 'm', receivedAt: NOW }, stateOf).rows).toHaveLength(2);
    const again = cleaner.clean(batch, { messageId: 'm', receivedAt: NOW }, stateOf);
    expect([again.rows.length, again.redelivered.length, again.rejected]).toEqual([0, 2, []]);
  });
});

describe('message nesting', () => {
  it('rejects a reading nested 10,000 levels deep with a reason', () => {
    const deep = `{"readings":[{"deviceId":"sim-plant/machine-01","ts":1,"metrics":{"power_kw":${'['.repeat(10_000)}${']'.repeat(10_000)}}}]}`;
    const decoded = decodeMessage(Buffer.from(deep), { maxBatch: 10, maxMessageBytes: 1e6 });
    expect(decoded).toMatchObject({ kind: 'rejected', reason: 'invalid_message' });
    if (decoded.kind === 'rejected') {
      expect(decoded.detail).toMatch(/nested more than 16 levels deep/);
      expect(JSON.parse(decoded.payload)).toBe(deep);
    }
  });
});
