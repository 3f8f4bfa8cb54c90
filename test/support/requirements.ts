import { spawnSync } from 'node:child_process';
import type { TestContext } from 'vitest';
import { requireBenchmarkDir } from '../../shared/eval/data-dir.js';
import { findPython } from '../../shared/forecast/python.js';

/**
 * Something a test needs from outside the repository (public corpora, a Python with PyTorch). Missing, the test
 * is skipped with the reason and the command that provides it; under CI=true (CI has both) it fails instead.
 */
export interface Requirement<T> {
  /** The provided value, or the calling test skipped (failed under CI=true) with the reason. */
  get(ctx: TestContext): T;
}

const REQUIRED = process.env.CI === 'true';

function requirement<T>(probe: () => T): Requirement<T> {
  let outcome: { value: T } | { problem: string } | undefined;
  return {
    get(ctx) {
      outcome ??= attempt(probe);
      if ('value' in outcome) return outcome.value;
      if (REQUIRED) throw new Error(`${outcome.problem} (CI=true: required, not skipped)`);
      return ctx.skip(outcome.problem);
    },
  };
}

function attempt<T>(probe: () => T): { value: T } | { problem: string } {
  try {
    return { value: probe() };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

export const nabData = requirement(() => requireBenchmarkDir('nab'));
export const skabData = requirement(() => requireBenchmarkDir('skab'));
export const pythonWithTorch = requirement(() => findPython());

/** strace that may trace a child (ptrace allowed): what a test of system calls observes them with. */
export const strace = requirement(() => {
  const run = spawnSync('strace', ['-f', '-e', 'trace=none', 'true'], { encoding: 'utf8' });
  if (run.error || run.status !== 0)
    throw new Error(`strace cannot trace here (${run.error?.message ?? run.stderr.trim()}): apt-get install strace`);
  return 'strace';
});
