import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_NAMES } from '../shared/config/env.js';
import { isCatalogName, type CatalogName } from './config/functions.js';
import { REPO_ROOT } from './sources.js';

/** functions/ hosts one folder per deployable function, plus `local`, which runs them all on a laptop. */
export const LOCAL_HOST_FOLDER = 'local';

export function functionFolders(root: string = REPO_ROOT): string[] {
  const dir = join(root, 'functions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== LOCAL_HOST_FOLDER && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/**
 * The functions to deploy: FUNCTION_NAMES, which must name exactly the folders under functions/ (except
 * `local`), each with an infra catalog entry. A mismatch stops synth with the fix.
 */
export function deployableFunctions(
  root: string = REPO_ROOT,
  names: readonly string[] = FUNCTION_NAMES,
): CatalogName[] {
  const folders = functionFolders(root);
  const problems: string[] = [];
  for (const f of folders) {
    if (!names.includes(f)) {
      problems.push(`functions/${f}/ exists but FUNCTION_NAMES (shared/config/env.ts) does not list "${f}"`);
    }
  }
  for (const n of names) {
    if (!folders.includes(n)) problems.push(`FUNCTION_NAMES lists "${n}" but there is no functions/${n}/ folder`);
    if (!isCatalogName(n)) problems.push(`"${n}" has no entry in FUNCTION_CATALOG (infra/config/functions.ts)`);
  }
  if (problems.length > 0) throw new Error(`deployable functions do not match:\n  ${problems.join('\n  ')}`);
  return [...names].sort() as CatalogName[];
}
