import { join } from 'node:path';
import type { DetectorModel } from '../anomaly/scoring.js';
import { scoreTable } from '../anomaly/scoring.js';
import { readSeriesCsv, type SeriesTable } from '../anomaly/table.js';
import { loadNabCorpus, type NabSeries } from './nab/corpus.js';
import { NAB_PROFILES, scoreAtThreshold, scoreOptimized, type NabFile } from './nab/scorer.js';
import { loadSkabCorpus, type SkabFile } from './skab/corpus.js';
import {
  changepointMetrics,
  edgeAlarms,
  outlierMetrics,
  SKAB_TRAIN_ROWS,
  trailingMaxAlarms,
  type SkabChangepointMetrics,
  type SkabFileResult,
  type SkabOutlierMetrics,
} from './skab/evaluator.js';
import { nabSplit, skabSplit } from './splits.js';

export interface NabProfileScores {
  standard: number;
  reward_low_FP_rate: number;
  reward_low_FN_rate: number;
}

export interface NabReport {
  files: number;
  windows: number;
  /** NAB's optimised threshold per profile, over all files. */
  optimized: NabProfileScores;
  thresholds: NabProfileScores;
  /** At the model's own alarm threshold (the card's), no optimisation. */
  atCardThreshold: NabProfileScores;
  cardThreshold: number;
  splitA: NabProfileScores;
  splitB: NabProfileScores;
  counts: { tp: number; fp: number; fn: number; tn: number };
  /** Rows at or above the card threshold per 10,000 rows, over all rows of all files (operator load). */
  alarmsPer10k: number;
  seconds: number;
}

function nabTable(s: NabSeries): SeriesTable {
  return {
    path: s.name,
    timestampColumn: 'timestamp',
    timestamps: s.timestamps,
    columns: ['value'],
    values: [s.values],
    labels: {},
  };
}

function byProfile(fn: (p: (typeof NAB_PROFILES)[number]) => number): NabProfileScores {
  const out = {} as NabProfileScores;
  for (const p of NAB_PROFILES) out[p.name as keyof NabProfileScores] = fn(p);
  return out;
}

/** Scores every NAB file with a streaming model as served (ONNX head) and runs the NAB scorer. */
export async function evaluateOnNab(dir: string, model: DetectorModel): Promise<NabReport> {
  const started = performance.now();
  const corpus = loadNabCorpus(dir);
  const files: NabFile[] = [];
  let threshold = 0.5;
  for (const s of corpus) {
    const scored = await scoreTable(nabTable(s), model);
    threshold = scored.threshold;
    files.push({ name: s.name, scores: scored.scores, windows: s.windows });
  }
  const seconds = (performance.now() - started) / 1000;
  const split = nabSplit(files.map((f) => f.name));
  const subset = (names: string[]) => files.filter((f) => names.includes(f.name));
  const optimized = NAB_PROFILES.map((p) => scoreOptimized(files, p));
  return {
    files: files.length,
    windows: files.reduce((a, f) => a + f.windows.length, 0),
    optimized: byProfile((p) => optimized.find((r) => r.profile === p.name)!.score),
    thresholds: byProfile((p) => optimized.find((r) => r.profile === p.name)!.threshold),
    atCardThreshold: byProfile((p) => scoreAtThreshold(files, p, threshold).score),
    cardThreshold: threshold,
    splitA: byProfile((p) => scoreOptimized(subset(split.A), p).score),
    splitB: byProfile((p) => scoreOptimized(subset(split.B), p).score),
    counts: optimized[0]!.counts,
    alarmsPer10k:
      (1e4 * files.reduce((a, f) => a + Array.from(f.scores).filter((v) => v >= threshold).length, 0)) /
      files.reduce((a, f) => a + f.scores.length, 0),
    seconds,
  };
}

export interface SkabReport {
  files: number;
  /** The anomaly-free recording under the same protocol (fit on its first 400 rows): % of its other rows flagged. */
  anomalyFreeFar: number;
  outlier: SkabOutlierMetrics;
  changepoint: SkabChangepointMetrics;
  splitA: SkabOutlierMetrics;
  splitB: SkabOutlierMetrics;
  seconds: number;
}

/**
 * SKAB protocol: per file, fit on the first 400 rows, flag the rest. Changepoint alarms on the edges of the
 * flag; for the pointwise Isolation Forest, as the leaderboard does, on the edges of its 30-row trailing maximum.
 */
export async function evaluateOnSkab(
  dir: string,
  model: DetectorModel,
  corpus: SkabFile[] = loadSkabCorpus(dir),
): Promise<SkabReport> {
  const started = performance.now();
  const results: SkabFileResult[] = [];
  for (const f of corpus) {
    const scored = await scoreTable(f.table, model, { fitRows: SKAB_TRAIN_ROWS });
    results.push({
      name: f.name,
      timesMs: f.timesMs.slice(SKAB_TRAIN_ROWS),
      anomaly: f.anomaly.slice(SKAB_TRAIN_ROWS),
      changepoint: f.changepoint.slice(SKAB_TRAIN_ROWS),
      flags: scored.flags,
      alarms: scored.model.kind === 'isolation-forest' ? trailingMaxAlarms(scored.flags) : edgeAlarms(scored.flags),
    });
  }
  const free = await scoreTable(readSeriesCsv(join(dir, 'data', 'anomaly-free', 'anomaly-free.csv')), model, {
    fitRows: SKAB_TRAIN_ROWS,
  });
  const seconds = (performance.now() - started) / 1000;
  const split = skabSplit(results.map((r) => r.name));
  return {
    files: results.length,
    anomalyFreeFar: (100 * free.flags.reduce((a, b) => a + b, 0)) / free.flags.length,
    outlier: outlierMetrics(results),
    changepoint: changepointMetrics(results),
    splitA: outlierMetrics(results.filter((r) => split.A.includes(r.name))),
    splitB: outlierMetrics(results.filter((r) => split.B.includes(r.name))),
    seconds,
  };
}
