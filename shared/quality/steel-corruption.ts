import { STEEL_METRICS, type SteelMetric, type SteelRow } from '../demo/steel.js';
import { Rng } from '../simulate/prng.js';

/**
 * An independent corruption of the steel plant's year: faults described physically (amplitudes in multiples of
 * each series' own variability, durations in time, error codes a meter's firmware writes), with no knowledge of
 * the cleaner's thresholds, windows or ranges.
 */
export const CORRUPTIONS = ['spike', 'stuck', 'dropout', 'error_code'] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

export const STEEL_METRIC_NAMES = Object.values(STEEL_METRICS) as SteelMetric[];

export interface CorruptedValue {
  readonly index: number;
  readonly metric: SteelMetric;
  readonly fault: Corruption;
  readonly truth: number;
  /** Readings in the dropout this value belongs to (dropouts only). */
  readonly gapSteps?: number;
  /** Whether every metric of the reading is missing (dropouts only). */
  readonly wholeReading?: boolean;
}

export interface CorruptedYear {
  /** Per metric, the values as the corrupted meter sends them (null: nothing sent). */
  readonly values: Record<SteelMetric, Array<number | null>>;
  /** Key `${index}|${metric}` → the fault and the true value. */
  readonly faults: Map<string, CorruptedValue>;
}

export const faultKey = (index: number, metric: string) => `${index}|${metric}`;

/** Physical bounds of the quantities (not the registry's ranges): energies are not negative, a power factor is at most 100 %. */
const UPPER: Partial<Record<SteelMetric, number>> = { lagging_pf: 100, leading_pf: 100 };
const STEP_S = 900;
const HOUR = 3600 / STEP_S;
/** Error codes a meter writes in place of a reading: register overflow, "no data" sentinels. */
const ERROR_CODES = [65535, -1, 9999.99, -9999];

/** Rates per metric and year-reading. */
const RATES = { spike: 0.003, stuckEpisodes: 25, dropoutEpisodes: 120, errorCode: 0.0005 } as const;

function diffSd(values: readonly number[]): number {
  let s = 0;
  let s2 = 0;
  for (let i = 1; i < values.length; i++) {
    const d = (values[i] as number) - (values[i - 1] as number);
    s += d;
    s2 += d * d;
  }
  const n = values.length - 1;
  return Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
}

/** Dropout lengths: a missed reading, an outage of hours, a lost day. */
function dropoutSteps(rng: Rng): number {
  const u = rng.next();
  if (u < 0.5) return 1;
  if (u < 0.75) return rng.int(2, 4 * HOUR);
  if (u < 0.92) return rng.int(4 * HOUR + 1, 12 * HOUR);
  return rng.int(12 * HOUR + 1, 24 * HOUR);
}

export function corruptSteel(rows: readonly SteelRow[], seed: number): CorruptedYear {
  const rng = new Rng(seed, 'steel-corruption');
  const n = rows.length;
  const truth = Object.fromEntries(STEEL_METRIC_NAMES.map((m) => [m, rows.map((r) => r.metrics[m])])) as Record<
    SteelMetric,
    number[]
  >;
  const values = Object.fromEntries(STEEL_METRIC_NAMES.map((m) => [m, [...truth[m]]])) as Record<
    SteelMetric,
    Array<number | null>
  >;
  const faults = new Map<string, CorruptedValue>();
  const free = (i: number, m: SteelMetric) => !faults.has(faultKey(i, m));
  const mark = (
    i: number,
    m: SteelMetric,
    fault: Corruption,
    value: number | null,
    extra: Partial<CorruptedValue> = {},
  ) => {
    values[m][i] = value;
    faults.set(faultKey(i, m), { index: i, metric: m, fault, truth: truth[m][i] as number, ...extra });
  };

  // Dropouts first (they hide whole stretches), then stuck runs, spikes and error codes on what is left.
  for (let e = 0; e < RATES.dropoutEpisodes; e++) {
    const steps = dropoutSteps(rng);
    const start = rng.int(HOUR, n - steps - HOUR);
    const wholeReading = rng.chance(0.5);
    const metrics = wholeReading ? STEEL_METRIC_NAMES : [rng.pick(STEEL_METRIC_NAMES)];
    for (let i = start; i < start + steps; i++)
      for (const m of metrics) if (free(i, m)) mark(i, m, 'dropout', null, { gapSteps: steps, wholeReading });
  }
  for (const m of STEEL_METRIC_NAMES) {
    const series = truth[m];
    for (let e = 0; e < RATES.stuckEpisodes; e++) {
      // A frozen register: the value at the onset repeats for 2 to 8 hours.
      const steps = rng.int(2 * HOUR, 8 * HOUR);
      const start = rng.int(1, n - steps - 1);
      const frozen = series[start - 1] as number;
      for (let i = start; i < start + steps; i++) if (free(i, m) && series[i] !== frozen) mark(i, m, 'stuck', frozen);
    }
    const sd = diffSd(series);
    for (let i = 1; i < n; i++) {
      if (!free(i, m)) continue;
      if (rng.chance(RATES.spike)) {
        // A transient of 3 to 8 times the series' own 15-minute variability, upwards unless that is impossible.
        const jump = rng.uniform(3, 8) * sd;
        const up = (series[i] as number) + jump;
        const down = (series[i] as number) - jump;
        const value = up <= (UPPER[m] ?? Infinity) ? up : down >= 0 ? down : undefined;
        if (value !== undefined) mark(i, m, 'spike', Math.round(value * 100) / 100);
      } else if (rng.chance(RATES.errorCode)) {
        mark(i, m, 'error_code', rng.pick(ERROR_CODES));
      }
    }
  }
  return { values, faults };
}

/** Reading duration of one step, for bucketing dropouts by length in time. */
export const STEEL_STEP_S = STEP_S;
