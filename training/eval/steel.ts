/**
 * The steel evaluation protocol (data/steel/README.md), in one run: train part = readings stamped up to
 * 2018-10-01 00:00 plant time, test quarter = the 8,832 readings after it.
 *
 * Day-ahead: at each plant-local midnight from 2018-10-01 to 2018-12-31 (92 origins), the next 96 steps from the
 * readings stamped strictly before the origin; the forecaster (served ONNX path) next to seasonal naive daily
 * (lag 96) and weekly (lag 672), the mean of the last four same weekdays and a ridge lag/calendar baseline fitted
 * here on the train part. MASE is scaled by the in-sample MAE of the weekly seasonal naive forecast on the train part.
 *
 * Estimate: every test reading's energy from its own electrical columns and calendar; the estimator next to the
 * physics formula of the cleaning step (better-conditioned side), the middle of the feasible set, and the
 * published Cubist figure.
 */
import { loadSteel, STEEL_TIMEZONE } from '../../shared/demo/steel.js';
import { estimateRows, estimatorOf } from '../../shared/estimate/estimate.js';
import { feasibleSet, physicsEstimate, type MeterRow } from '../../shared/estimate/features.js';
import { fitRidgeBaseline, meanOfLastFourWeeks, seasonalNaive } from '../../shared/forecast/baselines.js';
import { localMidnights } from '../../shared/forecast/calendar.js';
import { forecasterOf, forecastIndices } from '../../shared/forecast/forecast.js';
import { metricsOf, seasonalNaiveScale, type Metrics } from '../../shared/forecast/metrics.js';
import type { RegularSeries } from '../../shared/forecast/series.js';
import { loadModel } from '../../shared/models/runtime.js';
import { STEEL_TEST_START_MS } from '../steel/export.js';

/** Published reference: Sathishkumar et al. (2021), Cubist, RMSE in kWh on their split. */
export const CUBIST_RMSE = 0.241;
/** Floors of issue 3. */
export const FLOORS = {
  estimateRmse: 0.03,
  forecastMae: 9.6,
  forecastMase: 0.63,
  coverageMin: 0.75,
  coverageMax: 0.85,
};

export interface Row {
  name: string;
  metrics: Metrics;
}

export interface SteelEvaluation {
  forecast: { origins: number; targets: number; maseScale: number; rows: Row[]; model: string };
  estimate: { rows: Row[]; model: string; testRows: number; cubistRmse: number };
  seconds: { forecast: number; baselines: number; estimate: number };
}

export async function evaluateSteel(
  options: { forecastModel?: string; estimateModel?: string } = {},
): Promise<SteelEvaluation> {
  const steel = loadSteel();
  const stepMs = 900_000;
  const anchorMs = steel[0]!.tsMs;
  const values = new Float64Array(steel.length);
  steel.forEach((r, i) => {
    if (r.tsMs !== anchorMs + i * stepMs) throw new Error(`steel row ${i} is off the 15-minute grid`);
    values[i] = r.metrics.usage_kwh;
  });
  const series: RegularSeries = { anchorMs, stepSeconds: 900, values };
  const trainEnd = (STEEL_TEST_START_MS - anchorMs) / stepMs; // index of the last train reading
  const trainValues = values.subarray(0, trainEnd + 1);

  // --- day-ahead
  const fm = await loadModel(options.forecastModel ?? 'models/steel-forecast');
  const f = forecasterOf(fm);
  const H = f.params.horizon;
  const lastMs = anchorMs + (values.length - 1) * stepMs;
  const testOrigins = localMidnights(STEEL_TEST_START_MS, lastMs - H * stepMs, STEEL_TIMEZONE).map(
    (ms) => (ms - anchorMs) / stepMs,
  );
  const actual = new Float64Array(testOrigins.length * H);
  testOrigins.forEach((io, b) => {
    for (let k = 1; k <= H; k++) actual[b * H + k - 1] = values[io + k] as number;
  });
  const scale = seasonalNaiveScale(trainValues, 672);
  let t = performance.now();
  const q = await forecastIndices(f, series, testOrigins);
  const forecastSeconds = (performance.now() - t) / 1000;
  const pick = (j: number) => Float64Array.from({ length: testOrigins.length * H }, (_, i) => q[i * 3 + j] as number);
  const rows: Row[] = [
    {
      name: `${fm.name} ${fm.version} (ONNX)`,
      metrics: metricsOf(actual, pick(1), { scale, p10: pick(0), p90: pick(2) }),
    },
  ];

  t = performance.now();
  const W = 672;
  const trainOrigins = localMidnights(
    anchorMs + 4 * W * stepMs,
    anchorMs + (trainEnd - H) * stepMs,
    STEEL_TIMEZONE,
  ).map((ms) => (ms - anchorMs) / stepMs);
  // The ridge baseline sees only the train part.
  const trainSeries: RegularSeries = { anchorMs, stepSeconds: 900, values: trainValues };
  const ridge = fitRidgeBaseline(trainSeries, f.params, trainOrigins).predict(series, testOrigins);
  rows.push({
    name: 'ridge on lags + calendar (baseline)',
    metrics: metricsOf(actual, ridge.p50, { scale, p10: ridge.p10, p90: ridge.p90 }),
  });
  rows.push({
    name: 'mean of last four same weekdays',
    metrics: metricsOf(actual, meanOfLastFourWeeks(series, testOrigins, H), { scale }),
  });
  rows.push({
    name: 'seasonal naive weekly (lag 672)',
    metrics: metricsOf(actual, seasonalNaive(series, testOrigins, H, 672), { scale }),
  });
  rows.push({
    name: 'seasonal naive daily (lag 96)',
    metrics: metricsOf(actual, seasonalNaive(series, testOrigins, H, 96), { scale }),
  });
  const baselineSeconds = (performance.now() - t) / 1000;

  // --- estimate
  const em = await loadModel(options.estimateModel ?? 'models/steel-estimate');
  const e = estimatorOf(em);
  const test = steel.filter((r) => r.tsMs > STEEL_TEST_START_MS);
  const meter: MeterRow[] = test.map((r) => ({
    laggingKvarh: r.metrics.lagging_reactive_kvarh,
    laggingPf: r.metrics.lagging_pf,
    leadingKvarh: r.metrics.leading_reactive_kvarh,
    leadingPf: r.metrics.leading_pf,
    co2: r.metrics.co2_t,
  }));
  const usage = Float64Array.from(test, (r) => r.metrics.usage_kwh);
  t = performance.now();
  const { estimates } = await estimateRows(
    e,
    meter,
    Float64Array.from(test, (r) => r.tsMs),
  );
  const estimateSeconds = (performance.now() - t) / 1000;
  const physics = Float64Array.from(meter, physicsEstimate);
  const middle = Float64Array.from(meter, (r) => {
    const fs = feasibleSet(r, e.params);
    return (fs.lo + fs.hi) / 2;
  });
  return {
    forecast: {
      origins: testOrigins.length,
      targets: actual.length,
      maseScale: scale,
      rows,
      model: `${fm.name} ${fm.version}`,
    },
    estimate: {
      model: `${em.name} ${em.version}`,
      testRows: test.length,
      cubistRmse: CUBIST_RMSE,
      rows: [
        { name: `${em.name} ${em.version} (ONNX)`, metrics: metricsOf(usage, estimates) },
        { name: 'middle of the feasible set (no learning)', metrics: metricsOf(usage, middle) },
        { name: 'physics formula, better-conditioned side (cleaning step)', metrics: metricsOf(usage, physics) },
      ],
    },
    seconds: { forecast: forecastSeconds, baselines: baselineSeconds, estimate: estimateSeconds },
  };
}

