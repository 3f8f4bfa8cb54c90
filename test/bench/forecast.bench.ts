/**
 * Forecaster and estimator serving costs, each next to a baseline measured in the same run.
 *
 *   npx tsx test/bench/forecast.bench.ts        (standalone; prints markdown)
 *   forecastBench() from test/bench/run.ts       (as the `forecast` group of npm run bench)
 *
 * 1. One 96-step forecast through the model runtime (onnxruntime-node, one intra-op thread): latency p50/p95 of the
 *    ONNX call alone, and separately of the TypeScript feature building for one origin; baseline: the mean of the
 *    last four same weekdays computed in TypeScript for the same origin.
 * 2. Batches of 1,000 estimates: ONNX call alone, TypeScript feature building alone, and both; baseline: the
 *    physics formula of the cleaning step (energy-meter.ts) on the same rows.
 * 3. Many origins in one call: the 358 daily origins of the steel year, features + ONNX.
 */
import { fileURLToPath } from 'node:url';
import { loadSteel, STEEL_TIMEZONE } from '../../shared/demo/steel.js';
import { estimatorOf, normaliseEstimate } from '../../shared/estimate/estimate.js';
import { buildEstimateFeatures, physicsEstimate, type MeterRow } from '../../shared/estimate/features.js';
import { meanOfLastFourWeeks } from '../../shared/forecast/baselines.js';
import { localMidnights } from '../../shared/forecast/calendar.js';
import { buildRawFeatures, normalise } from '../../shared/forecast/features.js';
import { forecasterOf, forecastIndices } from '../../shared/forecast/forecast.js';
import type { RegularSeries } from '../../shared/forecast/series.js';
import { loadModel } from '../../shared/models/runtime.js';

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Per-call latencies (ms) of `fn` over `runs` calls after a warm-up. */
async function latencies(fn: () => unknown, runs: number): Promise<{ p50: number; p95: number; mean: number }> {
  for (let i = 0; i < Math.min(200, runs); i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { p50: percentile(t, 0.5), p95: percentile(t, 0.95), mean: t.reduce((a, b) => a + b, 0) / t.length };
}

export interface ForecastBench {
  forecastOnnx: { p50: number; p95: number; mean: number };
  forecastFeatures: { p50: number; p95: number; mean: number };
  forecastBaseline: { p50: number; p95: number; mean: number };
  estimateOnnxPerS: number;
  estimateFeaturesPerS: number;
  estimateEndToEndPerS: number;
  physicsPerS: number;
  manyOrigins: { origins: number; seconds: number; originsPerS: number };
}

export async function forecastBench(runs = 2000): Promise<ForecastBench> {
  const steel = loadSteel();
  const anchorMs = steel[0]!.tsMs;
  const series: RegularSeries = {
    anchorMs,
    stepSeconds: 900,
    values: Float64Array.from(steel, (r) => r.metrics.usage_kwh),
  };
  const f = forecasterOf(await loadModel(`${MODELS}steel-forecast`));
  const io = (Date.parse('2018-10-15T15:00:00Z') - anchorMs) / 900_000;
  const input = normalise(buildRawFeatures(series, f.params, [io]), f.norm);
  const forecastOnnx = await latencies(() => f.model.run({ features: input }), runs);
  const forecastFeatures = await latencies(() => normalise(buildRawFeatures(series, f.params, [io]), f.norm), runs);
  const forecastBaseline = await latencies(() => meanOfLastFourWeeks(series, [io], 96), runs);

  const e = estimatorOf(await loadModel(`${MODELS}steel-estimate`));
  const rows: MeterRow[] = steel.slice(0, 1000).map((r) => ({
    laggingKvarh: r.metrics.lagging_reactive_kvarh,
    laggingPf: r.metrics.lagging_pf,
    leadingKvarh: r.metrics.leading_reactive_kvarh,
    leadingPf: r.metrics.leading_pf,
    co2: r.metrics.co2_t,
  }));
  const stamps = Float64Array.from(steel.slice(0, 1000), (r) => r.tsMs);
  const features = normaliseEstimate(e, buildEstimateFeatures(rows, stamps, e.params).raw);
  const onnx = await latencies(() => e.model.run({ features }), 300);
  const feat = await latencies(() => normaliseEstimate(e, buildEstimateFeatures(rows, stamps, e.params).raw), 300);
  const both = await latencies(
    async () => e.model.run({ features: normaliseEstimate(e, buildEstimateFeatures(rows, stamps, e.params).raw) }),
    300,
  );
  const physics = await latencies(() => rows.map(physicsEstimate), 300);

  const lastMs = anchorMs + (steel.length - 1) * 900_000;
  const origins = localMidnights(anchorMs + 672 * 900_000, lastMs - 96 * 900_000, STEEL_TIMEZONE).map(
    (ms) => (ms - anchorMs) / 900_000,
  );
  await forecastIndices(f, series, origins);
  const s = performance.now();
  await forecastIndices(f, series, origins);
  const seconds = (performance.now() - s) / 1000;
  return {
    forecastOnnx,
    forecastFeatures,
    forecastBaseline,
    estimateOnnxPerS: 1000 / (onnx.mean / 1000),
    estimateFeaturesPerS: 1000 / (feat.mean / 1000),
    estimateEndToEndPerS: 1000 / (both.mean / 1000),
    physicsPerS: 1000 / (physics.mean / 1000),
    manyOrigins: { origins: origins.length, seconds, originsPerS: origins.length / seconds },
  };
}

const ms = (v: number) => v.toFixed(3);
const n = (v: number) => Math.round(v).toLocaleString('en-US');

export function forecastBenchMarkdown(b: ForecastBench): string {
  const out = [
    '\n## Forecaster: one 96-step forecast (steel-forecast, onnxruntime-node, 1 intra-op thread)',
    '| measure | p50 ms | p95 ms | mean ms |',
    '| --- | --- | --- | --- |',
    `| ONNX inference (1 origin → 96 x 3 quantiles) | ${ms(b.forecastOnnx.p50)} | ${ms(b.forecastOnnx.p95)} | ${ms(b.forecastOnnx.mean)} |`,
    `| TypeScript feature building (1 origin, 2,405 features) | ${ms(b.forecastFeatures.p50)} | ${ms(b.forecastFeatures.p95)} | ${ms(b.forecastFeatures.mean)} |`,
    `| baseline: mean of last four same weekdays in TypeScript | ${ms(b.forecastBaseline.p50)} | ${ms(b.forecastBaseline.p95)} | ${ms(b.forecastBaseline.mean)} |`,
    `\nONNX p95 vs floor 2 ms: ${b.forecastOnnx.p95 < 2 ? 'pass' : 'FAIL'}; ONNX + features mean / baseline mean: ${((b.forecastOnnx.mean + b.forecastFeatures.mean) / b.forecastBaseline.mean).toFixed(1)}x`,
    `Many origins in one call: ${b.manyOrigins.origins} daily origins (features + ONNX, batches of 512) in ${b.manyOrigins.seconds.toFixed(3)} s = ${n(b.manyOrigins.originsPerS)} origins/s`,
    '\n## Estimator: batches of 1,000 intervals (steel-estimate)',
    '| measure | estimates/s |',
    '| --- | --- |',
    `| ONNX inference alone | ${n(b.estimateOnnxPerS)} |`,
    `| TypeScript feature building alone (feasible set + calendar) | ${n(b.estimateFeaturesPerS)} |`,
    `| features + ONNX | ${n(b.estimateEndToEndPerS)} |`,
    `| baseline: physics formula of the cleaning step (TypeScript) | ${n(b.physicsPerS)} |`,
    `\nONNX throughput vs floor 100,000/s: ${b.estimateOnnxPerS >= 100_000 ? 'pass' : 'FAIL'}; features + ONNX / physics formula: ${(b.estimateEndToEndPerS / b.physicsPerS).toFixed(3)}x`,
  ];
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${forecastBenchMarkdown(await forecastBench())}\n`);
}
