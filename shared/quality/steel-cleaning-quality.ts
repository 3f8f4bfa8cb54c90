import { loadSteel, steelReading, type SteelMetric } from '../demo/steel.js';
import { DeviceRegistry } from '../devices/registry.js';
import { cleanMessages } from '../readings/clean/batch/clean-file.js';
import { ReadingCleaner } from '../readings/clean/cleaner.js';
import { DeviceState } from '../readings/clean/device-state.js';
import type { Flag } from '../readings/flags.js';
import {
  CORRUPTIONS,
  corruptSteel,
  faultKey,
  STEEL_METRIC_NAMES,
  STEEL_STEP_S,
  type Corruption,
  type CorruptedValue,
} from './steel-corruption.js';

/** Flags that say "this value is wrong"; a clean value carrying one is a false flag. */
const FAULT_FLAGS: ReadonlySet<string> = new Set<Flag>([
  'missing',
  'out_of_range',
  'spike',
  'stuck',
  'shutdown',
  'inconsistent',
]);
/** The flag that names each fault. */
export const NAMED_FLAG: Record<Corruption, Flag> = {
  spike: 'spike',
  stuck: 'stuck',
  dropout: 'missing',
  error_code: 'out_of_range',
};
const LIMITS = { futureToleranceS: 300, futureRejectS: 86_400, maxBatch: 1000, maxMessageBytes: 480 * 1024 };

export interface Detection {
  readonly fault: Corruption;
  readonly values: number;
  /** Share of the fault's values carrying any fault flag. */
  readonly recallAny: number;
  /** Share carrying the flag that names the fault. */
  readonly recallNamed: number;
}

export interface PathQuality {
  readonly path: 'streaming' | 'batch';
  readonly cleanValues: number;
  readonly falseFlags: number;
  readonly detection: Detection[];
}

export interface ImputationRow {
  /** A metric, or a dropout-length bucket over every metric's values in standard units. */
  readonly name: string;
  readonly values: number;
  readonly unrepaired: number;
  readonly rmse: number;
  /** Linear interpolation between the nearest uncorrupted values in time (knows where every fault is). */
  readonly linearRmse: number;
}

export interface SteelCleaningQuality {
  readonly readings: number;
  readonly corrupted: number;
  readonly paths: PathQuality[];
  /** Dropout values, per metric (its unit). */
  readonly imputation: ImputationRow[];
  /** Dropout values of usage_kwh by dropout length, and by whether the rest of the reading was there. */
  readonly usageByLength: ImputationRow[];
  readonly usageByScope: ImputationRow[];
}

type Cleaned = Map<string, { value: number | null; flags: readonly string[]; repaired: boolean }>;

function detection(cleaned: Cleaned, faults: Map<string, CorruptedValue>, path: PathQuality['path']): PathQuality {
  let cleanValues = 0;
  let falseFlags = 0;
  for (const [key, row] of cleaned) {
    if (faults.has(key)) continue;
    cleanValues++;
    if (row.flags.some((f) => FAULT_FLAGS.has(f))) falseFlags++;
  }
  const detected = CORRUPTIONS.map((fault) => {
    const mine = [...faults.entries()].filter(([, f]) => f.fault === fault);
    const flagsOf = (key: string) => cleaned.get(key)?.flags ?? [];
    const any = mine.filter(([key]) => flagsOf(key).some((f) => FAULT_FLAGS.has(f))).length;
    const named = mine.filter(([key]) => flagsOf(key).includes(NAMED_FLAG[fault])).length;
    return {
      fault,
      values: mine.length,
      recallAny: any / Math.max(1, mine.length),
      recallNamed: named / Math.max(1, mine.length),
    };
  });
  return { path, cleanValues, falseFlags, detection: detected };
}

/** Linear interpolation of index i from the nearest values that no fault touched. */
function linearAt(truth: readonly number[], untouched: (i: number) => boolean, i: number): number {
  let a = i - 1;
  while (a >= 0 && !untouched(a)) a--;
  let b = i + 1;
  while (b < truth.length && !untouched(b)) b++;
  if (a < 0) return truth[b] as number;
  if (b >= truth.length) return truth[a] as number;
  return (truth[a] as number) + (((truth[b] as number) - (truth[a] as number)) * (i - a)) / (b - a);
}

const rmse = (errors: readonly number[]) =>
  Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / Math.max(1, errors.length));

