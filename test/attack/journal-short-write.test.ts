import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RouterJournal } from '../../shared/bus/router-journal.js';

const CHILD = join(import.meta.dirname, 'support', 'journal-child.ts');

/**
 * The disk refuses part of a journal append (full, or over a file-size limit, here `ulimit -f 8`: 8 KiB). The
 * write comes back short: the publish must be refused (its publisher retries), not acknowledged with a record
 * cut in half that a restart drops, and the journal must stay appendable and readable.
 */
describe('router journal, an append the disk takes only in part', () => {
  it('refuses the publish, keeps the journal whole, and acknowledges what fits afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-attack-journal-'));
    const run = spawnSync(
      'bash',
      ['-c', 'ulimit -f 8 && exec "$0" --import tsx "$1" "$2"', process.execPath, CHILD, dir],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const answers = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; answer: string });
    expect(answers).toEqual([
      { id: 'small', answer: 'acknowledged' },
      { id: 'big', answer: 'refused' },
      { id: 'after', answer: 'acknowledged' },
    ]);
    // A restart replays exactly what was acknowledged.
    const { journal, unacknowledged } = RouterJournal.open(dir);
    expect(unacknowledged.map((m) => m.messageId)).toEqual(['small', 'after']);
    return journal.close();
  });
});
