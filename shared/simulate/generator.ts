import { z } from 'zod';
import type { WireReading } from '../readings/wire.js';
import { PlantClock, type LocalTime } from './calendar.js';
import { countsByFault, faultRates, type FaultLabel, type FaultType } from './faults.js';
import { MachinePhysics, machineParams, type MachineParams } from './machine.js';
import {
  DEFAULT_LIMITS,
  MACHINE_METRICS,
  round3,
  SIM_TIMEZONE,
  type MachineMetric,
  type MetricLimits,
} from './metrics.js';
import { planStretches, type StretchPlan } from './plan.js';
import { Rng } from './prng.js';
import { RecentValues } from './recent.js';
import { JUMP_METRICS, jumpValue, outlierValue } from './value-faults.js';
import { applyUnitVariants, timestampVariant } from './variants.js';

/**
 * The synthetic plant behind `kilowatch simulate`: N machines reporting power, temperature, vibration,
 * runtime and production every interval, with injected faults and one label per affected value.
 * Deterministic: the same options give the same readings and labels, byte for byte.
 */

const share = z.number().min(0).max(1);
const STRETCH_FAULTS: ReadonlySet<FaultType> = new Set(['shutdown', 'overheating', 'drift', 'stuck', 'bearing_wear']);

export const simulationOptions = z.strictObject({
  machines: z.number().int().min(1).max(999).default(5),
  intervalS: z.number().int().min(1).max(86_400).default(60),
  /** First reading's instant, epoch milliseconds. */
  startMs: z.number().int().min(0),
  durationS: z.number().int().positive(),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  faults: faultRates.prefault({}),
  /** Share of readings sending power in W, temperature in °F or K, and now and then vibration in in/s, runtime in min. */
  unitVariants: share.default(0),
  /** Share of readings stamped plant-local (dd/mm/yyyy HH:MM), ISO with offset or epoch s/ms instead of ISO UTC. */
  tsVariants: share.default(0),
  timezone: z.string().min(1).default(SIM_TIMEZONE),
  /** Physical ranges and cleaning thresholds per metric (the registry's); faults are placed against them. */
  limits: z
    .custom<Record<MachineMetric, MetricLimits>>((v) => typeof v === 'object' && v !== null)
    .default(DEFAULT_LIMITS),
  /** History the cleaner judges spikes against (KILOWATCH_HISTORY_POINTS). */
  historyPoints: z.number().int().min(8).max(10_000).default(96),
});
export type SimulationInput = z.input<typeof simulationOptions>;
export type SimulationOptions = z.output<typeof simulationOptions>;

export interface SimulatedReading {
  readonly reading: WireReading;
  readonly labels: readonly FaultLabel[];
  /** The reading's instant, epoch ms (its `ts` may be in another form). */
  readonly tsMs: number;
}

export function deviceIdOf(index: number, machines: number): string {
  return `sim-plant/machine-${String(index + 1).padStart(Math.max(2, String(machines).length), '0')}`;
}

/** Readings per machine the options produce. */
export function ticksOf(options: Pick<SimulationOptions, 'durationS' | 'intervalS'>): number {
  return Math.floor(options.durationS / options.intervalS);
}

/** Measurement noise: well above the 3-decimal rounding, so healthy values essentially never repeat. */
const POWER_NOISE_SHARE = 0.008;
const TEMPERATURE_NOISE_C = 0.2;
const VIBRATION_NOISE = { relative: 0.04, absolute: 0.03 };

class SimulatedMachine {
  readonly deviceId: string;
  readonly params: MachineParams;
  private readonly physics: MachinePhysics;
  private readonly plan: StretchPlan;
  private readonly noise: Rng;
  private readonly faultRng: Rng;
  private readonly variantRng: Rng;
  private readonly recent = new Map<MachineMetric, RecentValues>();
  private readonly last = new Map<MachineMetric, number | null>();
  /** Value-fault probabilities per free cell, raised so that the share of all values matches the rates. */
  private readonly p: { missing: number; outlier: number; spike: number; dip: number };
  private readonly owed = { spike: 0, dip: 0 };
  private seq = 0;

