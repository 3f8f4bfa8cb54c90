import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../shared/devices/registry.js';
import { ReadingCleaner } from '../../shared/readings/clean/cleaner.js';
import { DeviceState } from '../../shared/readings/clean/device-state.js';
import { parseTimestamp } from '../../shared/readings/timestamps.js';
import { conversionTo } from '../../shared/readings/units.js';

const registry = DeviceRegistry.fromFile('data/devices.json');
const NOW = Date.UTC(2024, 6, 1);

function run(values: Array<Record<string, number | null>>, startMinute = 0, device = 'sim-plant/machine-rules') {
  const cleaner = new ReadingCleaner(registry, { futureToleranceS: 300, futureRejectS: 86_400 });
  const state = new DeviceState(32, 10_000);
  return values.map((metrics, i) => {
    const ts = new Date(Date.UTC(2024, 5, 1, 0, startMinute + i)).toISOString();
    const result = cleaner.clean(
      [{ deviceId: device, ts, metrics }],
      { messageId: `m${i}`, receivedAt: NOW },
      () => state,
    );
    return Object.fromEntries(result.rows.map((r) => [r.metric, r.flags]));
  });
}

const noisy = (i: number) => 100 + 5 * Math.sin(i) + (i % 7) * 0.37;

describe('streaming rules', () => {
  it('flags a spike against the robust statistics of recent history, and not the normal noise', () => {
    const values = Array.from({ length: 40 }, (_, i) => ({ power_kw: i === 30 ? 400 : noisy(i) }));
    const flags = run(values);
    expect(flags[30]!.power_kw).toEqual(['spike']);
    expect(flags.filter((f, i) => i !== 30 && f.power_kw!.length > 0)).toEqual([]);
  });

  it('accepts a genuine step change after the first values instead of flagging forever', () => {
    const values = Array.from({ length: 80 }, (_, i) => ({ power_kw: i < 40 ? noisy(i) : 3 * noisy(i) }));
    const flagged = run(values).map((f) => f.power_kw!.includes('spike'));
    expect(flagged.slice(60).every((f) => !f)).toBe(true);
  });

  it('flags a frozen value once the run reaches stuckAfter, but not a run of zeros', () => {
    const values = Array.from({ length: 12 }, (_, i) => ({
      power_kw: i >= 5 ? 104.2 : noisy(i),
      vibration_mm_s: i >= 3 ? 0 : 1.5 + i / 10,
    }));
    const flags = run(values);
    expect(flags.map((f) => f.power_kw!.includes('stuck'))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(flags.some((f) => f.vibration_mm_s!.includes('stuck'))).toBe(false);
  });

  it('flags shutdown when every off-metric reads zero, out_of_range outside physical limits, missing for null', () => {
    const flags = run([
      { power_kw: 0, vibration_mm_s: 0, production_units: 0, temperature_c: 30 },
      { power_kw: -5, temperature_c: 999, vibration_mm_s: null },
    ]);
    expect(flags[0]).toEqual({
      power_kw: ['shutdown'],
      vibration_mm_s: ['shutdown'],
      production_units: ['shutdown'],
      temperature_c: ['shutdown'],
    });
    expect(flags[1]).toEqual({
      power_kw: ['out_of_range'],
      temperature_c: ['out_of_range'],
      vibration_mm_s: ['missing'],
    });
  });

  it('flags out_of_order and a timestamp a little in the future', () => {
    const cleaner = new ReadingCleaner(registry, { futureToleranceS: 300, futureRejectS: 86_400 });
    const state = new DeviceState(32, 100);
    const clean = (ts: number, id: string) =>
      cleaner.clean(
        [{ deviceId: 'sim-plant/machine-t', ts, metrics: { power_kw: 1 } }],
        { messageId: id, receivedAt: NOW },
        () => state,
      ).rows[0]!.flags;
    expect(clean(NOW - 60_000, 'a')).toEqual([]);
    expect(clean(NOW - 120_000, 'b')).toEqual(['out_of_order']);
    expect(clean(NOW + 3_600_000, 'c')).toEqual(['future_ts']);
  });
});

describe('timestamps and units', () => {
  it('reads plant-local time across a DST change in the device timezone', () => {
    const before = parseTimestamp('25/03/2024 01:30', 'Europe/Berlin');
    const after = parseTimestamp('2024-03-31T03:30', 'Europe/Berlin');
    expect(before).toEqual({ ok: true, ms: Date.parse('2024-03-25T00:30:00Z') });
    expect(after).toEqual({ ok: true, ms: Date.parse('2024-03-31T01:30:00Z') });
  });

  it('converts energy, temperature and pressure variants, refusing other dimensions', () => {
    const mwh = conversionTo('kWh', 'MWh');
    const kelvin = conversionTo('°C', 'K');
    const psi = conversionTo('bar', 'psi');
    expect(mwh.ok && mwh.convert(1.5)).toBe(1500);
    expect(kelvin.ok && kelvin.convert(273.15)).toBeCloseTo(0, 12);
    expect(psi.ok && psi.convert(14.5038)).toBeCloseTo(1, 4);
    expect(conversionTo('kWh', 'bar')).toMatchObject({ ok: false });
    expect(conversionTo('kWh', 'constructor')).toMatchObject({ ok: false });
  });
});
