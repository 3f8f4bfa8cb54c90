import type { MetricSpec } from '../../../devices/registry.js';
import {
  ENERGY_METER_METRICS as M,
  fromSide,
  powerFactorFrom,
  reactiveFrom,
  ROUNDING,
  type EnergyEstimate,
} from '../energy-meter.js';
import type { Co2Witness } from './co2-witness.js';
import type { Filled } from './gap-fill.js';
import { repaired, type Target } from './repair-target.js';
import type { TimeGrid } from './time-grid.js';

/** How far (in validation RMSEs of the series' own fill) a physics value may stand from it before its inputs are doubted. */
const PHYSICS_AGREEMENT = 5;
/** How many times their rounding uncertainties two sides' energies must differ by for one of them to be doubted. */
const SIDES_DISAGREE = 3;

export interface MeterContext {
  readonly grid: TimeGrid;
  readonly column: ReadonlyMap<string, number>;
  readonly specs: readonly MetricSpec[];
  readonly witness: Co2Witness | undefined;
}

const SIDES = [
  [M.laggingKvarh, M.laggingPf],
  [M.leadingKvarh, M.leadingPf],
] as const;

/**
 * Energy, reactive energy and power factor of a side are one equation, and CO2 is energy times the meter's emission
 * factor: a missing one of them from the others of the same reading. Energy first, so that a reading missing its
 * energy and one side's reactive energy gets both. A result outside the metric's range, or far from what the
 * series' neighbours in time say, means a bad input (an undetected spike in a power factor): the value is left to
 * the fill in time. Returns the targets left.
 */
export function repairFromPhysics(targets: readonly Target[], matrix: Float64Array[], context: MeterContext): Target[] {
  const { grid, column, specs, witness } = context;
  const inTime = new Map([...new Set(targets.map((x) => x.c))].map((c) => [c, grid.fill(matrix, c)]));
  const plausible = (t: number, c: number, value: number) => {
    const spec = specs[c] as MetricSpec;
    if (value < spec.min || value > spec.max) return false;
    // The reading's own CO2 agreeing is a second witness, however far the neighbours in time are.
    const [lo, hi] = (c === column.get(M.energy) && witness?.bounds(t)) || [Infinity, -Infinity];
    if (value >= lo && value <= hi) return true;
    const fill = inTime.get(c) as Filled;
    const at = grid.position(t);
    const rmse = fill.rmse[at] as number;
    return Number.isNaN(rmse) || Math.abs(value - (fill.values[at] as number)) <= PHYSICS_AGREEMENT * rmse;
  };
  const factor = witness?.factor;
  const energyFirst = [...targets].sort(
    (x, y) => Number(y.row.metric === M.energy) - Number(x.row.metric === M.energy),
  );
  return energyFirst.filter(({ t, c, row }) => {
    const values = matrix[t] as Float64Array;
    const at = (name: string) => {
      const i = column.get(name);
      const v = i === undefined ? NaN : (values[i] as number);
      return Number.isNaN(v) ? null : v;
    };
    const u = at(M.energy);
    let value: number | undefined;
    if (row.metric === M.energy) {
      const sides = SIDES.map(([q, pf]) => fromSide(at(q), at(pf))).filter((x) => x !== undefined);
      const fill = inTime.get(c) as Filled;
      value = energyFromSides(sides, witness?.bounds(t), fill.values[grid.position(t)] as number);
    } else if (u !== null && row.metric === M.co2 && factor !== undefined) {
      value = Math.round((u * factor) / (2 * ROUNDING)) * 2 * ROUNDING;
    } else if (u !== null) {
      for (const [q, pf] of SIDES) {
        const [qv, pfv] = [at(q), at(pf)];
        if (row.metric === q && pfv !== null) value = reactiveFrom(u, pfv);
        if (row.metric === pf && qv !== null) value = powerFactorFrom(u, qv);
      }
    }
    if (value === undefined || !plausible(t, c, value)) return true;
    repaired(row, value);
    values[c] = value;
    return false;
  });
}

/**
 * The energy the reading's sides give. A side whose result its vouched CO2 rules out, where the series' fill in time
 * sides with the CO2, has a bad input (an undetected spike in a power factor or a reactive energy): dropped, and with
 * no side left the energy is not from physics.
 * Two sides that disagree well beyond their rounding: the one nearer the series' fill in time; else the more precise.
 */
function energyFromSides(
  sides: readonly EnergyEstimate[],
  co2: readonly [number, number] | undefined,
  fill: number,
): number | undefined {
  // CO2 and a side disagreeing: one of them has a bad register; the fill in time says which.
  const distance = (v: number) => (co2 ? Math.max(0, co2[0] - v, v - co2[1]) : 0);
  const allowed = sides.filter(
    (s) => distance(s.kwh) <= s.uncertainty || Number.isNaN(fill) || distance(fill) >= Math.abs(fill - s.kwh),
  );
  const [a, b] = allowed;
  if (!a || !b) return a?.kwh;
  // The uncertainty is first order: near a power factor of 100 the rounding's true effect can be a few times it.
  if (Math.abs(a.kwh - b.kwh) > SIDES_DISAGREE * (a.uncertainty + b.uncertainty) + 2 * ROUNDING && !Number.isNaN(fill))
    return Math.abs(a.kwh - fill) <= Math.abs(b.kwh - fill) ? a.kwh : b.kwh;
  return (a.uncertainty <= b.uncertainty ? a : b).kwh;
}
