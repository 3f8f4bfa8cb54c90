import {
  BEARING_WEAR_DAYS,
  BEARING_WEAR_RISE,
  DRIFT_HOURS,
  OVERHEAT_MINUTES,
  OVERHEAT_RISE_C,
  SHUTDOWN_MINUTES,
  STUCK_READINGS,
  type FaultRates,
} from './faults.js';
import type { MachineParams } from './machine.js';
import { MACHINE_METRICS, type MachineMetric, type MetricLimits } from './metrics.js';
import type { Rng } from './prng.js';

export type StretchFault = 'shutdown' | 'overheating' | 'drift' | 'stuck' | 'bearing_wear';

/** A planned stretch fault of one machine, in ticks (readings of that machine) from the start. */
export interface Stretch {
  readonly fault: StretchFault;
  readonly metrics: readonly MachineMetric[];
  /** First and last labelled tick, both included. */
  readonly first: number;
  readonly last: number;
  /**
   * Additive offset per tick from `from` (drift: the sensor's bias; overheating: the excess temperature),
   * covering `first..last` and, for overheating, the cooling tail below the label threshold.
   */
  readonly offsets?: Float64Array;
  readonly from?: number;
  /** Bearing wear: the rise of each metric at the end, `offsets` being the shape from 0 to 1. */
  readonly rise?: Partial<Record<MachineMetric, number>>;
}

/** Ticks kept clear around a stretch: a stuck meter needs a good value before it, the cleaner a clean run after. */
const MARGIN = 3;
/** Overheating is labelled while the excess is at least this (°C): below it the excess hides in the noise. */
export const OVERHEAT_LABEL_C = 0.5;

interface Reservation {
  readonly lo: number;
  readonly hi: number;
  readonly stretch: Stretch;
}

/**
 * The stretch faults of one machine, planned before the first reading so that they never overlap on a
 * metric, each with a clear margin, and lookups in time order are a moving cursor.
 */
export class StretchPlan {
  private readonly reserved = new Map<MachineMetric, Reservation[]>(MACHINE_METRICS.map((m) => [m, []]));
  private readonly cursor = new Map<MachineMetric, number>();
  readonly stretches: Stretch[] = [];

  constructor(
    private readonly ticks: number,
    private readonly warmup: number,
  ) {}

  /** Places a stretch of `length` ticks at a random free start; false when none was found. */
  place(rng: Rng, metrics: readonly MachineMetric[], length: number, build: (first: number) => Stretch): boolean {
    const earliest = this.warmup;
    const latest = this.ticks - length - 1;
    if (latest < earliest) return false;
    for (let attempt = 0; attempt < 40; attempt++) {
      const first = rng.int(earliest, latest);
      const lo = first - MARGIN;
      const hi = first + length - 1 + MARGIN;
      if (metrics.some((m) => this.overlaps(m, lo, hi))) continue;
      const stretch = build(first);
      for (const m of metrics) {
        const list = this.reserved.get(m) as Reservation[];
        list.push({ lo, hi, stretch });
        list.sort((a, b) => a.lo - b.lo);
      }
      this.stretches.push(stretch);
      return true;
    }
    return false;
  }

  private overlaps(metric: MachineMetric, lo: number, hi: number): boolean {
    return (this.reserved.get(metric) as Reservation[]).some((r) => r.lo <= hi && lo <= r.hi);
  }

  /** The reservation covering (metric, tick), if any. Ticks must be asked in increasing order. */
  at(metric: MachineMetric, tick: number): Reservation | undefined {
    const list = this.reserved.get(metric) as Reservation[];
    let i = this.cursor.get(metric) ?? 0;
    while (i < list.length && (list[i] as Reservation).hi < tick) i++;
    this.cursor.set(metric, i);
    const r = list[i];
    return r && r.lo <= tick ? r : undefined;
  }

  /** Share of (tick, metric) cells outside every reservation. */
  freeShare(): number {
    let taken = 0;
    for (const list of this.reserved.values()) {
      for (const r of list) taken += Math.min(r.hi, this.ticks - 1) - Math.max(r.lo, 0) + 1;
    }
    return 1 - taken / (this.ticks * MACHINE_METRICS.length);
  }
}

export const STUCK_METRICS = (limits: Record<MachineMetric, MetricLimits>): MachineMetric[] =>
  MACHINE_METRICS.filter((m) => limits[m].stuckAfter !== undefined);
export const DRIFT_METRICS: readonly MachineMetric[] = ['power_kw', 'temperature_c', 'vibration_mm_s'];

export interface PlanContext {
  readonly rng: Rng;
  readonly params: MachineParams;
  readonly limits: Record<MachineMetric, MetricLimits>;
  readonly rates: FaultRates;
  readonly ticks: number;
  readonly intervalS: number;
  readonly warmup: number;
}

const minutesToTicks = (minutes: number, intervalS: number, least: number) =>
  Math.max(least, Math.round((minutes * 60) / intervalS));

