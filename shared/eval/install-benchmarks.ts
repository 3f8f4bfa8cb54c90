/**
 * Installs the public anomaly corpora the evaluation harnesses and their tests read (NAB subset, SKAB valve1)
 * from a folder that holds them, after checking that every file the harnesses open is there, into
 * data/benchmarks/ (ignored by git). docs/benchmark-data.md says where each corpus comes from and its licence.
 *
 * Usage: npm run data:benchmarks -- <folder holding nab/ and skab/>
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { INSTALLED_BENCHMARKS } from './data-dir.js';

/** The files the harnesses open, relative to the source folder; the licence files travel with the data. */
export function missingBenchmarkFiles(source: string): string[] {
  const need = [
    'nab/LICENSE-NAB.txt',
    'nab/config/profiles.json',
    'nab/labels/combined_windows.json',
    'nab/reference/expected_scores.json',
    'skab/LICENSE',
    'skab/data/anomaly-free/anomaly-free.csv',
    'skab/data/valve1/0.csv',
  ];
  const missing = need.filter((p) => !existsSync(join(source, p)));
  const windows = join(source, 'nab/labels/combined_windows.json');
  if (existsSync(windows)) {
    for (const name of Object.keys(JSON.parse(readFileSync(windows, 'utf8')) as Record<string, unknown>)) {
      const [category, file] = name.split('/') as [string, string];
      for (const p of [`nab/data/${name}`, `nab/reference/numenta/${category}/numenta_${file}`]) {
        if (!existsSync(join(source, p))) missing.push(p);
      }
    }
  }
  return missing;
}

export function installBenchmarks(
  source: string,
  target = INSTALLED_BENCHMARKS,
): { nabFiles: number; skabFiles: number } {
  const missing = missingBenchmarkFiles(source);
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, and ${missing.length - 5} more` : '');
    throw new Error(`${source} lacks ${shown}; see docs/benchmark-data.md for the layout and where to get each corpus`);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const corpus of ['nab', 'skab']) cpSync(join(source, corpus), join(target, corpus), { recursive: true });
  const windows = JSON.parse(readFileSync(join(target, 'nab/labels/combined_windows.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const valve1 = readdirSync(join(target, 'skab/data/valve1')).filter((f) => f.endsWith('.csv'));
  return { nabFiles: Object.keys(windows).length, skabFiles: valve1.length };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [folder] = process.argv.slice(2);
  if (!folder) {
    console.error('usage: npm run data:benchmarks -- <folder holding nab/ and skab/>   (docs/benchmark-data.md)');
    process.exit(2);
  }
  try {
    const r = installBenchmarks(resolve(folder));
    console.log(
      `installed NAB (${r.nabFiles} series) and SKAB valve1 (${r.skabFiles} files) into ${INSTALLED_BENCHMARKS}`,
    );
    console.log('next: npm test (the benchmark tests run now), npm run eval:anomaly');
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
