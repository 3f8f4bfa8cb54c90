import { DeviceRegistry } from '../devices/registry.js';
import { ReadingCleaner } from '../readings/clean/cleaner.js';
import { DeviceState } from '../readings/clean/device-state.js';
import { cleanMessages } from '../readings/clean/batch/clean-file.js';
import type { Flag } from '../readings/flags.js';
import { EXPECTED_FLAG, FAULT_TYPES, type FaultLabel, type FaultType } from '../simulate/faults.js';
import { generate } from '../simulate/generator.js';
import { limitsFromSpecs } from '../simulate/metrics.js';

/** Flags that say "this value is wrong"; a clean value carrying one is a false flag. */
const FAULT_FLAGS: ReadonlySet<string> = new Set<Flag>([
  'missing',
  'out_of_range',
  'spike',
  'stuck',
  'shutdown',
  'inconsistent',
]);

export interface FaultScore {
  readonly fault: FaultType;
  readonly expectedFlag: Flag | null;
  readonly labelled: number;
  /** Share of labelled values carrying the expected flag; null where no flag is expected. */
  readonly recall: number | null;
}

export interface CleaningQuality {
  readonly path: 'streaming' | 'batch';
  readonly values: number;
  readonly cleanValues: number;
  readonly falseFlags: number;
  readonly falseFlagRate: number;
  readonly faults: FaultScore[];
}

type Flagged = Map<string, readonly string[]>;

const keyOf = (deviceId: string, ts: string, metric: string) => `${deviceId}|${ts}|${metric}`;

function score(path: CleaningQuality['path'], flagged: Flagged, labels: readonly FaultLabel[]): CleaningQuality {
  const labelled = new Map(labels.map((l) => [keyOf(l.deviceId, l.ts, l.metric), l]));
  let cleanValues = 0;
  let falseFlags = 0;
  for (const [key, flags] of flagged) {
    if (labelled.has(key)) continue;
    cleanValues++;
    if (flags.some((f) => FAULT_FLAGS.has(f))) falseFlags++;
  }
  const faults = FAULT_TYPES.map((fault) => {
    const mine = labels.filter((l) => l.fault === fault);
    const expectedFlag = EXPECTED_FLAG[fault];
    const hits = expectedFlag
      ? mine.filter((l) => flagged.get(keyOf(l.deviceId, l.ts, l.metric))?.includes(expectedFlag)).length
      : 0;
    return {
      fault,
      expectedFlag,
      labelled: mine.length,
      recall: expectedFlag && mine.length ? hits / mine.length : null,
    };
  });
  return {
    path,
    values: flagged.size,
    cleanValues,
    falseFlags,
    falseFlagRate: cleanValues ? falseFlags / cleanValues : 0,
    faults,
  };
}

/**
 * Cleaning quality on the generator's labelled faults: the simulated plant goes through the streaming
 * rules (as the ingest function runs them) and through `kilowatch clean`; recall per fault type and
 * false flags on clean values are counted against the labels.
 */
export function measureCleaningQuality(options: {
  machines: number;
  days: number;
  seed: number;
  registryFile: string;
}): CleaningQuality[] {
  const registry = DeviceRegistry.fromFile(options.registryFile);
  const family = registry.get('sim-plant/machine-01');
  if (!family) throw new Error(`${options.registryFile}: no sim-plant/machine-* family`);
  const { readings, labels } = generate({
    machines: options.machines,
    startMs: Date.UTC(2024, 0, 1),
    durationS: options.days * 86_400,
    seed: options.seed,
    limits: limitsFromSpecs(family.metricSpecs),
  });

  const cleaner = new ReadingCleaner(registry, { futureToleranceS: 300, futureRejectS: 86_400 });
  const states = new Map<string, DeviceState>();
  const stateOf = (id: string) => {
    let s = states.get(id);
    if (!s) states.set(id, (s = new DeviceState(32, 10_000)));
    return s;
  };
  const streaming: Flagged = new Map();
  const batches: string[] = [];
  for (let i = 0; i < readings.length; i += 500) {
    const batch = readings.slice(i, i + 500);
    batches.push(JSON.stringify({ readings: batch }));
    const result = cleaner.clean(batch, { messageId: `b${i}`, receivedAt: Date.UTC(2030, 0, 1) }, stateOf);
    for (const row of result.rows) streaming.set(keyOf(row.device_id, row.ts, row.metric), row.flags);
  }
  const batch: Flagged = new Map();
  const cleaned = cleanMessages(
    batches,
    registry,
    { futureToleranceS: 300, futureRejectS: 86_400, maxBatch: 1000, maxMessageBytes: 480 * 1024 },
    Date.UTC(2030, 0, 1),
  );
  for (const row of cleaned.rows) batch.set(keyOf(row.deviceId, row.ts, row.metric), row.flags);
  return [score('streaming', streaming, labels), score('batch', batch, labels)];
}
