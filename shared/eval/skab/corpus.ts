import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { naiveTimestampMs, readSeriesCsv, type SeriesTable } from '../../anomaly/table.js';

export interface SkabFile {
  /** e.g. `valve1/0.csv` */
  readonly name: string;
  readonly table: SeriesTable;
  readonly timesMs: Float64Array;
  readonly anomaly: Float64Array;
  readonly changepoint: Float64Array;
}

/** The labelled SKAB files under `data/` (every group folder except anomaly-free), in numeric order. */
export function loadSkabCorpus(dir: string): SkabFile[] {
  const dataDir = join(dir, 'data');
  const groups = readdirSync(dataDir)
    .filter((g) => g !== 'anomaly-free')
    .sort();
  return groups.flatMap((group) =>
    readdirSync(join(dataDir, group))
      .filter((f) => f.endsWith('.csv'))
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b))
      .map((f) => {
        const table = readSeriesCsv(join(dataDir, group, f));
        const anomaly = table.labels.anomaly;
        const changepoint = table.labels.changepoint;
        if (!anomaly || !changepoint) throw new Error(`${group}/${f}: no anomaly/changepoint label columns`);
        return {
          name: `${group}/${f}`,
          table,
          timesMs: Float64Array.from(table.timestamps, naiveTimestampMs),
          anomaly,
          changepoint,
        };
      }),
  );
}
