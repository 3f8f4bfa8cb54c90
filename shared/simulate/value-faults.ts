import { round3, type MachineMetric, type MetricLimits } from './metrics.js';
import type { Rng } from './prng.js';
import type { RecentValues } from './recent.js';

/** Metrics that can jump for one reading; runtime is a counter and never does. */
export const JUMP_METRICS: ReadonlySet<MachineMetric> = new Set([
  'power_kw',
  'temperature_c',
  'vibration_mm_s',
  'production_units',
]);

/** Fewest recent clean values before a jump is placed: the cleaner needs history to call it one. */
export const JUMP_MIN_HISTORY = 24;

/** Smallest jump as a share of the recent level: a glitch an operator would call abnormal at a glance. */
const LEVEL_SHARE: Record<MachineMetric, number> = {
  power_kw: 0.3,
  temperature_c: 0.12,
  vibration_mm_s: 0.5,
  production_units: 0.5,
  runtime_h: 0,
};

const integral = (metric: MachineMetric, v: number) => (metric === 'production_units' ? Math.round(v) : round3(v));

/**
 * A single value far above (spike) or below (dip) the recent level: 1.5 to 2.5 times the spike threshold
 * (spikeZ robust standard deviations), at least 1.5 × spikeMinDelta, at least a share of the level;
 * inside the physical range and, for a dip, above zero. Undefined when no such value exists here.
 */
export function jumpValue(
  rng: Rng,
  direction: 'up' | 'down',
  metric: MachineMetric,
  recent: RecentValues,
  limits: MetricLimits,
): number | undefined {
  const stats = recent.count >= JUMP_MIN_HISTORY ? recent.robust() : undefined;
  if (!stats) return undefined;
  const scale = Math.max(stats.scale, 1e-6);
  const wanted = Math.max(
    rng.uniform(1.5, 2.5) * limits.spikeZ * scale,
    rng.uniform(1.5, 2.5) * limits.spikeMinDelta,
    LEVEL_SHARE[metric] * Math.abs(stats.median),
  );
  // The least that still reads as a jump to a rule with some margin.
  const needed = Math.max(1.2 * limits.spikeZ * scale, 1.2 * limits.spikeMinDelta);
  let value: number;
  if (direction === 'up') {
    const ceiling = limits.max - 0.01 * (limits.max - limits.min);
    value = integral(metric, Math.min(stats.median + wanted, ceiling));
  } else {
    const floor =
      Math.max(limits.min, 0) + Math.max(0.02 * Math.abs(stats.median), metric === 'production_units' ? 1 : 0.001);
    value = integral(metric, Math.max(stats.median - wanted, floor));
    if (value <= 0 || value <= limits.min) return undefined;
  }
  return Math.abs(value - stats.median) >= needed ? value : undefined;
}

/** Sentinels meters really send when a channel fails, used when outside the metric's range. */
const SENTINELS = [-999, -273.15, -1, 999, 9999, 65535];

/** A value outside the physical range: a sentinel, a sign error or a wild reading. */
export function outlierValue(rng: Rng, metric: MachineMetric, current: number, limits: MetricLimits): number {
  const sentinels = SENTINELS.filter((v) => v < limits.min || v > limits.max);
  const u = rng.next();
  let value: number;
  if (u < 0.4 && sentinels.length > 0) value = rng.pick(sentinels);
  else if (u < 0.7) value = limits.min - Math.max(1, Math.abs(current)) * rng.uniform(0.2, 2);
  else value = limits.max + Math.max(1, Math.abs(limits.max)) * rng.uniform(0.2, 4);
  value = integral(metric, value);
  // Rounding must not carry it back inside.
  if (value >= limits.min && value <= limits.max) value = limits.max + 1;
  return value;
}
