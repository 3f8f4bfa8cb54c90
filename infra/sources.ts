import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where infra/package-functions.ts stages one deployable folder per function (ignored by git via dist/). */
export const STAGING_DIR = join(REPO_ROOT, 'dist', 'deploy');
/** Committed stand-in used when nothing is staged: it builds, then refuses to start, saying why. */
export const PLACEHOLDER_DIR = join(REPO_ROOT, 'infra', 'placeholder-function');

export type SourceMode = 'auto' | 'placeholder';

export interface FunctionSource {
  readonly dir: string;
  readonly placeholder: boolean;
  /** Content hash (paths and bytes): a changed build gets a new object name, so the function redeploys. */
  readonly hash: string;
}

export function stagedDir(fn: string): string {
  return join(STAGING_DIR, fn);
}

export function resolveSource(fn: string, mode: SourceMode): FunctionSource {
  const staged = stagedDir(fn);
  const usable = mode === 'auto' && existsSync(join(staged, 'package.json'));
  const dir = usable ? staged : PLACEHOLDER_DIR;
  return { dir, placeholder: !usable, hash: hashDir(dir) };
}

/** sha256 over sorted relative paths and contents; independent of mtimes, so synth is reproducible. */
export function hashDir(dir: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  for (const f of files) {
    hash.update(relative(dir, f).split(sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(f));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}
