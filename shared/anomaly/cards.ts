import type { CardWithoutSha } from '../models/folder.js';
import {
  driftScore,
  driftStatistic,
  exportDriftChartOnnx,
  DRIFT_INPUT,
  type DriftChartFit,
  type DriftChartParams,
} from './drift-chart.js';
import { exportIsolationForestOnnx, IFOREST_INPUT, IFOREST_OUTPUT } from './iforest/onnx.js';
import type { TrainedIsolationForest } from './iforest/library.js';
import { scoreForTail } from './tail.js';
import { streamScore, type StreamFeatures, type StreamParams } from './stream/detector.js';
import { exportStreamHeadOnnx, featureRow, STREAM_FEATURES, STREAM_INPUT, STREAM_OUTPUT } from './stream/head.js';

/** The detector kinds a card's `params.detector` names. */
export const DETECTOR_KINDS = ['isolation-forest', 'drift-chart', 'stream-univariate'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

/** What every card needs besides the model's own fields. */
export interface CardMeta {
  name: string;
  version: string;
  description: string;
  training: CardWithoutSha['training'];
  metrics: CardWithoutSha['metrics'];
  codeVersion: string;
  createdAt: string;
}

export interface BuiltModel {
  onnx: Uint8Array;
  card: CardWithoutSha;
}

export function isolationForestModel(
  forest: TrainedIsolationForest,
  features: readonly string[],
  threshold: number,
  settings: { trees: number; seed: number; fitThresholdQuantile: number },
  meta: CardMeta,
  goldenRows: readonly (readonly number[])[],
): BuiltModel {
  const rows = goldenRows.map((r) => r.map(Math.fround));
  return {
    onnx: exportIsolationForestOnnx(forest),
    card: {
      ...meta,
      task: 'anomaly',
      algorithm: 'isolation-forest',
      inputs: [{ name: IFOREST_INPUT, shape: ['batch', features.length], type: 'float32' }],
      outputs: [{ name: IFOREST_OUTPUT, shape: ['batch', 1], type: 'float32' }],
      features: features.map((name) => ({
        name,
        center: 0,
        scale: 1,
        description: 'raw reading, canonical unit (trees are scale-free)',
      })),
      outputMeaning:
        'Isolation Forest score 2^(−E[path length]/c(ψ)) in (0, 1]; higher = easier to isolate = more anomalous. One score per row, no state.',
      threshold,
      params: {
        detector: 'isolation-forest',
        trees: settings.trees,
        subsample: forest.subsample,
        seed: settings.seed,
        fitThresholdQuantile: settings.fitThresholdQuantile,
      },
      golden: [{ inputs: { [IFOREST_INPUT]: rows.flat() }, outputs: { [IFOREST_OUTPUT]: forest.predict(rows) } }],
      goldenTolerance: 1e-5,
    },
  };
}

/** Window of τ rows ending at `end` (inclusive), the first row repeated where the series is shorter. */
export function windowAt(rows: readonly (readonly number[])[], end: number, tau: number): (readonly number[])[] {
  return Array.from({ length: tau }, (_, k) => rows[Math.max(0, end - tau + 1 + k)] as readonly number[]);
}

export function driftChartModel(
  fit: DriftChartFit,
  params: DriftChartParams,
  meta: CardMeta,
  goldenWindows: readonly (readonly (readonly number[])[])[],
): BuiltModel {
  const windows = goldenWindows.map((w) => w.map((r) => r.map(Math.fround)));
  return {
    onnx: exportDriftChartOnnx(fit),
    card: {
      ...meta,
      task: 'anomaly',
      algorithm: 'drift-chart',
      inputs: [{ name: DRIFT_INPUT, shape: ['batch', fit.tau, fit.columns.length], type: 'float32' }],
      outputs: [
        { name: 'score', shape: ['batch', 1], type: 'float32' },
        { name: 'statistic', shape: ['batch', 1], type: 'float32' },
      ],
      features: fit.columns.map((name, j) => ({
        name,
        center: 0,
        scale: 1,
        description: `raw reading; inside the graph: level ${fmt(fit.mean[j] as number)}, sd of a ${fit.tau}-row mean ${fmt((fit.invVar[j] as number) > 0 ? 1 / Math.sqrt(fit.invVar[j] as number) : Infinity)}`,
      })),
      outputMeaning:
        `score = −log10(tail)/10 of a chi-square statistic (${fit.dof} dof) of the last ${fit.tau} rows' mean against the fitted level, ` +
        `each sensor scaled by its expected drift; 0.4 ↔ tail 1e-4. statistic = the chi-square value. Input: the last ${fit.tau} rows, oldest first` +
        (params.baselineGap > 0
          ? `, each shifted by (adaptive level − fitted level): the level follows the rows ${params.baselineGap} back that did not alarm (shared/anomaly/drift-chart.ts, DriftLevel).`
          : '.'),
      threshold: scoreForTail(params.alarmTail),
      params: {
        detector: 'drift-chart',
        tau: fit.tau,
        alarmTail: params.alarmTail,
        baselineGap: params.baselineGap,
        baselineRows: params.baselineRows,
        holdRows: params.holdRows,
        dof: fit.dof,
        fitRows: fit.rows,
        fit: { mean: fit.mean, noiseVar: fit.noiseVar, walkVar: fit.walkVar, invVar: fit.invVar },
      },
      golden: [
        {
          inputs: { [DRIFT_INPUT]: windows.flat(2) },
          outputs: {
            score: windows.map((w) => driftScore(driftStatistic(fit, w), fit.dof)),
            statistic: windows.map((w) => driftStatistic(fit, w)),
          },
        },
      ],
      goldenTolerance: 1e-3,
    },
  };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : 'inf';
}

export function streamModel(
  params: StreamParams,
  threshold: number,
  meta: CardMeta,
  goldenFeatures: readonly StreamFeatures[],
): BuiltModel {
  return {
    onnx: exportStreamHeadOnnx(),
    card: {
      ...meta,
      task: 'anomaly',
      algorithm: 'transition-memory+likelihood',
      inputs: [{ name: STREAM_INPUT, shape: ['batch', STREAM_FEATURES.length], type: 'float64' }],
      outputs: [{ name: STREAM_OUTPUT, shape: ['batch', 1], type: 'float64' }],
      features: STREAM_FEATURES.map((name) => ({ name, center: 0, scale: 1, description: STREAM_FEATURE_TEXT[name] })),
      outputMeaning:
        'Mean of two log-scaled anomaly likelihoods (long and short history) in [0, 1] (ln(tail + 1e-10)/ln(1e-10); 0.5 ↔ tail 1e-5), ' +
        '1 for a value outside the range seen so far, 0 in the quiet period after a score reached quietAfter. ' +
        'model.onnx is the scoring head; the per-series state (transition memories, likelihood distribution) runs in shared/anomaly/stream with params.',
      threshold,
      params: { detector: 'stream-univariate', ...params, likelihood: { ...params.likelihood } },
      golden: [
        {
          inputs: { [STREAM_INPUT]: goldenFeatures.flatMap(featureRow) },
          outputs: { [STREAM_OUTPUT]: goldenFeatures.map(streamScore) },
        },
      ],
      goldenTolerance: 1e-6,
    },
  };
}

const STREAM_FEATURE_TEXT: Record<(typeof STREAM_FEATURES)[number], string> = {
  z: '|10-row mean of the raw surprise − mean of its long history| / its sd (0 while learning)',
  muted: '1 when a red-zone likelihood (long history) follows another one (muted to the 1e-3 level)',
  zShort: 'z against the short history',
  mutedShort: 'muted, short history',
  spatial: '1 when the value leaves the range seen so far by more than 5 % of it',
  quiet: '1 inside the quiet period after a score reached quietAfter (the score is then 0)',
};
