/**
 * Physics of an energy meter: with u the active energy of an interval and Q one side's reactive energy,
 * that side's power factor (in %) is PF = 100·u/√(u² + Q²). So u = Q·PF/√(100² − PF²), taken from the
 * side whose power factor makes the estimate least sensitive to the rounding of the reported values.
 */

export interface ElectricalSides {
  readonly laggingKvarh: number | null;
  readonly laggingPf: number | null;
  readonly leadingKvarh: number | null;
  readonly leadingPf: number | null;
}

export interface EnergyEstimate {
  readonly kwh: number;
  /** Error the rounding of the inputs can cause, in kWh (first-order bound). */
  readonly uncertainty: number;
}

/** Meters report values rounded to two decimals. */
export const ROUNDING = 0.005;

export function fromSide(q: number | null, pf: number | null): EnergyEstimate | undefined {
  if (q === null || pf === null || !(pf > 0) || !(pf < 100) || !(q >= 0)) return undefined;
  const rest = 1e4 - pf * pf;
  const root = Math.sqrt(rest);
  const kwh = (q * pf) / root;
  // Absurd inputs can overflow: no estimate then, rather than an infinite one.
  if (!Number.isFinite(kwh)) return undefined;
  const uncertainty = (pf / root) * ROUNDING + ((q * 1e4) / (rest * root)) * ROUNDING;
  return { kwh, uncertainty };
}

/** One side's reactive energy from the active energy and that side's power factor: Q = u·√(100² − PF²)/PF. */
export function reactiveFrom(kwh: number, pf: number): number | undefined {
  if (!(kwh >= 0) || !(pf > 0) || !(pf <= 100)) return undefined;
  return (kwh * Math.sqrt(1e4 - pf * pf)) / pf;
}

/** One side's power factor from the active energy and that side's reactive energy (100 with no reactive energy). */
export function powerFactorFrom(kwh: number, q: number): number | undefined {
  if (!(kwh >= 0) || !(q >= 0) || kwh + q === 0) return undefined;
  return (100 * kwh) / Math.hypot(kwh, q);
}

export function estimateEnergy(sides: ElectricalSides): EnergyEstimate | undefined {
  const lag = fromSide(sides.laggingKvarh, sides.laggingPf);
  const lead = fromSide(sides.leadingKvarh, sides.leadingPf);
  if (!lag) return lead;
  if (!lead) return lag;
  return lag.uncertainty <= lead.uncertainty ? lag : lead;
}

/** How far a reported energy may stand from the physics estimate before the reading is inconsistent. */
export function consistencyTolerance(estimate: EnergyEstimate): number {
  return 0.5 + 0.05 * estimate.kwh + 20 * estimate.uncertainty;
}

/** Metric names of the demo meter, used by the consistency rule of the energy-meter device type. */
export const ENERGY_METER_METRICS = {
  energy: 'usage_kwh',
  laggingKvarh: 'lagging_reactive_kvarh',
  laggingPf: 'lagging_pf',
  leadingKvarh: 'leading_reactive_kvarh',
  leadingPf: 'leading_pf',
  co2: 'co2_t',
} as const;
