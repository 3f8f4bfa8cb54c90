import type { Device } from '../../../devices/registry.js';
import type { ReadingRow } from '../../../warehouse/schema/tables.js';
import { consistencyTolerance, ENERGY_METER_METRICS as M, fromSide } from '../energy-meter.js';

/**
 * Robust standard deviations of a series' one-step changes a value must jump, away from both neighbours, to be a
 * spike. Far out in the tails of any series' own changes (a Gaussian puts one change in 10^9 this far), so the
 * rule speaks on the data's own scale, whatever the device's registered thresholds.
 */
const SPIKE_SIGMAS = 6;

type Cells = Array<Array<ReadingRow | undefined>>;

const usable = (row: ReadingRow | undefined): row is ReadingRow & { value: number } =>
  row !== undefined &&
  row.value !== null &&
  !row.flags.includes('missing') &&
  !row.flags.includes('out_of_range') &&
  !row.flags.includes('shutdown');

/**
 * Scale of one-step changes: 1.4826 × their median absolute value, at least half their mean absolute value and
 * at least the series' resolution (its smallest change), so that a coarsely rounded series is not all spikes.
 */
function changeScale(values: readonly number[]): number {
  const changes: number[] = [];
  for (let i = 1; i < values.length; i++) {
    const d = Math.abs((values[i] as number) - (values[i - 1] as number));
    if (Number.isFinite(d)) changes.push(d);
  }
  if (!changes.length) return Infinity;
  changes.sort((a, b) => a - b);
  const median = changes[changes.length >> 1] as number;
  const mean = changes.reduce((s, d) => s + d, 0) / changes.length;
  const resolution = changes.find((d) => d > 1e-9) ?? 0;
  return Math.max(1.4826 * median, 0.5 * mean, resolution, 1e-9);
}

/** Metrics of an energy meter's reading whose values the meter's physics confirms (energy and an agreeing side). */
function confirmedByPhysics(
  cellRow: ReadonlyArray<ReadingRow | undefined>,
  column: ReadonlyMap<string, number>,
): Set<number> {
  const value = (name: string) => {
    const row = cellRow[column.get(name) ?? -1];
    return usable(row) ? row.value : null;
  };
  const confirmed = new Set<number>();
  const u = value(M.energy);
  if (u === null) return confirmed;
  for (const [q, pf] of [
    [M.laggingKvarh, M.laggingPf],
    [M.leadingKvarh, M.leadingPf],
  ] as const) {
    const side = fromSide(value(q), value(pf));
    if (side && Math.abs(u - side.kwh) <= consistencyTolerance(side)) {
      for (const name of [M.energy, q, pf]) confirmed.add(column.get(name) as number);
    }
  }
  return confirmed;
}

/**
 * The batch path sees both neighbours of a value: a value far from both, on the same side, while they agree with
 * each other, is a spike (a step change moves one neighbour with it). A genuine burst of an energy meter moves
 * several of its registers at once, or is confirmed by its physics, and stays. Flags `spike`; the repair step
 * then replaces the value.
 */
export function flagTwoSidedSpikes(device: Device, metrics: readonly string[], cells: Cells): void {
  const column = new Map(metrics.map((m, i) => [m, i]));
  const candidates = cells.map(() => new Set<number>());
  metrics.forEach((_, c) => {
    const values = cells.map((cellRow) => {
      const row = cellRow[c];
      return usable(row) ? row.value : NaN;
    });
    const scale = changeScale(values);
    for (let t = 1; t + 1 < values.length; t++) {
      const [before, here, after] = [values[t - 1] as number, values[t] as number, values[t + 1] as number];
      const jump = Math.min(Math.abs(here - before), Math.abs(here - after));
      if (!(jump > SPIKE_SIGMAS * scale) || Math.sign(here - before) !== Math.sign(here - after)) continue;
      if (Math.abs(after - before) <= jump / 2) (candidates[t] as Set<number>).add(c);
    }
  });
  const electrical = new Set(
    [M.energy, M.laggingKvarh, M.laggingPf, M.leadingKvarh, M.leadingPf].map((m) => column.get(m) ?? -1),
  );
  candidates.forEach((found, t) => {
    const cellRow = cells[t] as Array<ReadingRow | undefined>;
    // A fault hits one register; the meter's registers jumping together, or its physics agreeing, is the plant.
    // Without the energy, the physics can neither confirm nor refute a side: its registers are left alone.
    const meter = device.type === 'energy-meter';
    const energy = cellRow[column.get(M.energy) ?? -1];
    const unjudged = meter && !usable(energy);
    const together = meter && [...found].filter((c) => electrical.has(c)).length > 1;
    const confirmed = meter ? confirmedByPhysics(cellRow, column) : undefined;
    for (const c of found) {
      if ((electrical.has(c) && (together || unjudged)) || confirmed?.has(c)) continue;
      const row = cellRow[c] as ReadingRow;
      if (!row.flags.includes('spike')) row.flags = [...row.flags, 'spike'];
    }
  });
  if (device.type === 'energy-meter') clearExplainedInconsistency(cells, column);
}

/**
 * The stream flags the energy as inconsistent when a side disagrees with it; where that side carries a spike
 * found here, the spike explains the disagreement: the energy keeps its value unless a clean side contradicts it.
 */
function clearExplainedInconsistency(cells: Cells, column: ReadonlyMap<string, number>): void {
  const sides = [
    [M.laggingKvarh, M.laggingPf],
    [M.leadingKvarh, M.leadingPf],
  ] as const;
  for (const cellRow of cells) {
    const energy = cellRow[column.get(M.energy) ?? -1];
    if (!energy || energy.value === null || !energy.flags.includes('inconsistent')) continue;
    const cell = (name: string) => cellRow[column.get(name) ?? -1];
    const spiked = (name: string) => cell(name)?.flags.includes('spike') ?? false;
    if (!sides.some(([q, pf]) => spiked(q) || spiked(pf))) continue;
    const contradicted = sides.some(([q, pf]) => {
      if (spiked(q) || spiked(pf)) return false;
      const [qRow, pfRow] = [cell(q), cell(pf)];
      const side = fromSide(usable(qRow) ? qRow.value : null, usable(pfRow) ? pfRow.value : null);
      return side !== undefined && Math.abs((energy.value as number) - side.kwh) > consistencyTolerance(side);
    });
    if (!contradicted) energy.flags = energy.flags.filter((f) => f !== 'inconsistent');
  }
}
