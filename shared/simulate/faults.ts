import { z } from 'zod';
import type { Flag } from '../readings/flags.js';
import type { MachineMetric } from './metrics.js';

export const FAULT_TYPES = [
  'spike',
  'dip',
  'overheating',
  'drift',
  'stuck',
  'shutdown',
  'missing',
  'outlier',
  'bearing_wear',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/**
 * The cleaning flag each injected fault should raise. Overheating and drift are real process or sensor
 * behaviour that passes cleaning on purpose: the anomaly detectors judge them, so no flag is expected.
 */
export const EXPECTED_FLAG: Readonly<Record<FaultType, Flag | null>> = {
  spike: 'spike',
  dip: 'spike',
  outlier: 'out_of_range',
  stuck: 'stuck',
  shutdown: 'shutdown',
  missing: 'missing',
  overheating: null,
  drift: null,
  bearing_wear: null,
};

/** One affected value: (device, ts, metric) with the fault that changed it. */
export interface FaultLabel {
  readonly deviceId: string;
  /** ISO 8601 UTC, the reading's instant whatever form its `ts` was sent in. */
  readonly ts: string;
  readonly metric: MachineMetric;
  readonly fault: FaultType;
  /** First and last instant of the stretch, for stretch faults (overheating, drift, stuck, shutdown). */
  readonly start?: string;
  readonly end?: string;
  /** The value the machine would have reported without this fault (canonical unit); absent for shutdown. */
  readonly clean?: number | null;
}

const share = z.number().min(0).max(1);
const perDay = z.number().min(0).max(50);

/**
 * How often faults happen. Value faults are a share of eligible values; stretch faults are events per
 * machine per day. The defaults give a plant's realistic mix: about 5 % nulls, 0.1 % outliers.
 */
export const faultRates = z.strictObject({
  /** Share of values sent as null. */
  missing: share.default(0.05),
  /** Share of values outside the metric's physical range (negative power, 999 °C, ...). */
  outlier: share.default(0.001),
  /** Share of power, temperature, vibration and production values replaced by a single jump up. */
  spike: share.default(0.001),
  /** Same, a single jump down (never to zero, never out of range). */
  dip: share.default(0.0005),
  /** Stretches of 10-60 readings where a power, temperature or vibration sensor repeats its last value. */
  stuck: perDay.default(0.5),
  /** Stops of 15 min to 3 h: power, vibration and production exactly 0, temperature cooling, runtime frozen. */
  shutdown: perDay.default(0.3),
  /** Cooling failures of 30 min to 2 h: temperature climbs 20-45 °C above normal, then recovers. */
  overheating: perDay.default(0.2),
  /** Sensor drifts of 4-12 h on power, temperature or vibration, rising then recalibrating smoothly. */
  drift: perDay.default(0.15),
  /**
   * Bearing wear of 2-5 days ending in a failure (the label's end): vibration climbs 3-6 mm/s and temperature
   * 3-6 °C, slowly then faster; then the bearing is replaced. Off by default: a rare, slow degradation that
   * maintenance recommendations are evaluated on.
   */
  bearing_wear: perDay.default(0),
});
export type FaultRates = z.infer<typeof faultRates>;

/** Readings of a stuck stretch, as the spec of the fault says. */
export const STUCK_READINGS = { min: 10, max: 60 } as const;
export const SHUTDOWN_MINUTES = { min: 15, max: 180 } as const;
export const OVERHEAT_MINUTES = { min: 30, max: 120 } as const;
export const OVERHEAT_RISE_C = { min: 20, max: 45 } as const;
export const DRIFT_HOURS = { min: 4, max: 12 } as const;
export const BEARING_WEAR_DAYS = { min: 2, max: 5 } as const;
export const BEARING_WEAR_RISE = { vibration_mm_s: { min: 3, max: 6 }, temperature_c: { min: 3, max: 6 } } as const;

/** Empty count per fault type. */
export function countsByFault(): Record<FaultType, number> {
  return Object.fromEntries(FAULT_TYPES.map((f) => [f, 0])) as Record<FaultType, number>;
}
