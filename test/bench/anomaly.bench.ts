/**
 * Anomaly detector throughput, each next to a baseline measured in the same run.
 *
 *   npx tsx test/bench/anomaly.bench.ts         (standalone)
 *   anomalyBench() from test/bench/run.ts        (as the `anomaly` group of npm run bench)
 *
 * 1. Isolation Forest, batches of 1,000 readings: ml-isolation-forest's own predict vs the exported ONNX model
 *    served through the model runtime (loadModel, one intra-op thread), same forest, same rows.
 * 2. Streaming detector on a 20,000-row series: as served (TypeScript state + ONNX head) vs the TypeScript
 *    reference alone vs a rolling z-score (the cheapest streaming detector there is).
 *    And the score function's load-residual channel on as many values (shared/scoring/load-residual.ts).
 * 3. Drift chart on 20,000 rows of 8 sensors, ONNX.
 */
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolationForestModel } from '../../shared/anomaly/cards.js';
import { trainIsolationForest } from '../../shared/anomaly/iforest/library.js';
import { mulberry32 } from '../../shared/anomaly/random.js';
import { scoreTable, type DetectorModel } from '../../shared/anomaly/scoring.js';
import { FIXED_LEVEL } from '../../shared/anomaly/drift-chart.js';
import { scoreSeries, STREAM_DEFAULTS } from '../../shared/anomaly/stream/detector.js';
import type { SeriesTable } from '../../shared/anomaly/table.js';
import { writeModelFolder } from '../../shared/models/folder.js';
import { LoadResidualState, type LoadInput } from '../../shared/scoring/load-residual.js';
import { loadModel } from '../../shared/models/runtime.js';
import { machineSeries, MACHINE_FEATURES } from '../../training/anomaly/machine-data.js';

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Runs `fn` until at least `minMs` have passed (and at least `minRuns` times); returns runs per second. */
async function rate(fn: () => unknown, minMs = 1500, minRuns = 3): Promise<number> {
  await fn();
  let runs = 0;
  const start = performance.now();
  while (runs < minRuns || performance.now() - start < minMs) {
    await fn();
    runs++;
  }
  return (runs * 1000) / (performance.now() - start);
}

const LOAD_METRICS = ['power_kw', 'temperature_c', 'vibration_mm_s', 'production_units'];

