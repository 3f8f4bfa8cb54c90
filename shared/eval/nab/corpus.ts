import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { naiveTimestampMs, readSeriesCsv } from '../../anomaly/table.js';
import type { NabProfile } from './scorer.js';

/** One NAB data file with its windows resolved to row positions. */
export interface NabSeries {
  /** `<category>/<file>.csv`, as in the label file. */
  readonly name: string;
  readonly timestamps: string[];
  readonly values: Float64Array;
  readonly windows: [number, number][];
}

export function nabFileNames(dir: string): string[] {
  return Object.keys(readWindows(dir)).sort();
}

function readWindows(dir: string): Record<string, [string, string][]> {
  return JSON.parse(readFileSync(join(dir, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
}

/** Row position of a window end: the row whose timestamp equals it (compared as date-times). */
function rowOf(name: string, times: number[], ts: string): number {
  const t = naiveTimestampMs(ts);
  const hits: number[] = [];
  times.forEach((x, i) => {
    if (x === t) hits.push(i);
  });
  if (hits.length !== 1) throw new Error(`${name}: window end ${ts} matches ${hits.length} rows, expected exactly one`);
  return hits[0] as number;
}

export function loadNabCorpus(dir: string, only?: readonly string[]): NabSeries[] {
  const windows = readWindows(dir);
  const names = (only ?? Object.keys(windows)).slice().sort();
  return names.map((name) => {
    const table = readSeriesCsv(join(dir, 'data', name));
    const times = table.timestamps.map(naiveTimestampMs);
    const ws = (windows[name] ?? []).map(
      ([a, b]) => [rowOf(name, times, a), rowOf(name, times, b)] as [number, number],
    );
    return { name, timestamps: table.timestamps, values: table.values[0] as Float64Array, windows: ws };
  });
}

/** NAB's published numenta (HTM) detector output for a data file, by row. */
export function loadNumentaReference(dir: string, name: string): Float64Array {
  const [category, file] = name.split('/') as [string, string];
  const table = readSeriesCsv(join(dir, 'reference', 'numenta', category, `numenta_${file}`));
  const i = table.columns.indexOf('anomaly_score');
  if (i < 0) throw new Error(`${name}: reference file has no anomaly_score column`);
  return table.values[i] as Float64Array;
}

export function loadNabProfiles(dir: string): NabProfile[] {
  const raw = JSON.parse(readFileSync(join(dir, 'config', 'profiles.json'), 'utf8')) as Record<
    string,
    { CostMatrix: { tpWeight: number; fpWeight: number; fnWeight: number } }
  >;
  return Object.entries(raw).map(([name, p]) => ({ name, ...p.CostMatrix }));
}
