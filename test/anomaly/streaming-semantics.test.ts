import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scoreTable, type DetectorModel } from '../../shared/anomaly/scoring.js';
import { readSeriesCsv, type SeriesTable } from '../../shared/anomaly/table.js';
import { loadModel } from '../../shared/models/runtime.js';
import { nabData, skabData } from '../support/requirements.js';

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

function prefix(table: SeriesTable, rows: number): SeriesTable {
  return { ...table, timestamps: table.timestamps.slice(0, rows), values: table.values.map((v) => v.slice(0, rows)) };
}

async function model(name: string): Promise<DetectorModel> {
  return await loadModel(join(MODELS, name));
}

/** Scores of the first k rows must not change when later rows are appended. */
async function expectPrefixStable(table: SeriesTable, m: DetectorModel, cuts: number[], fitRows = 0): Promise<void> {
  const full = await scoreTable(table, m, { fitRows });
  for (const k of cuts) {
    const part = await scoreTable(prefix(table, k), m, { fitRows });
    expect(part.scores.length).toBe(k - fitRows);
    expect([...part.scores]).toEqual([...full.scores.slice(0, k - fitRows)]);
    expect([...part.flags]).toEqual([...full.flags.slice(0, k - fitRows)]);
  }
}

describe('streaming semantics: a row’s score depends only on the rows before it and the model', () => {
  it('stream-univariate on a NAB series', async (ctx) => {
    const table = readSeriesCsv(join(nabData.get(ctx), 'data', 'realKnownCause', 'nyc_taxi.csv'));
    await expectPrefixStable(table, await model('stream-univariate'), [1, 387, 389, 2500, 7001]);
  });

  it('stream-univariate with warm-up rows', async (ctx) => {
    const table = readSeriesCsv(join(nabData.get(ctx), 'data', 'realAWSCloudwatch', 'ec2_cpu_utilization_24ae8d.csv'));
    await expectPrefixStable(table, await model('stream-univariate'), [401, 1000, 3000], 400);
  });

  it('drift chart refitted on the first 400 rows of a SKAB file', async (ctx) => {
    const table = readSeriesCsv(join(skabData.get(ctx), 'data', 'valve1', '5.csv'));
    await expectPrefixStable(table, await model('drift-chart-pump'), [401, 420, 700, 1000], 400);
  });

  it('committed drift chart and Isolation Forest, no refit', async (ctx) => {
    const table = readSeriesCsv(join(skabData.get(ctx), 'data', 'valve1', '5.csv'));
    await expectPrefixStable(table, await model('drift-chart-pump'), [1, 19, 21, 600]);
    const machine: SeriesTable = {
      path: 'machine',
      timestampColumn: 'timestamp',
      timestamps: table.timestamps,
      columns: ['power_kw', 'temperature_c', 'vibration_mm_s'],
      values: [table.values[2]!.map((v) => v * 100), table.values[4]!, table.values[0]!.map((v) => v * 100)],
      labels: {},
    };
    await expectPrefixStable(machine, await model('iforest-machine'), [1, 300, 900]);
  });
});
