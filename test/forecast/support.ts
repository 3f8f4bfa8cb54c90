import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSteel, type SteelRow } from '../../shared/demo/steel.js';
import { steelCsv } from '../../training/steel/export.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FORECAST_MODEL = join(ROOT, 'models/steel-forecast');
export const ESTIMATE_MODEL = join(ROOT, 'models/steel-estimate');

let steel: SteelRow[] | undefined;
export function steelRows(): SteelRow[] {
  return (steel ??= loadSteel());
}

/** Steel rows stamped in [fromIso, toIso) as an export-format CSV. */
export function steelSliceCsv(fromIso: string, toIso: string, edit?: (rows: SteelRow[]) => SteelRow[]): string {
  const from = Date.parse(fromIso);
  const to = Date.parse(toIso);
  let rows = steelRows().filter((r) => r.tsMs >= from && r.tsMs < to);
  if (edit) rows = edit(rows);
  return steelCsv(rows);
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function kilowatch(args: string[], env: NodeJS.ProcessEnv = {}, timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/kilowatch.js', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

export function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.split(','));
}
