import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { parseTimestamp } from '../readings/timestamps.js';
import type { WireReading } from '../readings/wire.js';

export const STEEL_DEVICE_ID = 'steel-plant/main-meter';
export const STEEL_TIMEZONE = 'Asia/Seoul';
export const STEEL_CSV = fileURLToPath(new URL('../../data/steel/Steel_industry_data.csv', import.meta.url));

/** Column of the published file → metric name in kilowatch. */
export const STEEL_METRICS = {
  Usage_kWh: 'usage_kwh',
  Lagging_Current_Reactive_Power_kVarh: 'lagging_reactive_kvarh',
  Leading_Current_Reactive_Power_kVarh: 'leading_reactive_kvarh',
  'CO2(tCO2)': 'co2_t',
  Lagging_Current_Power_Factor: 'lagging_pf',
  Leading_Current_Power_Factor: 'leading_pf',
} as const;

export type SteelMetric = (typeof STEEL_METRICS)[keyof typeof STEEL_METRICS];

export interface SteelRow {
  /** Plant-local time, dd/mm/yyyy HH:MM, with the end-of-day quirk corrected. */
  readonly local: string;
  readonly tsMs: number;
  readonly metrics: Record<SteelMetric, number>;
}

function pad(n: number): string {
  return n.toString().padStart(2, '0');
}

/**
 * The steel plant file, in time order. Each day's last row is stamped 00:00 of the day it closes:
 * it really is 00:00 of the next day.
 */
export function loadSteel(path = STEEL_CSV): SteelRow[] {
  const records = parse<Record<string, string>>(readFileSync(path), {
    columns: true,
    bom: true,
    skip_empty_lines: true,
  });
  return records.map((r, i) => {
    const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})$/.exec(r.date ?? '');
    if (!m) throw new Error(`${path}: row ${i + 2}: date '${r.date}' is not dd/mm/yyyy HH:MM`);
    let [, d, mo, y, h, mi] = m.map(Number) as [number, number, number, number, number, number];
    if (h === 0 && mi === 0) {
      const next = new Date(Date.UTC(y, mo - 1, d + 1));
      [y, mo, d] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
    }
    const local = `${pad(d)}/${pad(mo)}/${y} ${pad(h)}:${pad(mi)}`;
    const ts = parseTimestamp(local, STEEL_TIMEZONE);
    if (!ts.ok) throw new Error(`${path}: row ${i + 2}: ${ts.reason}`);
    const metrics = {} as Record<SteelMetric, number>;
    for (const [column, metric] of Object.entries(STEEL_METRICS)) {
      const value = Number(r[column]);
      if (!Number.isFinite(value)) throw new Error(`${path}: row ${i + 2}: ${column} '${r[column]}' is not a number`);
      metrics[metric] = value;
    }
    return { local, tsMs: ts.ms, metrics };
  });
}

/** A steel row as the plant's meter publishes it: plant-local time, canonical units. */
export function steelReading(row: SteelRow, seq: number): WireReading {
  return { deviceId: STEEL_DEVICE_ID, ts: row.local, metrics: { ...row.metrics }, seq };
}
