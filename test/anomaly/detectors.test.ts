import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  driftScore,
  DriftLevel,
  driftStatistic,
  exportDriftChartOnnx,
  fitDriftChart,
  FIXED_LEVEL,
  fitVariogram,
} from '../../shared/anomaly/drift-chart.js';
import { AnomalyLikelihood } from '../../shared/anomaly/likelihood.js';
import { mulberry32 } from '../../shared/anomaly/random.js';
import { scoreSeries, STREAM_DEFAULTS } from '../../shared/anomaly/stream/detector.js';
import { exportStreamHeadOnnx, featureRow, STREAM_FEATURES } from '../../shared/anomaly/stream/head.js';

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
}

describe('drift chart', () => {
  it('separates white noise from a random walk in the variogram fit', () => {
    const r = mulberry32(1);
    const noise = Array.from({ length: 4000 }, () => 2 * gaussian(r));
    let level = 0;
    const walk = Array.from({ length: 4000 }, () => (level += 0.5 * gaussian(r)) + 0.1 * gaussian(r));
    const a = fitVariogram(noise, 20);
    expect(a.noiseVar).toBeCloseTo(4, 0);
    expect(a.walkVar).toBeLessThan(0.01);
    const b = fitVariogram(walk, 20);
    expect(b.walkVar).toBeGreaterThan(0.2);
    expect(b.walkVar).toBeLessThan(0.3);
  });

  it('computes the same scores in ONNX (float32) as in TypeScript', async () => {
    const r = mulberry32(2);
    const rows = Array.from({ length: 600 }, (_, i) =>
      [gaussian(r), 10 + 0.01 * i + gaussian(r) * 0.1, 3].map(Math.fround),
    );
    const fit = fitDriftChart(['a', 'b', 'c'], rows.slice(0, 400), { tau: 20, alarmTail: 1e-4, ...FIXED_LEVEL });
    expect(fit.dof).toBe(2);
    const windows = Array.from({ length: 200 }, (_, i) =>
      rows.slice(380 + i, 400 + i).map((row, k) => (k > 10 && i > 150 ? [row[0]! + i / 20, row[1]!, row[2]!] : row)),
    );
    const session = await ort.InferenceSession.create(exportDriftChartOnnx(fit));
    const out = await session.run({
      window: new ort.Tensor('float32', Float32Array.from(windows.flat(2)), [200, 20, 3]),
    });
    const scores = out.score!.data as Float32Array;
    windows.forEach((w, i) =>
      expect(Math.abs(scores[i]! - driftScore(driftStatistic(fit, w), fit.dof))).toBeLessThan(1e-4),
    );
    expect(Math.max(...scores.slice(180))).toBeGreaterThan(0.4);
  });
});

describe('drift chart level', () => {
  const params = { baselineGap: 10, baselineRows: 5, holdRows: 20 };
  const rows = Array.from({ length: 200 }, (_, i) => [i]);

  it('follows the rows baselineGap back that did not alarm, and holds through a short alarm', () => {
    const level = new DriftLevel([0], params, rows, 0);
    for (let t = 0; t < 10; t++) level.flag(t, false);
    expect(level.levelAt(9)).toEqual([0]);
    // Row 10 is compared with a level updated from row 0 only.
    expect(level.levelAt(10)[0]).toBeCloseTo(0, 12);
    for (let t = 10; t < 15; t++) level.flag(t, true);
    const before = level.levelAt(19)[0]!;
    expect(before).toBeGreaterThan(0);
    // Rows 10–14 alarmed: the level does not move on them.
    expect(level.levelAt(24)[0]).toBe(before);
    for (let t = 15; t < 40; t++) level.flag(t, false);
    expect(level.levelAt(25)[0]).toBeGreaterThan(before);
  });

  it('takes an alarm longer than holdRows as the new normal', () => {
    const level = new DriftLevel([0], params, rows, 0);
    for (let t = 0; t < 100; t++) level.flag(t, true);
    // Rows 0–19 are the first 20 alarms; row 20, the 21st, moves the level (row 30 is compared with it).
    expect(level.levelAt(29)).toEqual([0]);
    expect(level.levelAt(30)[0]).toBeCloseTo(20 / 5, 12);
  });

  it('refuses a row whose level needs a flag not given yet', () => {
    const level = new DriftLevel([0], params, rows, 0);
    expect(() => level.levelAt(10)).toThrow(/row 0 has no flag yet/);
  });
});

