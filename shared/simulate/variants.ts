import { parseTimestamp } from '../readings/timestamps.js';
import type { PlantClock } from './calendar.js';
import type { MachineMetric } from './metrics.js';
import type { Rng } from './prng.js';

/**
 * What real devices send besides the canonical form: other units (the ingest converter's work) and
 * other timestamp forms (plant-local wall clock, ISO with offset, epoch seconds or milliseconds).
 */

interface UnitVariant {
  readonly unit: string;
  readonly fromCanonical: (v: number) => number;
}

const UNIT_VARIANTS: Partial<Record<MachineMetric, readonly UnitVariant[]>> = {
  power_kw: [{ unit: 'W', fromCanonical: (v) => v * 1000 }],
  temperature_c: [
    { unit: '°F', fromCanonical: (v) => (v * 9) / 5 + 32 },
    { unit: 'K', fromCanonical: (v) => v + 273.15 },
  ],
  vibration_mm_s: [{ unit: 'in/s', fromCanonical: (v) => v / 25.4 }],
  runtime_h: [{ unit: 'min', fromCanonical: (v) => v * 60 }],
};

/** Decimals sent per variant unit: enough that converting back loses nothing the cleaner could see. */
const DECIMALS: Record<string, number> = { 'in/s': 5 };

function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/**
 * Rewrites some metrics of a reading into another unit, filling `units`. `keep` names metrics that must
 * stay canonical (a stuck stretch: its frozen values must repeat exactly as sent).
 */
export function applyUnitVariants(
  rng: Rng,
  metrics: Record<string, number | null>,
  keep: (metric: MachineMetric) => boolean,
): Record<string, string> | undefined {
  let units: Record<string, string> | undefined;
  for (const [metric, variants] of Object.entries(UNIT_VARIANTS) as Array<[MachineMetric, readonly UnitVariant[]]>) {
    // Power and temperature always change in a chosen reading, the others now and then.
    const draw = rng.next();
    const variant = rng.pick(variants);
    if (!(metric === 'power_kw' || metric === 'temperature_c' || draw < 0.3)) continue;
    if (!Object.hasOwn(metrics, metric) || keep(metric)) continue;
    const value = metrics[metric];
    if (value !== null && value !== undefined)
      metrics[metric] = roundTo(variant.fromCanonical(value), DECIMALS[variant.unit] ?? 3);
    (units ??= {})[metric] = variant.unit;
  }
  return units;
}

/** Another form of the instant `ms`, which the ingest path must turn back into exactly `ms`. */
export function timestampVariant(rng: Rng, ms: number, clock: PlantClock): string | number {
  const u = rng.next();
  if (u < 0.5) {
    const text = clock.localText(ms);
    // The hour repeated when clocks go back is ambiguous in wall-clock time: such instants keep the offset form.
    const back = parseTimestamp(text, clock.zone);
    if (back.ok && back.ms === ms && ms % 1000 === 0) return text;
    return clock.isoWithOffset(ms);
  }
  if (u < 0.7) return clock.isoWithOffset(ms);
  if (u < 0.85 && ms % 1000 === 0) return ms / 1000;
  return ms;
}
