import { describe, expect, it } from 'vitest';
import { rowsOf } from '../../shared/anomaly/table.js';
import { loadSkabCorpus } from '../../shared/eval/skab/corpus.js';
import { skabData } from '../support/requirements.js';
import {
  changepointMetrics,
  changepointWindows,
  detectionScore,
  edgeAlarms,
  outlierMetrics,
  SKAB_NAB_PROFILES,
  SKAB_TRAIN_ROWS,
} from '../../shared/eval/skab/evaluator.js';
import { fCdf } from '../../shared/eval/skab/f-dist.js';
import { t2ReferenceFlags } from '../../shared/eval/skab/t2-reference.js';

describe('SKAB evaluator', () => {
  it('scores a detection at the changepoint A_tp and at the window end A_fp', () => {
    const standard = SKAB_NAB_PROFILES[0]!;
    expect(detectionScore(0, standard)).toBeCloseTo(1, 9);
    expect(detectionScore(1, standard)).toBeCloseTo(-0.11, 9);
  });

  it('moves the start of a window that overlaps the previous one to its end', () => {
    const t = [0, 30_000, 200_000];
    expect(changepointWindows(t, [1, 1, 1])).toEqual([
      [0, 60_000],
      [60_000, 90_000],
      [200_000, 260_000],
    ]);
  });

  it('alarms on both edges of the outlier flag, and on a first row that is flagged', () => {
    expect([...edgeAlarms([1, 1, 0, 0, 1])]).toEqual([1, 0, 1, 0, 1]);
  });

  it('matches a known F distribution value', () => {
    // F(2, 10) CDF at 4.1028 is 0.95 (tables).
    expect(fCdf(4.1028, 2, 10)).toBeCloseTo(0.95, 4);
  });

  it('reproduces the README figures for the reference T-squared detector on the 16 valve1 files', (ctx) => {
    const files = loadSkabCorpus(skabData.get(ctx));
    expect(files).toHaveLength(16);
    const results = files.map((f) => {
      const rows = rowsOf(f.table);
      const flags = t2ReferenceFlags(rows.slice(0, SKAB_TRAIN_ROWS), rows.slice(SKAB_TRAIN_ROWS));
      return {
        name: f.name,
        timesMs: f.timesMs.slice(SKAB_TRAIN_ROWS),
        anomaly: f.anomaly.slice(SKAB_TRAIN_ROWS),
        changepoint: f.changepoint.slice(SKAB_TRAIN_ROWS),
        flags,
        alarms: edgeAlarms(flags),
      };
    });
    const out = outlierMetrics(results);
    expect({ tp: out.tp, tn: out.tn, fp: out.fp, fn: out.fn }).toEqual({ tp: 3530, tn: 4364, fp: 1087, fn: 2779 });
    expect(out.f1).toBeCloseTo(0.646165, 6);
    expect(out.far).toBeCloseTo(19.941295, 5);
    expect(out.mar).toBeCloseTo(44.048185, 5);
    const cp = changepointMetrics(results);
    expect(cp.windows).toBe(63);
    expect(cp.missed).toBe(39);
    expect(cp.falsePositives).toBe(94);
    expect(cp.nab.standard!.toFixed(2)).toBe('22.40');
    expect(cp.nab.lowFP!.toFixed(2)).toBe('13.45');
    expect(cp.nab.lowFN!.toFixed(2)).toBe('27.63');
  });
});
