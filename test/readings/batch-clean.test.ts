import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../shared/devices/registry.js';
import { cleanMessages } from '../../shared/readings/clean/batch/clean-file.js';
import { measureImputation } from '../../shared/quality/imputation-quality.js';

const registry = DeviceRegistry.fromFile('data/devices.json');
const limits = { futureToleranceS: 300, futureRejectS: 86_400, maxBatch: 1000, maxMessageBytes: 480 * 1024 };

describe('kilowatch clean: imputation', () => {
  it('imputes masked energy values far closer to the truth than linear interpolation between neighbours', () => {
    const quality = measureImputation({
      days: 60,
      share: 0.08,
      allColumnsShare: 0.015,
      seed: 11,
      registryFile: 'data/devices.json',
    });
    expect(quality.masked).toBeGreaterThan(300);
    expect(quality.unrepaired).toBe(0);
    expect(quality.imputedRmse).toBeLessThan(quality.linearRmse / 3);
    // Every scope at or below linear interpolation; the physics solves an energy whose reading kept its sides.
    for (const scope of quality.byScope) expect(scope.rmse, scope.name).toBeLessThanOrEqual(scope.linearRmse);
    expect(quality.byScope[0]?.rmse).toBeLessThan(0.2);
  });

  it('flags a whole stuck run and repairs it; keeps a shutdown as real zeros', () => {
    const device = 'sim-plant/machine-batch';
    const lines = [];
    for (let i = 0; i < 120; i++) {
      const stuck = i >= 50 && i < 60;
      const off = i >= 80 && i < 85;
      const load = 100 + 20 * Math.sin(i / 7) + (i % 3);
      lines.push(
        JSON.stringify({
          deviceId: device,
          ts: Date.UTC(2024, 0, 1, 0, i) / 1000,
          metrics: {
            power_kw: off ? 0 : stuck ? 113.5 : Math.round(load * 1000) / 1000,
            vibration_mm_s: off ? 0 : Math.round((2 + load / 100 + (i % 5) / 10) * 1000) / 1000,
            production_units: off ? 0 : Math.round(load / 10),
            temperature_c: 60 + (i % 4),
          },
        }),
      );
    }
    const { rows } = cleanMessages(lines, registry, limits);
    const power = rows.filter((r) => r.metric === 'power_kw');
    const stuckRun = power.slice(50, 60);
    for (const r of stuckRun) {
      expect(r.flags).toContain('stuck');
      expect(r).toMatchObject({ status: 'repaired', originalValue: 113.5 });
    }
    expect(new Set(stuckRun.map((r) => r.value)).size).toBeGreaterThan(1);
    for (const r of power.slice(80, 85)) expect(r).toMatchObject({ value: 0, status: 'accepted', flags: ['shutdown'] });
  });

  it('writes rows and 1-based line rejections from the CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kilowatch-clean-'));
    const input = join(dir, 'in.jsonl');
    const reading = {
      deviceId: 'sim-plant/machine-cli',
      ts: '2024-01-01T00:00:00Z',
      metrics: { power_kw: 1500 },
      units: { power_kw: 'W' },
    };
    writeFileSync(
      input,
      [
        JSON.stringify(reading),
        '{broken',
        JSON.stringify(reading),
        JSON.stringify({ ...reading, metrics: { power_kw: 9 }, units: {} }),
      ].join('\n'),
    );
    const out = execFileSync(
      process.execPath,
      [
        'bin/kilowatch.js',
        'clean',
        '--input',
        input,
        '--output',
        join(dir, 'out.jsonl'),
        '--rejected',
        join(dir, 'rej.jsonl'),
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({ rows: 1, repaired: 0, rejected: 3 });
    const [row] = readFileSync(join(dir, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l): unknown => JSON.parse(l));
    expect(row).toEqual({
      deviceId: 'sim-plant/machine-cli',
      ts: '2024-01-01T00:00:00.000Z',
      metric: 'power_kw',
      value: 1.5,
      unit: 'kW',
      originalValue: 1500,
      status: 'accepted',
      flags: ['unit_converted'],
    });
    const rejections = readFileSync(join(dir, 'rej.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string; payload: unknown });
    expect(rejections.map((r) => [r.line, r.reason])).toEqual([
      [2, 'undecodable'],
      [3, 'duplicate'],
      [4, 'conflict'],
    ]);
    expect(rejections[1]?.payload).toEqual(reading);
  });
});
