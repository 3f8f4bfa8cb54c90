import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastFile } from '../../shared/forecast/forecast.js';
import { loadModel, type VerifiedModel } from '../../shared/models/runtime.js';
import { FORECAST_MODEL, kilowatch, steelRows, steelSliceCsv, tempDir } from './support.js';

/**
 * A forecast at an origin may use only the rows stamped strictly before it: the history truncated at the origin,
 * or with everything after it changed, must give the same numbers.
 */
let tmp: Awaited<ReturnType<typeof tempDir>>;
let model: VerifiedModel;

beforeAll(async () => {
  tmp = await tempDir('kw-leak-');
  model = await loadModel(FORECAST_MODEL);
});
afterAll(() => tmp.remove());

const FROM = '2018-06-01T00:00:00Z';
const TO = '2018-08-01T00:00:00Z';

async function forecastFor(csv: string, origins: string[], name: string): Promise<string[]> {
  const input = join(tmp.path, `${name}.csv`);
  const originsFile = join(tmp.path, `${name}-origins.txt`);
  const output = join(tmp.path, `${name}-out.csv`);
  writeFileSync(input, csv);
  writeFileSync(originsFile, `${origins.join('\n')}\n`);
  await forecastFile(model, { input, origins: originsFile, output });
  return readFileSync(output, 'utf8').trim().split('\n').slice(1);
}

describe('leak check', () => {
  const origins = ['2018-07-10T15:00:00Z', '2018-07-21T03:30:00Z', '2018-07-31T22:45:00Z'];

  it.each(origins)('truncating the history at origin %s gives identical numbers', async (origin) => {
    const full = await forecastFor(steelSliceCsv(FROM, TO), [origin], 'full');
    const cut = await forecastFor(steelSliceCsv(FROM, origin), [origin], 'cut');
    expect(cut).toHaveLength(96);
    expect(cut).toEqual(full);
  });

  it('changing every reading at or after the origin changes nothing', async () => {
    const origin = origins[0] as string;
    const at = Date.parse(origin);
    const scrambled = steelSliceCsv(FROM, TO, (rows) =>
      rows.map((r) => (r.tsMs >= at ? { ...r, metrics: { ...r.metrics, usage_kwh: 999 } } : r)),
    );
    expect(await forecastFor(scrambled, [origin], 'scrambled')).toEqual(
      await forecastFor(steelSliceCsv(FROM, TO), [origin], 'plain'),
    );
  });

  it('holds through the CLI for a daily origin', async () => {
    const origin = '2018-07-15T15:00:00Z';
    const run = async (to: string, name: string) => {
      const input = join(tmp.path, `${name}.csv`);
      const originsFile = join(tmp.path, `${name}.txt`);
      const output = join(tmp.path, `${name}-out.csv`);
      writeFileSync(input, steelSliceCsv(FROM, to));
      writeFileSync(originsFile, `${origin}\n`);
      const r = await kilowatch([
        'forecast',
        '--model',
        FORECAST_MODEL,
        '--input',
        input,
        '--origins',
        originsFile,
        '--output',
        output,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(output, 'utf8');
    };
    expect(await run(origin, 'cli-cut')).toBe(await run(TO, 'cli-full'));
    expect(steelRows().length).toBe(35040);
  });
});