function imputationRow(
  name: string,
  items: ReadonlyArray<{ imputed: number | null; linear: number; truth: number }>,
): ImputationRow {
  const repaired = items.filter((x) => x.imputed !== null);
  return {
    name,
    values: items.length,
    unrepaired: items.length - repaired.length,
    rmse: rmse(repaired.map((x) => (x.imputed as number) - x.truth)),
    linearRmse: rmse(repaired.map((x) => x.linear - x.truth)),
  };
}

const LENGTHS: ReadonlyArray<readonly [string, number]> = [
  ['one reading (15 min)', 900],
  ['up to 4 h', 4 * 3600],
  ['4 to 12 h', 12 * 3600],
  ['12 to 24 h', 24 * 3600],
];

/**
 * The steel year through the corruption of steel-corruption.ts, then through the streaming rules (as ingest runs
 * them) and `kilowatch clean`: recall per fault (any fault flag, and the flag that names it), false flags on the
 * values no fault touched, and the imputation error of dropped values next to linear interpolation.
 */
export function measureSteelCleaning(options: { seed: number; registryFile: string }): SteelCleaningQuality {
  const steel = loadSteel();
  const { values, faults } = corruptSteel(steel, options.seed);
  const indexOfTs = new Map(steel.map((r, i) => [new Date(r.tsMs).toISOString(), i]));
  const lines: string[] = [];
  const readings = steel.map((row, i) => {
    const reading = steelReading(row, i);
    for (const m of STEEL_METRIC_NAMES) reading.metrics[m] = values[m][i] as number | null;
    return reading;
  });
  for (let i = 0; i < readings.length; i += 96) lines.push(JSON.stringify({ readings: readings.slice(i, i + 96) }));
  const registry = DeviceRegistry.fromFile(options.registryFile);

  const streaming: Cleaned = new Map();
  const cleaner = new ReadingCleaner(registry, LIMITS);
  const state = new DeviceState(32, Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < readings.length; i += 96) {
    const result = cleaner.clean(
      readings.slice(i, i + 96),
      { messageId: `s${i}`, receivedAt: Date.UTC(2030, 0, 1) },
      () => state,
    );
    for (const r of result.rows)
      streaming.set(faultKey(indexOfTs.get(r.ts) as number, r.metric), {
        value: r.value,
        flags: r.flags,
        repaired: r.status === 'repaired',
      });
  }
  const batch: Cleaned = new Map();
  for (const r of cleanMessages(lines, registry, LIMITS, Date.UTC(2030, 0, 1)).rows) {
    batch.set(faultKey(indexOfTs.get(r.ts) as number, r.metric), {
      value: r.value,
      flags: r.flags,
      repaired: r.status === 'repaired',
    });
  }

  const truthOf = new Map(STEEL_METRIC_NAMES.map((m) => [m, steel.map((r) => r.metrics[m])]));
  const perMetric = new Map<
    SteelMetric,
    Array<{ imputed: number | null; linear: number; truth: number; gapSteps: number; wholeReading: boolean }>
  >();
  for (const f of faults.values()) {
    if (f.fault !== 'dropout') continue;
    const truth = truthOf.get(f.metric) as number[];
    const row = batch.get(faultKey(f.index, f.metric));
    const item = {
      imputed: row?.repaired && row.value !== null ? row.value : null,
      linear: linearAt(truth, (j) => !faults.has(faultKey(j, f.metric)), f.index),
      truth: f.truth,
      gapSteps: f.gapSteps ?? 1,
      wholeReading: f.wholeReading ?? false,
    };
    const list = perMetric.get(f.metric);
    if (list) list.push(item);
    else perMetric.set(f.metric, [item]);
  }
  const usage = perMetric.get('usage_kwh') ?? [];
  let shorter = 0;
  const usageByLength = LENGTHS.map(([name, upToS]) => {
    const items = usage.filter((x) => x.gapSteps * STEEL_STEP_S > shorter && x.gapSteps * STEEL_STEP_S <= upToS);
    shorter = upToS;
    return imputationRow(name, items);
  });
  return {
    readings: steel.length,
    corrupted: faults.size,
    paths: [detection(streaming, faults, 'streaming'), detection(batch, faults, 'batch')],
    imputation: STEEL_METRIC_NAMES.map((m) => imputationRow(m, perMetric.get(m) ?? [])),
    usageByLength,
    usageByScope: [
      imputationRow(
        'only usage_kwh missing',
        usage.filter((x) => !x.wholeReading),
      ),
      imputationRow(
        'the whole reading missing',
        usage.filter((x) => x.wholeReading),
      ),
    ],
  };
}