  constructor(
    index: number,
    private readonly o: SimulationOptions,
    ticks: number,
    private readonly clock: PlantClock,
  ) {
    this.deviceId = deviceIdOf(index, o.machines);
    const stream = (purpose: string) => new Rng(o.seed, `${index}:${purpose}`);
    this.params = machineParams(stream('params'), index);
    this.physics = new MachinePhysics(this.params, stream('physics'), o.intervalS);
    this.noise = stream('noise');
    this.faultRng = stream('faults');
    this.variantRng = stream('variants');
    const warmup = Math.min(Math.max(24, Math.ceil(o.historyPoints / 4)), Math.floor(ticks / 4));
    this.plan = planStretches({
      rng: stream('plan'),
      params: this.params,
      limits: o.limits,
      rates: o.faults,
      ticks,
      intervalS: o.intervalS,
      warmup,
    });
    const free = Math.max(0.5, this.plan.freeShare());
    const f = o.faults;
    this.p = { missing: f.missing / free, outlier: f.outlier / free, spike: f.spike / free, dip: f.dip / free };
    for (const m of MACHINE_METRICS) this.recent.set(m, new RecentValues(o.historyPoints));
  }

  step(tick: number, ms: number, local: LocalTime): SimulatedReading {
    const iso = new Date(ms).toISOString();
    const isoOf = (t: number) => new Date(this.o.startMs + t * this.o.intervalS * 1000).toISOString();
    const shutdown = this.plan.at('power_kw', tick)?.stretch;
    const off = shutdown?.fault === 'shutdown' && tick >= shutdown.first && tick <= shutdown.last;
    const truth = this.physics.step(local, !off);

    // Sensor readings of the true state, with a fixed number of draws whatever happens below.
    const z = [
      this.noise.normal(),
      this.noise.normal(),
      this.noise.normal(),
      this.noise.normal(),
      this.noise.normal(),
    ] as const;
    const rated = this.params.ratedKw;
    const measured: Record<MachineMetric, number> = {
      power_kw: off ? 0 : round3(Math.max(0.002 * rated, truth.powerKw + POWER_NOISE_SHARE * rated * z[0])),
      temperature_c: round3(truth.temperatureC + TEMPERATURE_NOISE_C * z[1]),
      vibration_mm_s: off
        ? 0
        : round3(
            Math.max(0.05, truth.vibration * (1 + VIBRATION_NOISE.relative * z[2]) + VIBRATION_NOISE.absolute * z[3]),
          ),
      runtime_h: round3(truth.runtimeH),
      production_units: off ? 0 : Math.max(0, Math.round(truth.unitsMean + Math.sqrt(truth.unitsMean) * z[4])),
    };

    const metrics: Record<string, number | null> = {};
    const labels: FaultLabel[] = [];
    const label = (
      metric: MachineMetric,
      fault: FaultType,
      clean: number | null | undefined,
      stretch?: { first: number; last: number },
    ) => {
      labels.push({
        deviceId: this.deviceId,
        ts: iso,
        metric,
        fault,
        ...(stretch ? { start: isoOf(stretch.first), end: isoOf(stretch.last) } : {}),
        ...(clean !== undefined ? { clean } : {}),
      });
    };

    for (const metric of MACHINE_METRICS) {
      const limits = this.o.limits[metric];
      const clean = measured[metric];
      const reservation = this.plan.at(metric, tick);
      const stretch = reservation?.stretch;
      let value: number | null = clean;
      let fault: FaultType | undefined;
      if (stretch?.fault === 'shutdown') {
        if (off) fault = 'shutdown';
      } else if (stretch?.fault === 'overheating') {
        const excess = stretch.offsets?.[tick - (stretch.from as number)] ?? 0;
        value = round3(clean + excess);
        if (tick >= stretch.first && tick <= stretch.last) fault = 'overheating';
      } else if (stretch?.fault === 'drift' && tick >= stretch.first && tick <= stretch.last) {
        const bias = stretch.offsets?.[tick - stretch.first] ?? 0;
        const floor = Math.max(limits.min, 0) + (metric === 'power_kw' ? 0.01 * rated : 0.01);
        value = round3(Math.min(limits.max, Math.max(floor, clean + bias)));
        fault = 'drift';
      } else if (stretch?.fault === 'bearing_wear' && tick >= stretch.first && tick <= stretch.last) {
        const rise = (stretch.rise?.[metric] ?? 0) * (stretch.offsets?.[tick - stretch.first] ?? 0);
        value = round3(Math.min(limits.max, clean + rise));
        fault = 'bearing_wear';
      } else if (stretch?.fault === 'stuck' && tick >= stretch.first && tick <= stretch.last) {
        value = this.last.get(metric) ?? clean;
        fault = 'stuck';
      } else if (!reservation) {
        ({ value, fault } = this.valueFault(metric, clean, limits));
      }
      metrics[metric] = value;
      this.last.set(metric, value);
      if (fault) {
        const whole = stretch && STRETCH_FAULTS.has(fault) ? stretch : undefined;
        label(metric, fault, fault === 'shutdown' ? undefined : clean, whole);
      } else if (value !== null) {
        (this.recent.get(metric) as RecentValues).push(value);
      }
    }

    const reading: WireReading = { deviceId: this.deviceId, ts: iso, metrics, seq: this.seq++ };
    if (this.o.unitVariants > 0 && this.variantRng.next() < this.o.unitVariants) {
      const keep = (m: MachineMetric) => this.plan.at(m, tick)?.stretch.fault === 'stuck';
      const units = applyUnitVariants(this.variantRng, metrics, keep);
      if (units) reading.units = units;
    }
    if (this.o.tsVariants > 0 && this.variantRng.next() < this.o.tsVariants)
      reading.ts = timestampVariant(this.variantRng, ms, this.clock);
    return { reading, labels, tsMs: ms };
  }

