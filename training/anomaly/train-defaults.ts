/**
 * Trains the committed default anomaly models and writes them to models/<name> (or --out <dir>/<name>):
 *
 *   stream-univariate   streaming detector for one series; learns online, nothing to fit. Metrics: NAB corpus.
 *   drift-chart-pump    drift-aware chart fitted on SKAB's anomaly-free pump recording. Metrics: SKAB protocol
 *                       (the chart refitted on each file's first 400 rows with these hyper-parameters).
 *   iforest-machine     Isolation Forest on a simulated machine's power, temperature and vibration (two weeks,
 *                       no faults). Metrics: the same machine's next four weeks with overheating and drift faults.
 *
 * Run: npx tsx training/anomaly/train-defaults.ts [--out models] [--only stream-univariate|drift-chart-pump|iforest-machine]
 */
import { execSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import {
  driftChartModel,
  isolationForestModel,
  streamModel,
  type BuiltModel,
  type CardMeta,
} from '../../shared/anomaly/cards.js';
import { DRIFT_CHART_DEFAULTS, fitDriftChart } from '../../shared/anomaly/drift-chart.js';
import { trainIsolationForest } from '../../shared/anomaly/iforest/library.js';
import { mulberry32 } from '../../shared/anomaly/random.js';
import type { DetectorModel } from '../../shared/anomaly/scoring.js';
import { inMemoryModel } from '../../shared/anomaly/session.js';
import { scoreSeries, STREAM_DEFAULTS } from '../../shared/anomaly/stream/detector.js';
import { readSeriesCsv, rowsOf } from '../../shared/anomaly/table.js';
import { evaluateOnNab, evaluateOnSkab } from '../../shared/eval/anomaly-benchmarks.js';
import { requireBenchmarkDir } from '../../shared/eval/data-dir.js';
import { writeModelFolder } from '../../shared/models/folder.js';
import { machineSeries, MACHINE_FEATURES, type MachineSeries } from './machine-data.js';

const outArg = process.argv.indexOf('--out');
const OUT = resolve(outArg > 0 ? (process.argv[outArg + 1] as string) : 'models');
const VERSION = '1.0.0';
/** 2.0.0: two likelihoods and a quiet period after an alarm (docs/models.md). */
const STREAM_VERSION = '2.0.0';
/** 2.0.0: the level adapts to slow drift (docs/models.md). */
const DRIFT_VERSION = '2.0.0';
const round = (v: number, d = 4) => Number(v.toFixed(d));

function codeVersion(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function meta(
  name: string,
  description: string,
  training: CardMeta['training'],
  metrics: CardMeta['metrics'],
  version = VERSION,
): CardMeta {
  return {
    name,
    version,
    description,
    training,
    metrics,
    codeVersion: codeVersion(),
    createdAt: new Date().toISOString(),
  };
}

async function asDetector(built: BuiltModel): Promise<DetectorModel> {
  return { card: { ...built.card, params: built.card.params ?? {} }, ...(await inMemoryModel(built.onnx)) };
}

async function write(built: BuiltModel): Promise<void> {
  const card = await writeModelFolder(join(OUT, built.card.name), built);
  process.stdout.write(
    `wrote ${join(OUT, card.name)} (${built.onnx.length} bytes, sha256 ${card.sha256.slice(0, 12)}…)\n`,
  );
}

/** A synthetic daily-cycle series with a level shift, for the streaming head's golden pairs. */
function goldenSeries(): Float64Array {
  const rnd = mulberry32(5);
  return Float64Array.from(
    { length: 1200 },
    (_, i) => 10 + 3 * Math.sin((2 * Math.PI * i) / 96) + rnd() + (i >= 1000 ? 8 : 0),
  );
}

async function streamUnivariate(): Promise<void> {
  // The score that starts a quiet period is an alarm: the card's threshold is the same number.
  const threshold = STREAM_DEFAULTS.quietAfter;
  const { features } = scoreSeries(goldenSeries(), STREAM_DEFAULTS);
  const picked = [0, 500, 999, 1000, 1001, 1005, 1010, 1050].map((i) => features[i]!);
  // The shift's rows are quiet after its alarm: the same rows un-quieted check the likelihoods' arithmetic too, and
  // two rows where the likelihoods disagree (the series is shorter than the short history, so they agree on it).
  const golden = [
    ...picked,
    ...picked.map((f) => ({ ...f, quiet: 0 })),
    { z: 3, muted: 0, zShort: 5, mutedShort: 0, spatial: 0, quiet: 0 },
    { z: 1, muted: 0, zShort: 6, mutedShort: 1, spatial: 0, quiet: 0 },
  ];
  const draft = streamModel(
    STREAM_DEFAULTS,
    threshold,
    meta(
      'stream-univariate',
      '',
      { data: 'none', from: '', to: '', rows: 0 },
      { primary: 'nab_standard', higherIsBetter: true, values: {} },
      STREAM_VERSION,
    ),
    golden,
  );
  const nab = await evaluateOnNab(requireBenchmarkDir('nab'), await asDetector(draft));
  const built = streamModel(
    STREAM_DEFAULTS,
    threshold,
    meta(
      'stream-univariate',
      'Streaming univariate detector (one series: a meter, a sensor, a forecast residual): transition memories at 3 resolutions × 3 orders give a raw surprise, ' +
        'two Numenta anomaly likelihoods (8,640- and 2,000-row histories) calibrate it and are averaged, values beyond the range seen so far score 1, ' +
        'and an alarm is followed by 200 quiet rows. Learns online; alarms after 388 rows.',
      {
        data: 'none: learns online from each series (design chosen on NAB split A, see docs/BENCHMARKS.md)',
        from: '',
        to: '',
        rows: 0,
      },
      {
        primary: 'nab_standard',
        higherIsBetter: true,
        values: {
          nab_standard: round(nab.optimized.standard, 2),
          nab_reward_low_fp: round(nab.optimized.reward_low_FP_rate, 2),
          nab_reward_low_fn: round(nab.optimized.reward_low_FN_rate, 2),
          nab_standard_at_threshold: round(nab.atCardThreshold.standard, 2),
          nab_standard_split_a: round(nab.splitA.standard, 2),
          nab_standard_split_b_holdout: round(nab.splitB.standard, 2),
        },
      },
      STREAM_VERSION,
    ),
    golden,
  );
  await write(built);
}

async function driftChartPump(): Promise<void> {
  const skabDir = requireBenchmarkDir('skab');
  const table = readSeriesCsv(join(skabDir, 'data', 'anomaly-free', 'anomaly-free.csv'));
  const rows = rowsOf(table);
  const fit = fitDriftChart(table.columns, rows, DRIFT_CHART_DEFAULTS);
  // Golden windows: the fitted level, shifted by 0 to 4 sds of a τ-row mean on every sensor (no data rows copied).
  const sd = fit.invVar.map((w) => (w > 0 ? 1 / Math.sqrt(w) : 0));
  const golden = [0, 0.5, 1, 2, 4].map((k) =>
    Array.from({ length: fit.tau }, () => fit.mean.map((m, j) => m + k * (sd[j] as number))),
  );
  const draft = driftChartModel(
    fit,
    DRIFT_CHART_DEFAULTS,
    meta(
      'drift-chart-pump',
      '',
      { data: '', from: '', to: '', rows: 0 },
      { primary: 'skab_f1', higherIsBetter: true, values: {} },
      DRIFT_VERSION,
    ),
    golden,
  );
  const skab = await evaluateOnSkab(skabDir, await asDetector(draft));
  const built = driftChartModel(
    fit,
    DRIFT_CHART_DEFAULTS,
    meta(
      'drift-chart-pump',
      'Drift-aware multivariate chart for steady-state sensor sets: trailing 20-row means of every sensor against a level and a drift scale ' +
        'fitted per sensor (variogram), summed into a chi-square statistic and scored by its tail; the level follows slow drift (rows 300 back that did not alarm). ' +
        'This copy is fitted on the SKAB pump ' +
        "testbed's anomaly-free recording; `kilowatch detect --fit-rows N` refits it with the same hyper-parameters on any file.",
      {
        data: 'SKAB v0.9 anomaly-free/anomaly-free.csv (GPL-3.0, Katser & Kozitsin 2020)',
        from: table.timestamps[0]!,
        to: table.timestamps.at(-1)!,
        rows: rows.length,
      },
      {
        primary: 'skab_f1',
        higherIsBetter: true,
        values: {
          skab_f1: round(skab.outlier.f1),
          skab_far_percent: round(skab.outlier.far, 2),
          skab_mar_percent: round(skab.outlier.mar, 2),
          skab_f1_split_a: round(skab.splitA.f1),
          skab_f1_split_b_holdout: round(skab.splitB.f1),
          skab_nab_standard: round(skab.changepoint.nab.standard!, 2),
          skab_anomaly_free_far_percent: round(skab.anomalyFreeFar, 2),
        },
      },
      DRIFT_VERSION,
    ),
    golden,
  );
  await write(built);
}

function holdoutMetrics(series: MachineSeries[], scores: number[][], threshold: number): Record<string, number> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let events = 0;
  let caught = 0;
  series.forEach((s, j) => {
    const sc = scores[j] as number[];
    sc.forEach((v, i) => {
      const flag = v >= threshold;
      if (s.labels[i] && flag) tp++;
      else if (s.labels[i]) fn++;
      else if (flag) fp++;
      else tn++;
    });
    for (const [a, b] of s.events) {
      events++;
      if (sc.slice(a, b + 1).some((v) => v >= threshold)) caught++;
    }
  });
  const days = series.reduce((a, s) => a + s.rows.length, 0) / 1440;
  return {
    holdout_f1: round(tp / (tp + (fp + fn) / 2)),
    holdout_far_percent: round((100 * fp) / (fp + tn), 2),
    holdout_mar_percent: round((100 * fn) / (fn + tp), 2),
    holdout_event_recall: round(caught / Math.max(1, events)),
    holdout_events: events,
    holdout_false_alarm_rows_per_day: round(fp / days, 2),
  };
}

async function iforestMachine(): Promise<void> {
  const start = Date.UTC(2024, 0, 1);
  const sim = { machines: 1, intervalS: 60, seed: 11 };
  const train = machineSeries({ ...sim, startMs: start, durationS: 14 * 86400 }, false);
  const test = machineSeries({ ...sim, startMs: start + 14 * 86400_000, durationS: 28 * 86400 }, true);
  const rows = train.flatMap((s) => s.rows).map((r) => r.map(Math.fround));
  const settings = { trees: 100, seed: 7, fitThresholdQuantile: 0.99 };
  const forest = trainIsolationForest(rows, { trees: settings.trees, seed: settings.seed });
  const trainScores = forest.predict(rows).sort((a, b) => a - b);
  const threshold = trainScores[Math.floor(settings.fitThresholdQuantile * trainScores.length)]!;
  const metrics = holdoutMetrics(
    test,
    test.map((s) => forest.predict(s.rows.map((r) => r.map(Math.fround)))),
    threshold,
  );
  const golden = (test[0] as MachineSeries).rows
    .filter((_, i) => i % 4000 === 0)
    .concat([
      [0, 20, 0],
      [5000, 300, 80],
    ]);
  const draft = isolationForestModel(
    forest,
    MACHINE_FEATURES,
    threshold,
    settings,
    meta(
      'iforest-machine',
      '',
      { data: '', from: '', to: '', rows: 0 },
      { primary: 'holdout_f1', higherIsBetter: true, values: {} },
    ),
    golden,
  );
  const skab = await evaluateOnSkab(requireBenchmarkDir('skab'), await asDetector(draft));
  const built = isolationForestModel(
    forest,
    MACHINE_FEATURES,
    threshold,
    settings,
    meta(
      'iforest-machine',
      `Isolation Forest (ml-isolation-forest, ${settings.trees} trees, ψ = ${forest.subsample}) over a machine's power, temperature and vibration; ` +
        `threshold = the ${settings.fitThresholdQuantile} quantile of the training rows' scores. Pointwise: it judges a combination of readings, not a trend.`,
      {
        data: 'kilowatch simulate: sim-plant machine-01, seed 11, 60 s, no faults',
        from: train[0]!.timestamps[0]!,
        to: train[0]!.timestamps.at(-1)!,
        rows: rows.length,
        seed: settings.seed,
      },
      {
        primary: 'holdout_f1',
        higherIsBetter: true,
        values: {
          ...metrics,
          skab_f1_refit: round(skab.outlier.f1),
          skab_far_percent_refit: round(skab.outlier.far, 2),
          skab_mar_percent_refit: round(skab.outlier.mar, 2),
        },
      },
    ),
    golden,
  );
  await write(built);
}

const TRAINERS: Record<string, () => Promise<void>> = {
  'stream-univariate': streamUnivariate,
  'drift-chart-pump': driftChartPump,
  'iforest-machine': iforestMachine,
};
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? (process.argv[onlyArg + 1] as string) : undefined;
if (only !== undefined && !(only in TRAINERS))
  throw new Error(`--only ${only}: expected one of ${Object.keys(TRAINERS).join(', ')}`);
for (const [name, train] of Object.entries(TRAINERS)) if (only === undefined || only === name) await train();