function series(n: number): Float64Array {
  const r = mulberry32(17);
  return Float64Array.from(
    { length: n },
    (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + 3 * r() + (i % 5000 === 4000 ? 40 : 0),
  );
}

export async function anomalyBench(): Promise<void> {
  // 1. Isolation Forest.
  const start = Date.UTC(2024, 0, 1);
  const [machine] = machineSeries(
    { machines: 1, intervalS: 60, seed: 11, startMs: start, durationS: 4 * 86400 },
    false,
  );
  const rows = machine!.rows.map((r) => r.map(Math.fround));
  const settings = { trees: 100, seed: 7, fitThresholdQuantile: 0.99 };
  const forest = trainIsolationForest(rows, { trees: settings.trees, seed: settings.seed });
  const batch = rows.slice(0, 1000);
  const meta = {
    name: 'bench-iforest',
    version: 'bench',
    description: 'benchmark model',
    training: { data: 'simulator', from: '', to: '', rows: rows.length },
    metrics: { primary: 'none', higherIsBetter: false, values: {} },
    codeVersion: 'bench',
    createdAt: new Date().toISOString(),
  };
  const dir = join(mkdtempSync(join(tmpdir(), 'kilowatch-bench-')), 'bench-iforest');
  await writeModelFolder(dir, isolationForestModel(forest, MACHINE_FEATURES, 0.6, settings, meta, batch.slice(0, 4)));
  const served = await loadModel(dir);
  const flat = Float32Array.from(batch.flat());
  const onnxScores = (await served.run({ x: { data: flat, dims: [1000, 3] } })).score!.data;
  const libScores = forest.predict(batch);
  const parity = Math.max(...libScores.map((s, i) => Math.abs(s - (onnxScores[i] as number))));
  const libRate = await rate(() => forest.predict(batch));
  const onnxRate = await rate(() => served.run({ x: { data: flat, dims: [1000, 3] } }));
  // Per tree per row, the unit both walks pay for: the ratio cannot beat their per-walk costs on one core.
  const nsPerWalk = (batchesPerS: number) => (1e9 / batchesPerS / 1000 / settings.trees).toFixed(1);
  console.log(
    `\n## Isolation Forest scoring, batches of 1,000 readings (${settings.trees} trees, ψ = ${forest.subsample}, 3 features)`,
  );
  console.log('| path | readings/s | ns per tree per reading | vs library |\n| --- | ---: | ---: | ---: |');
  console.log(`| ml-isolation-forest predict (baseline) | ${fmt(libRate * 1000)} | ${nsPerWalk(libRate)} | 1.0x |`);
  console.log(
    `| ONNX TreeEnsembleRegressor via loadModel, 1 intra-op thread | ${fmt(onnxRate * 1000)} | ${nsPerWalk(onnxRate)} | ${(onnxRate / libRate).toFixed(1)}x |`,
  );
  // onnxruntime splits the trees (or rows) of a batch over its intra-op threads; the library is one JavaScript thread.
  const cores = availableParallelism();
  for (let threads = 2; threads <= cores; threads *= 2) {
    const threaded = await loadModel(dir, { threads });
    const threadedRate = await rate(() => threaded.run({ x: { data: flat, dims: [1000, 3] } }));
    console.log(
      `| ONNX via loadModel, ${threads} intra-op threads (${cores} cores) | ${fmt(threadedRate * 1000)} | ${nsPerWalk(threadedRate)} | ${(threadedRate / libRate).toFixed(1)}x |`,
    );
  }
  console.log(`\nmax |score difference| ONNX vs library on the batch: ${parity.toExponential(1)}`);

  // 2. Streaming detector.
  const n = 20_000;
  const values = series(n);
  const table: SeriesTable = {
    path: 'bench',
    timestampColumn: 'timestamp',
    timestamps: Array.from({ length: n }, (_, i) => String(i)),
    columns: ['value'],
    values: [values],
    labels: {},
  };
  const stream = (await loadModel(join(MODELS, 'stream-univariate'))) as unknown as DetectorModel;
  const zRate = await rate(() => {
    // Rolling z-score over the last 288 values: the cheapest streaming baseline.
    let s = 0;
    let s2 = 0;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      const w = Math.min(i, 288);
      const mean = w ? s / w : v;
      const sd = w > 1 ? Math.sqrt(Math.max(0, s2 / w - mean * mean)) : 1;
      out[i] = Math.abs(v - mean) / (sd || 1);
      s += v;
      s2 += v * v;
      if (i >= 288) {
        const old = values[i - 288] as number;
        s -= old;
        s2 -= old * old;
      }
    }
    return out;
  });
  const v1Rate = await rate(() =>
    scoreSeries(values, { ...STREAM_DEFAULTS, shortHistoricWindowSize: 0, quietRows: 0 }),
  );
  const tsRate = await rate(() => scoreSeries(values));
  const servedRate = await rate(() => scoreTable(table, stream));
  // The score function's load-residual channel: the same number of values, as a machine's four metrics a minute.
  const machineValues: LoadInput[] = Array.from({ length: n }, (_, i) => {
    const power = values[i >> 2] as number;
    const metric = LOAD_METRICS[i & 3] as string;
    const value = metric === 'power_kw' ? power : metric === 'temperature_c' ? 20 + power / 4 : power / 10;
    return { tsMs: (i >> 2) * 60_000, metric, value, flags: [] };
  });
  const loadRate = await rate(() => new LoadResidualState().step(machineValues));
  console.log(`\n## Streaming univariate detector, one series of ${fmt(n)} readings`);
  console.log('| path | readings/s | vs rolling z-score |\n| --- | ---: | ---: |');
  console.log(`| rolling z-score, 288-value window (baseline) | ${fmt(zRate * n)} | 1.0x |`);
  console.log(
    `| stream-univariate 1.0 settings (one likelihood, no quiet period), TypeScript reference | ${fmt(v1Rate * n)} | ${(v1Rate / zRate).toFixed(3)}x |`,
  );
  console.log(
    `| stream-univariate, TypeScript reference | ${fmt(tsRate * n)} | ${(tsRate / zRate).toFixed(3)}x (${(tsRate / v1Rate).toFixed(2)}x the 1.0 settings) |`,
  );
  console.log(
    `| stream-univariate as served (state in TS + ONNX head, batches of 4,096) | ${fmt(servedRate * n)} | ${(servedRate / zRate).toFixed(3)}x |`,
  );
  console.log(
    `| load-residual channel, a machine's 4 metrics a minute (values/s) | ${fmt(loadRate * n)} | ${(loadRate / zRate).toFixed(3)}x (${(loadRate / tsRate).toFixed(2)}x stream-univariate's reference) |`,
  );

  // 3. Drift chart.
  const r = mulberry32(3);
  const sensors = Array.from({ length: 8 }, (_, j) => `s${j}`);
  const sensorValues = sensors.map((_, j) => Float64Array.from({ length: n }, () => j + r()));
  const wide: SeriesTable = {
    path: 'bench-wide',
    timestampColumn: 'datetime',
    timestamps: table.timestamps,
    columns: sensors,
    values: sensorValues,
    labels: {},
  };
  const drift = (await loadModel(join(MODELS, 'drift-chart-pump'))) as unknown as DetectorModel;
  const fixed: DetectorModel = { ...drift, card: { ...drift.card, params: { ...drift.card.params, ...FIXED_LEVEL } } };
  const fixedRate = await rate(() => scoreTable(wide, fixed, { fitRows: 400 }));
  const driftRate = await rate(() => scoreTable(wide, drift, { fitRows: 400 }));
  console.log(
    `\n## Drift chart, ${fmt(n)} rows of 8 sensors (fit on 400 rows, then score; τ = 20-row windows through ONNX)`,
  );
  console.log('| path | rows/s |\n| --- | ---: |');
  console.log(`| fit + score, fixed level (1.0) | ${fmt(fixedRate * n)} |`);
  console.log(
    `| fit + score, adaptive level (batches of 300 rows) | ${fmt(driftRate * n)} (${(driftRate / fixedRate).toFixed(2)}x the fixed level) |`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await anomalyBench();