describe('streaming detector', () => {
  it('learns for 388 rows, then alarms on a level shift and not on the regular pattern before it', () => {
    const r = mulberry32(3);
    const values = Float64Array.from(
      { length: 3000 },
      (_, i) => 10 + 3 * Math.sin((2 * Math.PI * i) / 96) + 0.3 * gaussian(r) + (i >= 2500 ? 6 : 0),
    );
    const { scores } = scoreSeries(values);
    const warmup = STREAM_DEFAULTS.likelihood.learningPeriod + STREAM_DEFAULTS.likelihood.estimationSamples;
    expect(Math.max(...scores.slice(0, warmup))).toBeLessThan(0.5);
    expect(Math.max(...scores.slice(1000, 2500))).toBeLessThan(0.5);
    expect(Math.max(...scores.slice(2500, 2520))).toBeGreaterThanOrEqual(0.5);
  });

  it('ONNX head reproduces the TypeScript scores', async () => {
    const r = mulberry32(4);
    const values = Float64Array.from({ length: 1500 }, (_, i) => (i % 50) + gaussian(r) + (i > 1200 ? 30 * r() : 0));
    const { features, scores } = scoreSeries(values);
    const session = await ort.InferenceSession.create(exportStreamHeadOnnx());
    const out = await session.run({
      features: new ort.Tensor('float64', Float64Array.from(features.flatMap(featureRow)), [
        features.length,
        STREAM_FEATURES.length,
      ]),
    });
    const onnx = out.score!.data as Float64Array;
    scores.forEach((s, i) => expect(Math.abs(s - onnx[i]!)).toBeLessThan(1e-12));
  });

  it('is quiet for quietRows rows after a score reaches quietAfter, except for values beyond the range', () => {
    const r = mulberry32(6);
    // A level shift at 1200, a larger one at 1300 (inside the first's quiet period).
    const values = Float64Array.from(
      { length: 2000 },
      (_, i) =>
        10 + 3 * Math.sin((2 * Math.PI * i) / 96) + 0.3 * gaussian(r) + (i >= 1200 ? 10 : 0) + (i >= 1300 ? 30 : 0),
    );
    const { features, scores } = scoreSeries(values);
    const { quietAfter, quietRows } = STREAM_DEFAULTS;
    const first = scores.findIndex((s) => s >= quietAfter);
    expect(first).toBeGreaterThanOrEqual(1200);
    expect(first).toBeLessThan(1210);
    for (let i = first + 1; i < 1300; i++) {
      expect(features[i]!.quiet).toBe(features[i]!.spatial ? 0 : 1);
      expect(scores[i]).toBe(features[i]!.spatial);
    }
    // The larger shift breaks the range inside the quiet period: it alarms and starts a new quiet period.
    expect(scores[1300]).toBe(1);
    const last = 1300 + quietRows;
    expect(features.slice(1301, last + 1).every((f) => f.quiet === 1 || f.spatial === 1)).toBe(true);
    expect(features.slice(last + 1).every((f) => f.quiet === 0)).toBe(true);
    // Without a quiet period the first shift keeps scoring high.
    const loud = scoreSeries(values, { ...STREAM_DEFAULTS, quietRows: 0 }).scores;
    expect(loud.slice(first + 1, 1300).some((s, i) => s >= quietAfter && !features[first + 1 + i]!.spatial)).toBe(true);
  });

  it('mutes a run of red-zone likelihoods to the yellow level after the first', () => {
    const lik = new AnomalyLikelihood({
      learningPeriod: 10,
      estimationSamples: 100,
      historicWindowSize: 1000,
      reestimationPeriod: 1000,
      averagingWindow: 1,
    });
    const r = mulberry32(5);
    for (let i = 0; i < 300; i++) lik.update(i, 0.1 + 0.05 * r());
    const first = lik.updateDetailed(300, 1);
    const second = lik.updateDetailed(301, 1);
    expect(first.muted).toBe(false);
    expect(1 - first.likelihood).toBeLessThan(1e-5);
    expect(second.muted).toBe(true);
    expect(second.likelihood).toBeCloseTo(0.999, 9);
  });
});
