import { describe, expect, it } from 'vitest';
import { decodeCleanPayload, encodeCleanPayload, type CleanRow } from '../../shared/readings/clean-payload.js';

const METRICS = ['power_kw', 'voltage_v', 'current_a', 'temperature_c', 'vibration_mm_s'];

/** Stored rows of `readings` readings (5 metrics each) of 4 devices, a spike and a missing value among them. */
function rows(readings: number): CleanRow[] {
  return Array.from({ length: readings }, (_, r) =>
    METRICS.map((metric, m) => ({
      reading_id: `${r.toString(16).padStart(24, '0')}${m.toString(16).padStart(8, '0')}`,
      device_id: `sim-plant/machine-${r % 4}`,
      ts: new Date(Date.UTC(2024, 0, 1, 0, Math.floor(r / 4))).toISOString(),
      metric,
      value: r === 7 && m === 1 ? null : 100 + r + m / 10,
      unit: metric.split('_').at(-1) ?? '',
      flags: r === 7 && m === 1 ? ['missing', 'imputed'] : r === 9 ? ['spike'] : [],
    })),
  ).flat();
}

/** The earlier body: one object per row. */
function objectsOf(list: readonly CleanRow[]) {
  return list.map((r) => ({
    readingId: r.reading_id,
    deviceId: r.device_id,
    ts: r.ts,
    metric: r.metric,
    value: r.value,
    unit: r.unit,
    flags: [...r.flags],
  }));
}

const bytes = (body: unknown) => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));

describe('readings-clean payload (columns-1)', () => {
  it('decodes to the rows it was encoded from, in order, in under half the bytes of one object per row', () => {
    const stored = rows(500);
    const body = encodeCleanPayload(stored);
    expect(decodeCleanPayload(bytes(body))).toEqual({ ok: true, readings: objectsOf(stored) });
    expect(Buffer.byteLength(body)).toBeLessThan(
      0.5 * Buffer.byteLength(JSON.stringify({ readings: objectsOf(stored) })),
    );
  });

  it('gives every reading its own flags array', () => {
    const decoded = decodeCleanPayload(bytes(encodeCleanPayload(rows(12))));
    if (!decoded.ok) throw new Error(decoded.reason);
    const spiked = decoded.readings.filter((r) => r.flags.includes('spike'));
    expect(spiked).toHaveLength(5);
    expect(spiked[0]!.flags).not.toBe(spiked[1]!.flags);
  });

  it('still reads the earlier form, one object per row', () => {
    const stored = rows(3);
    expect(decodeCleanPayload(bytes({ readings: objectsOf(stored) }))).toEqual({
      ok: true,
      readings: objectsOf(stored),
    });
  });

  it('names the field of a body it refuses', () => {
    const good = JSON.parse(encodeCleanPayload(rows(2))) as Record<string, unknown[]>;
    const refused = (change: Record<string, unknown>) => {
      const decoded = decodeCleanPayload(bytes({ ...good, ...change }));
      return decoded.ok ? 'accepted' : decoded.reason;
    };
    expect(refused({ metric: [0, 1, 2, 3, 9, 0, 1, 2, 3, 4] })).toMatch(
      /^invalid readings-clean message: metric\.4: 9 is not an index into metrics \(0 to 4\); expected \{ format: "columns-1"/,
    );
    expect(refused({ value: [1] })).toMatch(/^invalid readings-clean message: value: 1 entries, id has 10;/);
    expect(refused({ times: ['soon'] })).toMatch(/^invalid readings-clean message: times\.0: /);
    expect(refused({ device: good.device!.map(() => -1) })).toMatch(
      /^invalid readings-clean message: device\.0: -1 is not/,
    );
    expect(refused({ unit: good.unit!.map(() => 0.5) })).toMatch(
      /^invalid readings-clean message: unit\.0: 0\.5 is not/,
    );
    expect(refused({ flags: good.flags!.map(() => '0') })).toMatch(/^invalid readings-clean message: flags\.0: /);
    expect(refused({ format: 'columns-9' })).toMatch(/^invalid readings-clean message: format: /);
    expect(decodeCleanPayload(Buffer.from([0xff, 0xfe]))).toEqual({
      ok: false,
      reason: 'undecodable: readings-clean message is not UTF-8 JSON',
    });
  });
});
