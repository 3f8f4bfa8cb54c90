import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/**
 * The public benchmark data (NAB, SKAB) lives outside the repository, in `../shared/data` next to the
 * checkout; `KILOWATCH_BENCHMARK_DATA` points elsewhere.
 */
export function benchmarkDataDir(): string {
  const fromEnv = process.env.KILOWATCH_BENCHMARK_DATA;
  if (fromEnv) return resolve(fromEnv);
  return fileURLToPath(new URL('../../../shared/data', import.meta.url));
}

export function requireBenchmarkDir(sub: 'nab' | 'skab'): string {
  const dir = resolve(benchmarkDataDir(), sub);
  if (!existsSync(dir)) {
    throw new Error(
      `benchmark data not found at ${dir}: put the NAB and SKAB folders under ../shared/data next to the ` +
        'repository or set KILOWATCH_BENCHMARK_DATA to the folder that holds nab/ and skab/',
    );
  }
  return dir;
}
