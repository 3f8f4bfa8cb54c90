import { DateTime } from 'luxon';
import type { Device, MetricSpec } from '../../../devices/registry.js';
import type { ReadingRow } from '../../../warehouse/schema/tables.js';
import type { Flag } from '../../flags.js';
import { ENERGY_METER_METRICS } from '../energy-meter.js';
import { knnImpute } from './knn-imputer.js';
import { Co2Witness } from './co2-witness.js';
import { EnergyInInterval } from './energy-in-interval.js';
import type { Filled } from './gap-fill.js';
import { repairFromPhysics } from './meter-repair.js';
import { repaired, type Target } from './repair-target.js';
import { flagTwoSidedSpikes } from './spikes.js';
import { TimeGrid } from './time-grid.js';

/** Flags whose value is not to be trusted and is replaced by an imputed one in the batch path. */
const REPAIRABLE: ReadonlySet<Flag> = new Set(['missing', 'out_of_range', 'spike', 'stuck', 'inconsistent']);
/** Values the stream filled (a missing energy from the same reading's physics) are redone here with the whole file. */
function needsRepair(row: ReadingRow): boolean {
  if (row.flags.includes('shutdown')) return false;
  return row.value === null || row.flags.some((f) => REPAIRABLE.has(f as Flag));
}

/**
 * The batch path's extra work on one device's rows: whole stuck runs flagged (the stream can only flag
 * a run once it is long enough), then every untrustworthy value repaired: for an energy meter, first from the
 * other metrics of the same reading through the meter's physics; for other devices, by KNN over the reading's
 * other metrics and the calendar where the reading has some; what is left from the series' own neighbours in
 * time (linear interpolation or the daily/weekly profile, chosen per run length, see gap-fill.ts).
 */
export function repairDevice(device: Device, rows: ReadingRow[]): void {
  const metrics = [...device.metricSpecs.keys()];
  const column = new Map(metrics.map((m, i) => [m, i]));
  const times = [...new Set(rows.map((r) => Date.parse(r.ts)))].sort((a, b) => a - b);
  const timeIndex = new Map(times.map((t, i) => [t, i]));
  const cells: Array<Array<ReadingRow | undefined>> = times.map(
    () => new Array<ReadingRow | undefined>(metrics.length),
  );
  for (const row of rows) {
    const c = column.get(row.metric);
    if (c !== undefined) (cells[timeIndex.get(Date.parse(row.ts)) as number] as Array<ReadingRow | undefined>)[c] = row;
  }

  flagWholeStuckRuns(device, metrics, cells);
  flagTwoSidedSpikes(device, metrics, cells);

  // Trusted values only; NaN where a value is missing or to be repaired.
  const matrix = cells.map((cellRow) => {
    const values = new Float64Array(metrics.length).fill(NaN);
    cellRow.forEach((row, c) => {
      if (row && !needsRepair(row) && row.value !== null) values[c] = row.value;
    });
    return values;
  });
  const targets: Target[] = [];
  cells.forEach((cellRow, t) =>
    cellRow.forEach((row, c) => {
      if (row && needsRepair(row)) targets.push({ t, c, row });
    }),
  );
  const grid = new TimeGrid(times, device.intervalSeconds);
  if (device.type === 'energy-meter') {
    const witness = Co2Witness.of(matrix, column);
    const rest = repairFromPhysics(targets, matrix, {
      grid,
      column,
      specs: metrics.map((m) => device.metricSpecs.get(m) as MetricSpec),
      witness,
    });
    const cu = column.get(ENERGY);
    const inInterval =
      witness && cu !== undefined && rest.some((x) => x.c === cu)
        ? EnergyInInterval.fit(matrix, cu, grid, witness)
        : undefined;
    repairInTime(rest, matrix, grid, {
      // An energy's KNN leans on its reading's CO2: not where the register is not vouched for (it may read 0 loaded).
      knn: knnEstimates(
        rest.filter((x) => !(x.c === cu && witness?.unvouched(x.t))),
        matrix,
        times,
        device.timezone,
      ),
      fromCo2:
        inInterval &&
        ((target, filled) =>
          target.c === cu ? inInterval.estimate(target.t, grid.position(target.t), filled) : undefined),
    });
  } else {
    const knn = knnEstimates(targets, matrix, times, device.timezone);
    for (const [target, value] of knn) repaired(target.row, value);
    repairInTime(
      targets.filter((x) => !knn.has(x)),
      matrix,
      grid,
    );
  }
}

const ENERGY = ENERGY_METER_METRICS.energy;
const CALENDAR_WEIGHT = 0.5;
const KNN = { k: 5, minShared: 1 };

/** KNN estimates over the device's metrics and the calendar, for targets whose reading has another trusted metric. */
function knnEstimates(
  targets: readonly Target[],
  matrix: Float64Array[],
  times: readonly number[],
  zone: string,
): Map<Target, number> {
  const width = (matrix[0]?.length ?? 0) + 4;
  const viaKnn = targets.filter(({ t, c }) => (matrix[t] as Float64Array).some((v, j) => j !== c && !Number.isNaN(v)));
  if (!viaKnn.length) return new Map();
  const withCalendar = matrix.map((values, t) => {
    const local = DateTime.fromMillis(times[t] as number, { zone });
    const hour = (local.hour + local.minute / 60) / 24;
    const day = (local.weekday - 1) / 7;
    const out = new Float64Array(width);
    out.set(values);
    out.set(
      [
        Math.sin(2 * Math.PI * hour),
        Math.cos(2 * Math.PI * hour),
        Math.sin(2 * Math.PI * day),
        Math.cos(2 * Math.PI * day),
      ],
      values.length,
    );
    return out;
  });
  const weights = new Float64Array(width).fill(1);
  weights.fill(CALENDAR_WEIGHT, width - 4);
  const imputed = knnImpute(
    withCalendar,
    viaKnn.map(({ t, c }) => [t, c] as const),
    weights,
    KNN,
  );
  return new Map(
    viaKnn.map((target, i) => [target, imputed[i] as number] as const).filter(([, v]) => !Number.isNaN(v)),
  );
}

/**
 * Each target from its own series' neighbours in time (with its KNN estimate where there is one), or, for a meter's
 * energy whose reading kept a vouched CO2, from where the fill says it lies in the interval that CO2 allows.
 */
function repairInTime(
  targets: readonly Target[],
  matrix: Float64Array[],
  grid: TimeGrid,
  also: { knn?: Map<Target, number>; fromCo2?: (target: Target, filled: Filled) => number | undefined } = {},
): void {
  const byColumn = new Map<number, Target[]>();
  for (const target of targets) {
    const list = byColumn.get(target.c);
    if (list) list.push(target);
    else byColumn.set(target.c, [target]);
  }
  for (const [c, list] of byColumn) {
    const filled = grid.fill(matrix, c);
    for (const target of list) {
      const fromCo2 = also.fromCo2?.(target, filled);
      const inTime = filled.values[grid.position(target.t)] as number;
      const knn = also.knn?.get(target);
      const value = fromCo2 ?? (knn === undefined ? inTime : Number.isNaN(inTime) ? knn : (inTime + knn) / 2);
      if (!Number.isNaN(value)) repaired(target.row, value);
    }
  }
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
