import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNabCorpus, loadNabProfiles, loadNumentaReference } from '../../shared/eval/nab/corpus.js';
import { nabData } from '../support/requirements.js';
import {
  NAB_PROFILES,
  scaledSigmoid,
  scoreAtThreshold,
  scoreOptimized,
  type NabFile,
} from '../../shared/eval/nab/scorer.js';

interface Expected {
  score: number;
  threshold: number;
  raw_score: number;
  null_score: number;
  perfect_score: number;
  counts: { tp: number; fp: number; fn: number; tn: number };
}

describe('NAB scorer', () => {
  it('follows the README worked example (standard profile)', () => {
    const scores = new Array<number>(20).fill(0);
    for (const i of [1, 5, 11, 13, 16]) scores[i] = 0.9;
    const file: NabFile = { name: 'example', scores, windows: [[10, 14]] };
    const standard = NAB_PROFILES[0]!;
    const fixed = scoreAtThreshold([file], standard, 0.5);
    expect(fixed.rawScore).toBeCloseTo(0.773796, 6);
    expect(fixed.counts).toEqual({ tp: 2, fp: 2, fn: 3, tn: 10 });
    expect(fixed.nullScore).toBeCloseTo(-0.247366, 6);
    const best = scoreOptimized([file], standard);
    expect(best.threshold).toBe(0.9);
    expect(best.score).toBeCloseTo(81.865, 3);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.8482836, 7);
    expect(scaledSigmoid(3.5)).toBe(-1);
  });

  it('reproduces reference/expected_scores.json for the numenta detector on all 35 files', (ctx) => {
    const dir = nabData.get(ctx);
    const expected = JSON.parse(readFileSync(join(dir, 'reference', 'expected_scores.json'), 'utf8')) as {
      detectors: { numenta: Record<string, Record<string, Expected | Record<string, number>>> };
    };
    const numenta = expected.detectors.numenta;
    const files = loadNabCorpus(dir).map((s) => ({
      name: s.name,
      windows: s.windows,
      scores: loadNumentaReference(dir, s.name),
    }));
    expect(files).toHaveLength(35);
    for (const profile of loadNabProfiles(dir)) {
      const want = numenta.optimized![profile.name] as Expected;
      const got = scoreOptimized(files, profile);
      expect(Math.abs(got.score - want.score)).toBeLessThan(1e-6);
      expect(Math.abs(got.rawScore - want.raw_score)).toBeLessThan(1e-6);
      expect(got.nullScore).toBeCloseTo(want.null_score, 9);
      expect(got.perfectScore).toBe(want.perfect_score);
      expect(got.counts).toEqual(want.counts);
      expect(got.threshold).toBeCloseTo(want.threshold, 9);
      const perFile = numenta.optimized_per_file_raw_scores![profile.name] as unknown as Record<string, number>;
      for (const [name, raw] of Object.entries(perFile)) expect(got.perFileRaw[name]).toBeCloseTo(raw, 6);

      const wantFixed = numenta['fixed_threshold_0.5']![profile.name] as Expected;
      const fixed = scoreAtThreshold(files, profile, 0.5);
      expect(Math.abs(fixed.score - wantFixed.score)).toBeLessThan(1e-6);
      expect(fixed.counts).toEqual(wantFixed.counts);
    }
  });
});
