import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESTIMATE_MODEL, FORECAST_MODEL, kilowatch, parseCsv, steelRows, steelSliceCsv, tempDir } from './support.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  tmp = await tempDir('kw-fcli-');
  // An empty registry: without --model the commands fall back to the committed default models.
  env = { KILOWATCH_REGISTRY_DIR: join(tmp.path, 'registry'), KILOWATCH_DATA_DIR: join(tmp.path, 'data') };
});
afterAll(() => tmp.remove());

describe('kilowatch forecast', () => {
  it('writes origin,target_ts,p10,p50,p90 for daily origins with the default model, ordered quantiles', async () => {
    const input = join(tmp.path, 'history.csv');
    const output = join(tmp.path, 'forecast.csv');
    writeFileSync(input, steelSliceCsv('2018-09-01T00:00:00Z', '2018-09-20T00:00:00Z'));
    const r = await kilowatch(['forecast', '--input', input, '--origins', 'daily', '--output', output], env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { origins: number };
    expect(summary).toMatchObject({ model: 'steel-forecast', horizon: 96, timestamps: 'offsets in the file' });
    const rows = parseCsv(readFileSync(output, 'utf8'));
    expect(rows[0]).toEqual(['origin', 'target_ts', 'p10', 'p50', 'p90']);
    // Midnights in Seoul are 15:00Z: from one week after the first reading to the day after the last.
    const origins = [...new Set(rows.slice(1).map((x) => x[0]))];
    expect(origins[0]).toBe('2018-09-08T15:00:00.000Z');
    expect(origins.at(-1)).toBe('2018-09-19T15:00:00.000Z');
    expect(rows.length - 1).toBe(origins.length * 96);
    expect(summary.origins).toBe(origins.length);
    const first = rows[1] as string[];
    expect(first[1]).toBe('2018-09-08T15:15:00.000Z');
    for (const row of rows.slice(1)) {
      const [p10, p50, p90] = row.slice(2).map(Number) as [number, number, number];
      expect(p10).toBeLessThanOrEqual(p50);
      expect(p50).toBeLessThanOrEqual(p90);
    }
  });

  it('refuses plant-local timestamps without a zone; reads them in the device registry zone and says so', async () => {
    const from = Date.parse('2018-09-01T00:00:00Z');
    const to = Date.parse('2018-09-12T00:00:00Z');
    const rows = steelRows().filter((r) => r.tsMs >= from && r.tsMs < to);
    const local = join(tmp.path, 'local.csv');
    writeFileSync(local, `ts,usage_kwh\n${rows.map((r) => `${r.local},${r.metrics.usage_kwh}`).join('\n')}\n`);
    const iso = join(tmp.path, 'iso.csv');
    writeFileSync(iso, steelSliceCsv('2018-09-01T00:00:00Z', '2018-09-12T00:00:00Z'));
    const run = (input: string, output: string, extra: string[] = []) =>
      kilowatch(
        ['forecast', '--model', FORECAST_MODEL, '--input', input, '--origins', 'daily', '--output', output, ...extra],
        env,
      );

    const refused = await run(local, join(tmp.path, 'never.csv'));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /line 2: column 'ts': '01\/09\/2018 \d\d:\d\d' has no UTC offset; name the zone it is in with --tz .* or --device <id>/,
    );

    const byDevice = await run(local, join(tmp.path, 'local-out.csv'), ['--device', 'steel-plant/main-meter']);
    expect(byDevice.code, byDevice.stderr).toBe(0);
    expect(JSON.parse(byDevice.stdout)).toMatchObject({
      timestamps: 'Asia/Seoul (registry timezone of steel-plant/main-meter)',
    });
    const reference = await run(iso, join(tmp.path, 'iso-out.csv'));
    expect(reference.code, reference.stderr).toBe(0);
    expect(readFileSync(join(tmp.path, 'local-out.csv'), 'utf8')).toBe(
      readFileSync(join(tmp.path, 'iso-out.csv'), 'utf8'),
    );
  });

  it('honours --horizon and an origins file with naive timestamps in --tz', async () => {
    const input = join(tmp.path, 'h2.csv');
    const origins = join(tmp.path, 'origins.txt');
    const output = join(tmp.path, 'h2-out.csv');
    writeFileSync(input, steelSliceCsv('2018-09-01T00:00:00Z', '2018-09-20T00:00:00Z'));
    writeFileSync(origins, 'origin\n2018-09-12 06:00\n');
    const r = await kilowatch(
      [
        'forecast',
        '--model',
        FORECAST_MODEL,
        '--input',
        input,
        '--origins',
        origins,
        '--horizon',
        '8',
        '--tz',
        'Asia/Seoul',
        '--output',
        output,
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = parseCsv(readFileSync(output, 'utf8')).slice(1);
    expect(rows).toHaveLength(8);
    expect(rows[0]?.[0]).toBe('2018-09-11T21:00:00.000Z');
    expect(rows[7]?.[1]).toBe('2018-09-11T23:00:00.000Z');
  });

  it('says what is wrong: a missing column, an origin off the grid, too little history, a too long horizon', async () => {
    const input = join(tmp.path, 'bad.csv');
    writeFileSync(input, steelSliceCsv('2018-09-01T00:00:00Z', '2018-09-20T00:00:00Z'));
    const origins = join(tmp.path, 'bad-origins.txt');
    const run = (args: string[]) =>
      kilowatch(
        ['forecast', '--model', FORECAST_MODEL, '--input', input, '--output', join(tmp.path, 'x.csv'), ...args],
        env,
      );
    let r = await run(['--origins', 'daily', '--target', 'power']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no column 'power' .*--target/);
    writeFileSync(origins, '2018-09-12T03:07:00Z\n');
    r = await run(['--origins', origins]);
    expect(r.stderr).toMatch(/2018-09-12T03:07:00.000Z is not on the series grid/);
    writeFileSync(origins, '2018-09-03T15:00:00Z\n');
    r = await run(['--origins', origins]);
    expect(r.stderr).toMatch(/needs 672 \(one week\)/);
    r = await run(['--origins', 'daily', '--horizon', '200']);
    expect(r.stderr).toMatch(/forecasts 1 to 96 steps/);
  });
});

describe('kilowatch estimate', () => {
  it('writes ts,estimate for every row, empty where a row has no electrical reading', async () => {
    const input = join(tmp.path, 'meter.csv');
    const output = join(tmp.path, 'estimate.csv');
    const csv = steelSliceCsv('2018-10-01T00:00:00Z', '2018-10-03T00:00:00Z');
    writeFileSync(input, `${csv}2018-10-03T00:00:00Z,,,,,,\n`);
    const r = await kilowatch(['estimate', '--input', input, '--output', output], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      model: 'steel-estimate',
      rows: 193,
      estimated: 192,
      withoutReadings: 1,
    });
    const rows = parseCsv(readFileSync(output, 'utf8'));
    expect(rows[0]).toEqual(['ts', 'estimate']);
    expect(rows.at(-1)).toEqual(['2018-10-03T00:00:00.000Z', '']);
    const actual = steelRows().filter(
      (x) => x.tsMs >= Date.parse('2018-10-01T00:00:00Z') && x.tsMs < Date.parse('2018-10-03T00:00:00Z'),
    );
    let sq = 0;
    actual.forEach((a, i) => (sq += (Number(rows[i + 1]?.[1]) - a.metrics.usage_kwh) ** 2));
    expect(Math.sqrt(sq / actual.length)).toBeLessThan(0.05);
  });

  it('reads a column under another name given by its option', async () => {
    const input = join(tmp.path, 'renamed.csv');
    writeFileSync(
      input,
      steelSliceCsv('2018-10-01T00:00:00Z', '2018-10-02T00:00:00Z').replace('lagging_reactive_kvarh', 'lag_q'),
    );
    const r = await kilowatch(
      [
        'estimate',
        '--model',
        ESTIMATE_MODEL,
        '--input',
        input,
        '--lagging-kvarh',
        'lag_q',
        '--output',
        join(tmp.path, 'renamed-out.csv'),
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 96, estimated: 96 });
  });

  it('names the missing column', async () => {
    const input = join(tmp.path, 'nometer.csv');
    writeFileSync(input, 'ts,usage_kwh\n2018-10-01T00:00:00Z,3\n');
    const r = await kilowatch(
      ['estimate', '--model', ESTIMATE_MODEL, '--input', input, '--output', join(tmp.path, 'y.csv')],
      env,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /no column 'lagging_reactive_kvarh' \(columns: ts, usage_kwh\); name it with --lagging-kvarh/,
    );
  });
});