const f3 = (v: number | null) => (v === null || Number.isNaN(v) ? '-' : v.toFixed(3));
const f4 = (v: number) => v.toFixed(4);

export function markdown(r: SteelEvaluation): string {
  const out: string[] = [];
  out.push(
    `## Day-ahead forecast, steel test quarter (${r.forecast.origins} plant-local midnight origins, ${r.forecast.targets} targets)`,
  );
  out.push(
    `MASE scale (in-sample MAE of weekly seasonal naive on the train part): ${r.forecast.maseScale.toFixed(3)} kWh\n`,
  );
  out.push('| model | MAE kWh | RMSE kWh | MASE | CV(RMSE) % | 80 % interval coverage |');
  out.push('| --- | --- | --- | --- | --- | --- |');
  for (const row of r.forecast.rows) {
    const m = row.metrics;
    out.push(
      `| ${row.name} | ${f3(m.mae)} | ${f3(m.rmse)} | ${f3(m.mase)} | ${f3(m.cvRmsePct)} | ${m.coverage80 === null ? '-' : `${(100 * m.coverage80).toFixed(1)} %`} |`,
    );
  }
  const best = r.forecast.rows[0]!.metrics;
  const lastFour = r.forecast.rows.find((x) => x.name.startsWith('mean of last four'))!.metrics;
  out.push(`\nMAE ratio to the mean of the last four same weekdays: ${(best.mae / lastFour.mae).toFixed(3)}`);
  out.push(`\n## Energy estimate, steel test quarter (${r.estimate.testRows} readings)\n`);
  out.push('| estimator | RMSE kWh | MAE kWh | CV(RMSE) % |');
  out.push('| --- | --- | --- | --- |');
  for (const row of r.estimate.rows)
    out.push(`| ${row.name} | ${f4(row.metrics.rmse)} | ${f4(row.metrics.mae)} | ${f3(row.metrics.cvRmsePct)} |`);
  out.push(`| Cubist (published, Sathishkumar et al. 2021; not re-run) | ${f4(r.estimate.cubistRmse)} | - | - |`);
  const est = r.estimate.rows[0]!.metrics;
  const phys = r.estimate.rows[2]!.metrics;
  out.push(
    `\nRMSE ratio to the physics formula: ${(est.rmse / phys.rmse).toFixed(3)}; to Cubist: ${(est.rmse / r.estimate.cubistRmse).toFixed(4)}`,
  );
  out.push('\n## Floors (issue 3)\n');
  const check = (ok: boolean) => (ok ? 'pass' : 'FAIL');
  out.push(`- estimator RMSE ${f4(est.rmse)} <= ${FLOORS.estimateRmse}: ${check(est.rmse <= FLOORS.estimateRmse)}`);
  out.push(`- forecaster MAE ${f3(best.mae)} <= ${FLOORS.forecastMae}: ${check(best.mae <= FLOORS.forecastMae)}`);
  out.push(`- forecaster MASE ${f3(best.mase)} <= ${FLOORS.forecastMase}: ${check(best.mase <= FLOORS.forecastMase)}`);
  const cov = best.coverage80 ?? Number.NaN;
  out.push(
    `- 80 % interval coverage ${(100 * cov).toFixed(1)} % within 75-85 %: ${check(cov >= FLOORS.coverageMin && cov <= FLOORS.coverageMax)}`,
  );
  out.push(
    `\n(ONNX forecasts of the test quarter ${r.seconds.forecast.toFixed(2)} s, baselines ${r.seconds.baselines.toFixed(2)} s, estimates ${r.seconds.estimate.toFixed(2)} s)`,
  );
  return out.join('\n');
}
