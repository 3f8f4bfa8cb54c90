import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RouterJournal } from '../../shared/bus/router-journal.js';
import { strace } from '../support/requirements.js';

const CHILD = join(import.meta.dirname, 'support', 'journal-compact-child.ts');

/**
 * Compaction writes the outstanding messages to a new file and renames it over the journal. The rename lives in
 * the folder's metadata: until the folder is fsync'd, a crash may bring the old journal back. Likewise a journal
 * file just created. Observed from outside, with strace: the folder is fsync'd on open and after each rename
 * into place, and the compacted journal still replays exactly the outstanding messages.
 */
describe('router journal compaction, seen by strace', () => {
  it('fsyncs the folder on open and after each rename of the compacted journal into place', (ctx) => {
    const tracer = strace.get(ctx);
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'kw-attack-compact-')));
    const run = spawnSync(
      tracer,
      ['-f', '-y', '-e', 'trace=rename,renameat,renameat2,fsync', process.execPath, '--import', 'tsx', CHILD, dir],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const journal = join(dir, 'router-journal.jsonl');
    // One event per line: a rename into the journal's name, or an fsync of the folder.
    const events = run.stderr
      .split('\n')
      .map((line) =>
        line.includes('rename') && line.includes(`"${journal}"`) && / = 0$/.test(line)
          ? 'rename'
          : line.includes(`fsync(`) && line.includes(`<${dir}>)`)
            ? 'fsync-dir'
            : undefined,
      )
      .filter((e) => e !== undefined);
    expect(events[0]).toBe('fsync-dir');
    const renames = events.filter((e) => e === 'rename').length;
    expect(renames).toBeGreaterThan(0);
    events.forEach((e, i) => {
      if (e === 'rename') expect(events[i + 1], `rename ${i} of ${events.join(' ')}`).toBe('fsync-dir');
    });

    const reopened = RouterJournal.open(dir, 20_000);
    expect(reopened.unacknowledged.map((m) => m.messageId)).toEqual(Array.from({ length: 40 }, (_, i) => `m${i * 10}`));
    return reopened.journal.close();
  });
});
