import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installBenchmarks, missingBenchmarkFiles } from '../../shared/eval/install-benchmarks.js';

function corpusFolder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kw-bench-data-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const COMPLETE = {
  'nab/LICENSE-NAB.txt': 'MIT',
  'nab/config/profiles.json': '{}',
  'nab/labels/combined_windows.json': JSON.stringify({ 'realKnownCause/a.csv': [] }),
  'nab/reference/expected_scores.json': '{}',
  'nab/data/realKnownCause/a.csv': 'timestamp,value\n',
  'nab/reference/numenta/realKnownCause/numenta_a.csv': 'timestamp,value,anomaly_score,label\n',
  'skab/LICENSE': 'GPL-3.0',
  'skab/data/anomaly-free/anomaly-free.csv': 'datetime;x\n',
  'skab/data/valve1/0.csv': 'datetime;x\n',
};

describe('npm run data:benchmarks', () => {
  it('names every file the harnesses would miss, series files included', () => {
    const partial = Object.fromEntries(
      Object.entries(COMPLETE).filter(([p]) => p !== 'nab/data/realKnownCause/a.csv' && p !== 'skab/LICENSE'),
    );
    expect(missingBenchmarkFiles(corpusFolder(partial))).toEqual(['skab/LICENSE', 'nab/data/realKnownCause/a.csv']);
    expect(() => installBenchmarks(corpusFolder(partial), join(tmpdir(), 'never'))).toThrow(
      /lacks skab\/LICENSE, nab\/data/,
    );
  });

  it('copies a complete folder, licences included, and counts what it installed', () => {
    const target = join(mkdtempSync(join(tmpdir(), 'kw-bench-target-')), 'benchmarks');
    expect(installBenchmarks(corpusFolder(COMPLETE), target)).toEqual({ nabFiles: 1, skabFiles: 1 });
    expect(existsSync(join(target, 'nab', 'LICENSE-NAB.txt'))).toBe(true);
    expect(existsSync(join(target, 'skab', 'data', 'valve1', '0.csv'))).toBe(true);
  });
});
