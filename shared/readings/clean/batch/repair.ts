import { DateTime } from 'luxon';
import type { Device } from '../../../devices/registry.js';
import type { ReadingRow } from '../../../warehouse/schema/tables.js';
import type { Flag } from '../../flags.js';
import { ENERGY_METER_METRICS as M, estimateEnergy } from '../energy-meter.js';
import { interpolate, knnImpute } from './knn-imputer.js';

/** Flags whose value is not to be trusted and is replaced by an imputed one in the batch path. */
const REPAIRABLE: ReadonlySet<Flag> = new Set(['missing', 'out_of_range', 'spike', 'stuck', 'inconsistent']);
const CALENDAR_WEIGHT = 0.5;
const KNN = { k: 5, minShared: 1 };

function needsRepair(row: ReadingRow): boolean {
  if (row.status === 'repaired') return false;
  if (row.flags.includes('shutdown')) return false;
  return row.value === null || row.flags.some((f) => REPAIRABLE.has(f as Flag));
}

/**
 * The batch path's extra work on one device's rows: whole stuck runs flagged (the stream can only flag
 * a run once it is long enough), then every untrustworthy value repaired: physics for an energy meter's
 * energy, else KNN over the device's other metrics and the calendar, else interpolation in time.
 */
export function repairDevice(device: Device, rows: ReadingRow[]): void {
  const metrics = [...device.metricSpecs.keys()];
  const column = new Map(metrics.map((m, i) => [m, i]));
  const times = [...new Set(rows.map((r) => Date.parse(r.ts)))].sort((a, b) => a - b);
  const timeIndex = new Map(times.map((t, i) => [t, i]));
  const cells: Array<Array<ReadingRow | undefined>> = times.map(() => new Array<ReadingRow | undefined>(metrics.length));
  for (const row of rows) {
    const c = column.get(row.metric);
    if (c !== undefined) (cells[timeIndex.get(Date.parse(row.ts)) as number] as Array<ReadingRow | undefined>)[c] = row;
  }

  flagWholeStuckRuns(device, metrics, cells);

  const width = metrics.length + 4;
  const matrix = cells.map((cellRow, t) => {
    const values = new Float64Array(width).fill(NaN);
    cellRow.forEach((row, c) => {
      if (row && !needsRepair(row) && row.value !== null) values[c] = row.value;
    });
    const local = DateTime.fromMillis(times[t] as number, { zone: device.timezone });
    const hour = (local.hour + local.minute / 60) / 24;
    const day = (local.weekday - 1) / 7;
    values.set([Math.sin(2 * Math.PI * hour), Math.cos(2 * Math.PI * hour), Math.sin(2 * Math.PI * day), Math.cos(2 * Math.PI * day)], metrics.length);
    return values;
  });
  const weights = new Float64Array(width).fill(1);
  weights.fill(CALENDAR_WEIGHT, metrics.length);

  const targets: Array<[number, number, ReadingRow]> = [];
  cells.forEach((cellRow, t) =>
    cellRow.forEach((row, c) => {
      if (row && needsRepair(row)) targets.push([t, c, row]);
    }),
  );
  const viaKnn: Array<[number, number, ReadingRow]> = [];
  for (const target of targets) {
    const physics = device.type === 'energy-meter' ? energyFromPhysics(target[2], matrix[target[0]] as Float64Array, column) : undefined;
    if (physics !== undefined) repaired(target[2], physics);
    else viaKnn.push(target);
  }
  const imputed = knnImpute(matrix, viaKnn.map(([t, c]) => [t, c] as const), weights, KNN);
  viaKnn.forEach(([t, c, row], i) => {
    let value = imputed[i] as number;
    if (Number.isNaN(value)) value = interpolate(times, matrix.map((r) => r[c] as number), times[t] as number);
    if (!Number.isNaN(value)) repaired(row, value);
  });
}

function repaired(row: ReadingRow, value: number): void {
  row.value = Math.round(value * 1e6) / 1e6;
  row.status = 'repaired';
  if (!row.flags.includes('imputed')) row.flags = [...row.flags, 'imputed'];
}

function energyFromPhysics(row: ReadingRow, values: Float64Array, column: Map<string, number>): number | undefined {
  if (row.metric !== M.energy) return undefined;
  const at = (name: string) => {
    const c = column.get(name);
    const v = c === undefined ? NaN : (values[c] as number);
    return Number.isNaN(v) ? null : v;
  };
  return estimateEnergy({
    laggingKvarh: at(M.laggingKvarh),
    laggingPf: at(M.laggingPf),
    leadingKvarh: at(M.leadingKvarh),
    leadingPf: at(M.leadingPf),
  })?.kwh;
}

function flagWholeStuckRuns(device: Device, metrics: string[], cells: Array<Array<ReadingRow | undefined>>): void {
  metrics.forEach((metric, c) => {
    const after = device.metricSpecs.get(metric)?.stuckAfter;
    if (after === undefined) return;
    let start = 0;
    for (let t = 1; t <= cells.length; t++) {
      const prev = cells[t - 1]?.[c]?.value;
      const here = t < cells.length ? cells[t]?.[c]?.value : undefined;
      if (here !== undefined && here !== null && here === prev) continue;
      if (t - start >= after && prev !== 0 && prev !== null && prev !== undefined) {
        for (let i = start; i < t; i++) {
          const row = cells[i]?.[c];
          if (row && !row.flags.includes('stuck')) row.flags = [...row.flags, 'stuck'];
        }
      }
      start = t;
    }
  });
}
