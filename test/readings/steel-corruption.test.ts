import { describe, expect, it } from 'vitest';
import { chooseMethods, fillRun, fillSeries } from '../../shared/readings/clean/batch/gap-fill.js';
import { Rng } from '../../shared/simulate/prng.js';
import { estimateEnergy, powerFactorFrom, reactiveFrom } from '../../shared/readings/clean/energy-meter.js';
import { measureSteelCleaning } from '../../shared/quality/steel-cleaning-quality.js';

describe('gap fill in time', () => {
  const periods = { day: 24, week: 168 };

  it('fills a lost day of a daily pattern from the profile, and keeps linear interpolation for a straight line', () => {
    const daily = Float64Array.from(
      { length: 24 * 28 },
      (_, i) => 50 + 30 * Math.sin((2 * Math.PI * i) / 24) + 0.01 * i,
    );
    const truth = daily.slice(300, 324);
    daily.fill(NaN, 300, 324);
    const { values } = fillSeries(daily, periods);
    const worst = Math.max(...truth.map((v, k) => Math.abs((values[300 + k] as number) - v)));
    expect(worst).toBeLessThan(0.5);
    const line = Float64Array.from({ length: 24 * 28 }, (_, i) => 2 * i);
    expect(chooseMethods(line, periods).map((c) => c.method)).toEqual([
      'linear',
      'linear',
      'linear',
      'linear',
      'linear',
    ]);
  });

  it('averages four weeks of a noisy weekly load, where one week before and after is mostly noise', () => {
    const rng = new Rng(3, 'gap-fill');
    const week = Array.from({ length: 168 }, (_, h) => (h % 24 >= 8 && h % 24 < 18 && h < 120 ? 100 : 20));
    const noisy = Float64Array.from({ length: 168 * 20 }, (_, i) => (week[i % 168] as number) + rng.uniform(-30, 30));
    const truth = noisy.slice(168 * 10 + 30, 168 * 10 + 54);
    const lost = Float64Array.from(noisy).fill(NaN, 168 * 10 + 30, 168 * 10 + 54);
    const rmse = (method: 'week' | '4 weeks') => {
      const filled = fillRun(lost, 168 * 10 + 30, 168 * 10 + 53, method, periods);
      return Math.sqrt(filled.reduce((s, v, k) => s + (v - (truth[k] as number)) ** 2, 0) / filled.length);
    };
    expect(rmse('4 weeks')).toBeLessThan(rmse('week'));
    expect(
      chooseMethods(noisy, periods)
        .slice(3)
        .map((c) => c.method),
    ).not.toContain('week');
  });
});

describe('energy meter physics', () => {
  it('gives any one of energy, reactive energy and power factor from the other two', () => {
    const [u, q] = [42, 17];
    const pf = powerFactorFrom(u, q) as number;
    expect(reactiveFrom(u, pf)).toBeCloseTo(q, 9);
    expect(estimateEnergy({ laggingKvarh: q, laggingPf: pf, leadingKvarh: null, leadingPf: null })?.kwh).toBeCloseTo(
      u,
      9,
    );
    expect(powerFactorFrom(u, 0)).toBe(100);
    expect(reactiveFrom(u, 100)).toBe(0);
    expect(powerFactorFrom(0, 0)).toBeUndefined();
  });
});

describe('cleaning quality on an independent corruption of the steel year', () => {
  it('imputes every metric closer to the truth than linear interpolation, finds spikes and error codes, few false flags', () => {
    const q = measureSteelCleaning({ seed: 2, registryFile: 'data/devices.json' });
    expect(q.readings).toBe(35_040);
    for (const path of q.paths) {
      expect(path.falseFlags / path.cleanValues, `${path.path} false flags`).toBeLessThan(0.01);
      for (const d of path.detection) expect(d.values, d.fault).toBeGreaterThan(50);
      expect(path.detection.find((d) => d.fault === 'error_code')?.recallNamed).toBe(1);
    }
    // The batch path sees both neighbours: two-sided spikes the stream cannot tell from a step change.
    const [streaming, batch] = q.paths;
    expect(batch?.detection.find((d) => d.fault === 'spike')?.recallNamed).toBeGreaterThan(0.6);
    expect(batch?.falseFlags).toBeLessThan(streaming?.falseFlags ?? 0);
    for (const row of [...q.imputation, ...q.usageByLength, ...q.usageByScope]) {
      expect(row.unrepaired, row.name).toBe(0);
      expect(row.rmse, row.name).toBeLessThanOrEqual(row.linearRmse);
    }
    const onlyUsage = q.usageByScope[0];
    expect(onlyUsage?.rmse).toBeLessThan((onlyUsage?.linearRmse ?? 0) / 4);
  }, 180_000);
});
