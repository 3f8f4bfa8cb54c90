import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/models/folder.js';
import { modelCard } from '../../shared/models/card.js';
import { loadModel } from '../../shared/models/runtime.js';
import { kilowatch, parseCsv, steelRows, steelSliceCsv, tempDir } from '../forecast/support.js';
import { pythonWithTorch } from '../support/requirements.js';

/**
 * The Python trainers on small slices, on the CPU, through `kilowatch train`: the card parses, its sha256 is the
 * file's, onnxruntime reproduces the PyTorch golden outputs (the parity check), and the same seed gives the same
 * model. Without a Python that has PyTorch they are skipped with the reason (failed under CI=true, which installs
 * Debian's python3-torch).
 */
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  tmp = await tempDir('kw-train-');
});
afterAll(() => tmp.remove());

/** Eight weeks of the steel plant summed to hourly energy, as a user's own file with other column names. */
function hourlyCsv(): string {
  const rows = steelRows().filter(
    (r) => r.tsMs > Date.parse('2018-01-01T00:00:00Z') && r.tsMs <= Date.parse('2018-02-26T00:00:00Z'),
  );
  const lines = ['time,energy'];
  for (let i = 0; i + 4 <= rows.length; i += 4) {
    const end = rows[i + 3]!;
    const sum = rows.slice(i, i + 4).reduce((s, r) => s + r.metrics.usage_kwh, 0);
    lines.push(`${new Date(end.tsMs).toISOString()},${sum.toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('kilowatch train forecast', () => {
  it('trains an hourly 24-step forecaster from a user file, deterministically, and serves it', async (ctx) => {
    pythonWithTorch.get(ctx);
    const input = join(tmp.path, 'hourly.csv');
    writeFileSync(input, hourlyCsv());
    const train = (out: string) =>
      kilowatch(
        [
          'train',
          'forecast',
          '--input',
          input,
          '--timestamp',
          'time',
          '--target',
          'energy',
          '--freq',
          '1h',
          '--horizon',
          '24',
          '--tz',
          'Asia/Seoul',
          '--members',
          '1',
          '--epochs',
          '3',
          '--val-days',
          '7',
          '--device',
          'cpu',
          '--seed',
          '7',
          '--name',
          'hourly-test',
          '--version',
          't1',
          '--out',
          out,
        ],
        {},
        300_000,
      );
    const a = join(tmp.path, 'fa');
    const r = await train(a);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { golden: { pairs: number; maxAbsError: number; tolerance: number } };
    expect(summary.golden.pairs).toBeGreaterThan(0);
    expect(summary.golden.maxAbsError).toBeLessThanOrEqual(summary.golden.tolerance);
    const card = modelCard.parse(JSON.parse(readFileSync(join(a, 'card.json'), 'utf8')));
    expect(card.sha256).toBe(sha256Hex(readFileSync(join(a, 'model.onnx'))));
    expect(card).toMatchObject({ task: 'forecast', name: 'hourly-test', version: 't1', quantiles: [0.1, 0.5, 0.9] });
    expect(card.outputs[0]?.shape).toEqual(['batch', 24, 3]);
    expect(card.params).toMatchObject({
      stepSeconds: 3600,
      horizon: 24,
      timezone: 'Asia/Seoul',
      target: 'energy',
      timestamp: 'time',
    });
    expect(card.metrics.values.mae).toBeGreaterThan(0);
    // The card's figures come from a final slice after the validation slice, next to the baselines of the same run,
    // and the shipped model is never worse there than the best of them.
    const holdout = card.metrics.holdout!;
    const validation = card.params.validation as { to: string };
    expect(holdout.untouched).toBe(true);
    expect(Date.parse(holdout.from)).toBeGreaterThan(Date.parse(validation.to));
    expect(Date.parse(holdout.to)).toBeLessThanOrEqual(Date.parse(card.training.to));
    const baselines = ['seasonal_naive_week', 'mean_last4_weeks', 'nlinear_last_day'].map(
      (b) => card.metrics.values[`${b}_mae`]!,
    );
    expect(card.metrics.values.mae).toBeLessThanOrEqual(Math.min(...baselines));
    // Interval factors per day type of the target (workday, Saturday, Sunday/holiday), fitted on the validation
    // values; a type with fewer than 100 of them takes the pooled factors: here every type (a week of hours).
    const scale = card.params.intervalScale as { lower: number[]; upper: number[]; calibrationValues: number[] };
    const origins = (card.params.validation as { origins: number }).origins;
    expect(scale.calibrationValues.reduce((a, b) => a + b)).toBe(origins * 24);
    expect(Math.max(...scale.calibrationValues)).toBeLessThan(100);
    expect(new Set(scale.lower).size + new Set(scale.upper).size).toBe(2);
    expect((await loadModel(a)).report.ok).toBe(true);

    const b = join(tmp.path, 'fb');
    expect((await train(b)).code).toBe(0);
    expect(sha256Hex(readFileSync(join(b, 'model.onnx')))).toBe(card.sha256);

    const output = join(tmp.path, 'hourly-forecast.csv');
    const f = await kilowatch(['forecast', '--model', a, '--input', input, '--origins', 'daily', '--output', output]);
    expect(f.code, f.stderr).toBe(0);
    const rows = parseCsv(readFileSync(output, 'utf8'));
    expect(rows[1]?.[1]).toBe('2018-01-08T16:00:00.000Z');
    expect((rows.length - 1) % 24).toBe(0);
  }, 240_000);

  it('refuses a file off the grid with the row and the fix', async (ctx) => {
    pythonWithTorch.get(ctx);
    const input = join(tmp.path, 'offgrid.csv');
    writeFileSync(input, `${hourlyCsv().trim()}\n2018-02-26T00:30:00.000Z,5\n`);
    const r = await kilowatch(
      [
        'train',
        'forecast',
        '--input',
        input,
        '--timestamp',
        'time',
        '--target',
        'energy',
        '--freq',
        '1h',
        '--tz',
        'UTC',
        '--out',
        join(tmp.path, 'never'),
      ],
      {},
      120_000,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/2018-02-26T00:30:00Z is not on the 3600 s grid/);
  }, 120_000);
});

describe('kilowatch train estimate', () => {
  it('trains an estimator on a month of meter readings; its prior never does worse than the feasible set alone on validation', async (ctx) => {
    pythonWithTorch.get(ctx);
    const input = join(tmp.path, 'meter.csv');
    writeFileSync(input, steelSliceCsv('2018-03-01T00:00:00Z', '2018-04-01T00:00:00Z'));
    const out = join(tmp.path, 'est');
    const r = await kilowatch(
      [
        'train',
        'estimate',
        '--input',
        input,
        '--tz',
        'Asia/Seoul',
        '--epochs',
        '3',
        '--val-days',
        '5',
        '--device',
        'cpu',
        '--name',
        'meter-test',
        '--out',
        out,
      ],
      {},
      300_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const card = modelCard.parse(JSON.parse(readFileSync(join(out, 'card.json'), 'utf8')));
    expect(card.task).toBe('estimate');
    expect(card.params.emissionFactor).toBeCloseTo(0.000458, 5);
    expect(card.params.qTol).toBe(0);
    // The prior's width is chosen on validation among fitted widths and a flat prior (the feasible set's middle).
    expect(card.metrics.values.rmse).toBeLessThanOrEqual((card.metrics.values.feasible_mid_rmse as number) + 1e-7);
    expect(card.metrics.values.rmse).toBeLessThan(0.1);
    expect((await loadModel(out)).report.maxAbsError).toBeLessThanOrEqual(card.goldenTolerance);
  }, 240_000);
});
