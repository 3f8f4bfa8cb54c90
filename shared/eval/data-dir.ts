import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Where `npm run data:benchmarks -- <folder>` installs the corpora (ignored by git). */
export const INSTALLED_BENCHMARKS = fileURLToPath(new URL('../../data/benchmarks', import.meta.url));
const SIBLING_DATA = fileURLToPath(new URL('../../../shared/data', import.meta.url));

/** How a user gets the corpora, quoted by every message about missing benchmark data. */
export const BENCHMARK_DATA_HELP =
  'run `npm run data:benchmarks -- <folder holding nab/ and skab/>` or set KILOWATCH_BENCHMARK_DATA to that folder ' +
  '(docs/benchmark-data.md: upstream locations and licences of NAB and SKAB)';

/**
 * The public benchmark data (NAB, SKAB) is not in the repository: `KILOWATCH_BENCHMARK_DATA` names its
 * folder, else the copy `npm run data:benchmarks` installed under data/benchmarks, else `../shared/data`
 * next to the checkout.
 */
export function benchmarkDataDir(): string {
  const fromEnv = process.env.KILOWATCH_BENCHMARK_DATA;
  if (fromEnv) return resolve(fromEnv);
  return existsSync(INSTALLED_BENCHMARKS) ? INSTALLED_BENCHMARKS : SIBLING_DATA;
}

export function requireBenchmarkDir(sub: 'nab' | 'skab'): string {
  const dir = resolve(benchmarkDataDir(), sub);
  if (!existsSync(dir)) throw new Error(`benchmark data not found at ${dir}: ${BENCHMARK_DATA_HELP}`);
  return dir;
}