/** Draws and places every stretch fault of one machine: shutdowns first (they take all metrics), then the rest. */
export function planStretches(ctx: PlanContext): StretchPlan {
  const { rng, params, rates, ticks, intervalS } = ctx;
  const plan = new StretchPlan(ticks, ctx.warmup);
  const days = (ticks * intervalS) / 86_400;
  const stepMin = intervalS / 60;

  for (let n = rng.poisson(rates.shutdown * days); n > 0; n--) {
    const length = minutesToTicks(rng.uniform(SHUTDOWN_MINUTES.min, SHUTDOWN_MINUTES.max), intervalS, 2);
    plan.place(rng, MACHINE_METRICS, length, (first) => ({
      fault: 'shutdown',
      metrics: MACHINE_METRICS,
      first,
      last: first + length - 1,
    }));
  }

  // Before the short faults, which then fit around it. Drawn only when asked for: plans without bearing wear consume the same random numbers as before it existed.
  if (rates.bearing_wear > 0) {
    for (let n = rng.poisson(rates.bearing_wear * days); n > 0; n--) {
      const length = minutesToTicks(rng.uniform(BEARING_WEAR_DAYS.min, BEARING_WEAR_DAYS.max) * 1440, intervalS, 4);
      const rise = {
        vibration_mm_s: rng.uniform(BEARING_WEAR_RISE.vibration_mm_s.min, BEARING_WEAR_RISE.vibration_mm_s.max),
        temperature_c: rng.uniform(BEARING_WEAR_RISE.temperature_c.min, BEARING_WEAR_RISE.temperature_c.max),
      };
      // Wear accelerates: slow at first, fastest just before the failure.
      const offsets = Float64Array.from({ length }, (_, i) => ((i + 1) / length) ** 2);
      plan.place(rng, ['vibration_mm_s', 'temperature_c'], length, (first) => ({
        fault: 'bearing_wear',
        metrics: ['vibration_mm_s', 'temperature_c'],
        first,
        last: first + length - 1,
        offsets,
        from: first,
        rise,
      }));
    }
  }

  for (let n = rng.poisson(rates.overheating * days); n > 0; n--) {
    const heatTicks = minutesToTicks(rng.uniform(OVERHEAT_MINUTES.min, OVERHEAT_MINUTES.max), intervalS, 2);
    const rise = rng.uniform(OVERHEAT_RISE_C.min, OVERHEAT_RISE_C.max);
    // A cooling failure that worsens over the first third of the stretch, through the machine's thermal lag.
    const decay = Math.exp(-stepMin / params.tauThermalMin);
    const excess: number[] = [];
    let e = 0;
    for (let i = 0; i < heatTicks || e >= 0.05; i++) {
      const heat = i < heatTicks ? rise * Math.min(1, (i + 1) / Math.max(1, heatTicks / 3)) : 0;
      e = heat + (e - heat) * decay;
      excess.push(e);
    }
    const labelled = excess.map((v, i) => (v >= OVERHEAT_LABEL_C ? i : -1)).filter((i) => i >= 0);
    if (labelled.length === 0) continue;
    const firstOffset = labelled[0] as number;
    const lastOffset = labelled[labelled.length - 1] as number;
    plan.place(rng, ['temperature_c'], excess.length, (from) => ({
      fault: 'overheating',
      metrics: ['temperature_c'],
      first: from + firstOffset,
      last: from + lastOffset,
      offsets: Float64Array.from(excess),
      from,
    }));
  }

  for (let n = rng.poisson(rates.drift * days); n > 0; n--) {
    const metric = rng.pick(DRIFT_METRICS);
    const length = minutesToTicks(rng.uniform(DRIFT_HOURS.min, DRIFT_HOURS.max) * 60, intervalS, 4);
    const size = driftSize(rng, metric, params);
    // Rises for most of the stretch, then a gentle recalibration back to zero: no step the cleaner would take for a spike.
    const peakAt = rng.uniform(0.6, 0.8);
    const offsets = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      const u = (i + 1) / (length + 1);
      offsets[i] = size * (u < peakAt ? u / peakAt : (1 - u) / (1 - peakAt));
    }
    plan.place(rng, [metric], length, (first) => ({
      fault: 'drift',
      metrics: [metric],
      first,
      last: first + length - 1,
      offsets,
      from: first,
    }));
  }

  const stuckMetrics = STUCK_METRICS(ctx.limits);
  if (stuckMetrics.length > 0) {
    for (let n = rng.poisson(rates.stuck * days); n > 0; n--) {
      const metric = rng.pick(stuckMetrics);
      const length = rng.int(STUCK_READINGS.min, STUCK_READINGS.max);
      plan.place(rng, [metric], length, (first) => ({
        fault: 'stuck',
        metrics: [metric],
        first,
        last: first + length - 1,
      }));
    }
  }
  return plan;
}

function driftSize(rng: Rng, metric: MachineMetric, params: MachineParams): number {
  const sign = rng.chance(0.5) ? 1 : -1;
  // A share of idle power: even a downward drift leaves an idling machine's reading positive.
  if (metric === 'power_kw') return sign * rng.uniform(0.3, 0.6) * params.idle * params.ratedKw;
  if (metric === 'temperature_c') return sign * rng.uniform(4, 10);
  // Vibration sensors drift up as their mounting loosens.
  return rng.uniform(0.5, 2);
}