  /** Missing, outlier, spike or dip for one free value, or the clean value. */
  private valueFault(
    metric: MachineMetric,
    clean: number,
    limits: MetricLimits,
  ): { value: number | null; fault?: FaultType } {
    const u = this.faultRng.next();
    let edge = this.p.missing;
    if (u < edge) return { value: null, fault: 'missing' };
    if (u < (edge += this.p.outlier))
      return { value: outlierValue(this.faultRng, metric, clean, limits), fault: 'outlier' };
    if (!JUMP_METRICS.has(metric)) return { value: clean };
    // A jump drawn where none fits (a dip at a low count) is owed, and placed at the next value where one does.
    let drawn: 'spike' | 'dip' | undefined;
    if (u < (edge += this.p.spike)) drawn = 'spike';
    else if (u < edge + this.p.dip) drawn = 'dip';
    const kind = drawn ?? (this.owed.spike > 0 ? 'spike' : this.owed.dip > 0 ? 'dip' : undefined);
    if (!kind) return { value: clean };
    const value = jumpValue(
      this.faultRng,
      kind === 'spike' ? 'up' : 'down',
      metric,
      this.recent.get(metric) as RecentValues,
      this.o.limits[metric],
    );
    if (value === undefined) {
      if (drawn) this.owed[kind]++;
      return { value: clean };
    }
    if (!drawn) this.owed[kind]--;
    return { value, fault: kind };
  }
}

/** Readings in time order (all machines at one instant, machine 01 first) with the labels of each. */
export function* simulate(input: SimulationInput): Generator<SimulatedReading> {
  const options = simulationOptions.parse(input);
  const ticks = ticksOf(options);
  const clock = new PlantClock(options.timezone);
  const machines = Array.from({ length: options.machines }, (_, i) => new SimulatedMachine(i, options, ticks, clock));
  for (let tick = 0; tick < ticks; tick++) {
    const ms = options.startMs + tick * options.intervalS * 1000;
    const local = clock.at(ms);
    for (const machine of machines) yield machine.step(tick, ms, local);
  }
}

/** Everything at once, for tests and small runs; `simulate` streams. */
export function generate(input: SimulationInput): {
  readings: WireReading[];
  labels: FaultLabel[];
  counts: Record<FaultType, number>;
} {
  const readings: WireReading[] = [];
  const labels: FaultLabel[] = [];
  const counts = countsByFault();
  for (const item of simulate(input)) {
    readings.push(item.reading);
    for (const l of item.labels) {
      labels.push(l);
      counts[l.fault]++;
    }
  }
  return { readings, labels, counts };
}
