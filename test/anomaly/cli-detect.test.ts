import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { nabData, skabData } from '../support/requirements.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'kilowatch-detect-'));
const env = { ...process.env, KILOWATCH_REGISTRY_DIR: join(out, 'registry'), LOG_LEVEL: 'error' };

async function detect(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('node', ['bin/kilowatch.js', 'detect', ...args], { cwd: ROOT, env, timeout: 60_000 });
}

function readOutput(path: string): { timestamp: string; anomaly_score: string; is_anomaly: string }[] {
  return parse<{ timestamp: string; anomaly_score: string; is_anomaly: string }>(readFileSync(path), { columns: true });
}

describe('kilowatch detect', () => {
  it('scores a 22,695-row NAB file with the streaming detector by default, in seconds', async (ctx) => {
    const input = join(nabData.get(ctx), 'data', 'realKnownCause', 'machine_temperature_system_failure.csv');
    const output = join(out, 'nab.csv');
    const { stdout } = await detect(['--input', input, '--output', output]);
    const summary = JSON.parse(stdout) as {
      model: { name: string };
      rows: number;
      seconds: number;
      anomalies: number;
      threshold: number;
    };
    expect(summary.model.name).toBe('stream-univariate');
    expect(summary.rows).toBe(22695);
    expect(summary.seconds).toBeLessThan(10);
    const rows = readOutput(output);
    expect(rows).toHaveLength(22695);
    expect(Object.keys(rows[0]!)).toEqual(['timestamp', 'anomaly_score', 'is_anomaly']);
    expect(rows[0]!.timestamp).toBe('2013-12-02 21:15:00');
    for (const r of rows) {
      const s = Number(r.anomaly_score);
      expect(s >= 0 && s <= 1).toBe(true);
      expect(r.is_anomaly === '1').toBe(s >= summary.threshold);
    }
    expect(summary.anomalies).toBeGreaterThan(0);
    expect(summary.anomalies).toBeLessThan(100);
  });

  it('fits the drift chart on the first 400 rows of a SKAB file and scores the rest', async (ctx) => {
    const input = join(skabData.get(ctx), 'data', 'valve1', '9.csv');
    const output = join(out, 'skab.csv');
    const { stdout } = await detect(['--input', input, '--output', output, '--fit-rows', '400']);
    const summary = JSON.parse(stdout) as {
      model: { kind: string; fittedOnRows: number; columns: string[] };
      scoredRows: number;
    };
    expect(summary.model.kind).toBe('drift-chart');
    expect(summary.model.fittedOnRows).toBe(400);
    expect(summary.model.columns).toHaveLength(8);
    const rows = readOutput(output);
    expect(rows).toHaveLength(1148 - 400);
    expect(rows[0]!.timestamp).toBe(readFileSync(input, 'utf8').split(/\r?\n/)[401]!.split(';')[0]);
    // valve1/9: the valve is closed from row 574 to 975 of the file; most of that is flagged, little else.
    const flagged = rows.map((r, i) => (r.is_anomaly === '1' ? i + 400 : -1)).filter((i) => i >= 0);
    const inside = flagged.filter((i) => i >= 574 && i < 976).length;
    expect(inside).toBeGreaterThan(300);
    expect(flagged.length - inside).toBeLessThan(80);
  });

  it('names the missing columns and the fix when a model does not fit the file', async (ctx) => {
    const input = join(skabData.get(ctx), 'data', 'valve1', '9.csv');
    await expect(
      detect(['--input', input, '--output', join(out, 'x.csv'), '--model', 'iforest-machine']),
    ).rejects.toHaveProperty('stderr', expect.stringContaining('lacks power_kw, temperature_c, vibration_mm_s'));
  });

  it('reads the ts column export-training-set writes, and any other named with --timestamp', async () => {
    const rows = Array.from(
      { length: 500 },
      (_, i) => `${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString()},${(10 + Math.sin(i / 9)).toFixed(3)}`,
    );
    const ts = join(out, 'ts.csv');
    writeFileSync(ts, `ts,usage_kwh\n${rows.join('\n')}\n`);
    const { stdout } = await detect(['--input', ts, '--output', join(out, 'ts-out.csv')]);
    expect(JSON.parse(stdout)).toMatchObject({ rows: 500 });
    const other = join(out, 'when.csv');
    writeFileSync(other, `when,usage_kwh\n${rows.join('\n')}\n`);
    const named = await detect(['--input', other, '--timestamp', 'when', '--output', join(out, 'when-out.csv')]);
    expect(JSON.parse(named.stdout)).toMatchObject({ rows: 500 });
    expect(readOutput(join(out, 'when-out.csv'))[0]?.timestamp).toBe('2024-01-01T00:00:00.000Z');
  });

  it('rejects a file without a timestamp column with a message naming the accepted ones', async () => {
    const input = join(out, 'bad.csv');
    writeFileSync(input, 'time,value\n1,2\n');
    await expect(detect(['--input', input, '--output', join(out, 'y.csv')])).rejects.toHaveProperty(
      'stderr',
      expect.stringContaining('timestamp, datetime'),
    );
  });
});
