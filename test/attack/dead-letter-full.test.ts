import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CHILD = join(import.meta.dirname, 'support', 'dead-letter-child.ts');

/**
 * The dead-letter file cannot grow (disk full; here `ulimit -f 8`: 8 KiB). A message the router cannot
 * dead-letter must stay pending, retried later, and the router must keep running; the file keeps only whole lines.
 */
describe('local router, a dead-letter sink that refuses writes', () => {
  it('keeps undeliverable messages pending instead of crashing, and tears no dead letter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-attack-dead-'));
    const run = spawnSync(
      'bash',
      ['-c', 'ulimit -f 8 && exec "$0" --import tsx "$1" "$2"', process.execPath, CHILD, dir],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const counts = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as {
      messages: number;
      deadLettered: number;
      pending: number;
    };
    const lines = readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8').split('\n').filter(Boolean);
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line.slice(0, 80)).not.toThrow();
    // Each message is a whole dead letter or still pending: none lost.
    expect(lines.length).toBe(counts.deadLettered);
    expect(counts.pending).toBeGreaterThan(0);
    expect(counts.deadLettered + counts.pending).toBe(counts.messages);
  });
});
