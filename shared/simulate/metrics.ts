import type { MetricSpec } from '../devices/registry.js';

/** What a simulated machine reports; the names and canonical units of `sim-plant/machine-*` in data/devices.json. */
export const MACHINE_METRICS = [
  'power_kw',
  'temperature_c',
  'vibration_mm_s',
  'runtime_h',
  'production_units',
] as const;
export type MachineMetric = (typeof MACHINE_METRICS)[number];

export const SIM_DEVICE_FAMILY = 'sim-plant/machine-*';
export const SIM_TIMEZONE = 'Europe/Berlin';

/** The parts of a registry metric spec the generator needs to place faults where the cleaner can judge them. */
export interface MetricLimits {
  readonly min: number;
  readonly max: number;
  readonly stuckAfter?: number;
  readonly spikeZ: number;
  readonly spikeMinDelta: number;
}

/** Mirrors data/devices.json; the CLI passes the registry's own values, so an edited registry is honoured. */
export const DEFAULT_LIMITS: Readonly<Record<MachineMetric, MetricLimits>> = {
  power_kw: { min: 0, max: 2000, stuckAfter: 3, spikeZ: 8, spikeMinDelta: 0 },
  temperature_c: { min: -40, max: 250, stuckAfter: 3, spikeZ: 8, spikeMinDelta: 0 },
  vibration_mm_s: { min: 0, max: 100, stuckAfter: 3, spikeZ: 8, spikeMinDelta: 0 },
  runtime_h: { min: 0, max: 1_000_000, spikeZ: 8, spikeMinDelta: 0 },
  production_units: { min: 0, max: 100_000, spikeZ: 8, spikeMinDelta: 0 },
};

/** Limits of the machine family from registry specs; a metric the registry lacks keeps its default. */
export function limitsFromSpecs(specs: ReadonlyMap<string, MetricSpec>): Record<MachineMetric, MetricLimits> {
  const out = { ...DEFAULT_LIMITS };
  for (const metric of MACHINE_METRICS) {
    const spec = specs.get(metric);
    if (!spec) continue;
    out[metric] = {
      min: spec.min,
      max: spec.max,
      ...(spec.stuckAfter !== undefined ? { stuckAfter: spec.stuckAfter } : {}),
      spikeZ: spec.spikeZ,
      spikeMinDelta: spec.spikeMinDelta,
    };
  }
  return out;
}

export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
