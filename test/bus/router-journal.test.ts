import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RouterJournal, type JournalMessage } from '../../shared/bus/router-journal.js';

const message = (n: number): JournalMessage => ({
  messageId: `m${n}`,
  topic: 'readings',
  data: Buffer.from(`reading ${n} `.repeat(20)).toString('base64'),
  attributes: {},
  publishTime: '2024-01-01T00:00:00.000Z',
  subscriptions: ['ingest'],
});

describe('router journal compaction', () => {
  it('rewrites a journal that is mostly acknowledged, and a reopened journal holds exactly the outstanding messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-journal-'));
    const { journal } = RouterJournal.open(dir, 20_000);
    const file = join(dir, 'router-journal.jsonl');
    let largest = 0;
    for (let n = 0; n < 400; n++) {
      await journal.publish([message(n)]);
      // Every message but each tenth is acknowledged: the file must not keep growing with them.
      if (n % 10 !== 0) journal.acknowledge('ingest', `m${n}`);
      largest = Math.max(largest, statSync(file).size);
    }
    await journal.close();
    expect(largest).toBeLessThan(60_000);
    const reopened = RouterJournal.open(dir, 20_000);
    expect(reopened.unacknowledged.map((m) => m.messageId)).toEqual(Array.from({ length: 40 }, (_, i) => `m${i * 10}`));
    expect(reopened.unacknowledged[0]).toEqual(message(0));
    await reopened.journal.close();
  });

  it('truncates the file once nothing is outstanding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-journal-'));
    const { journal } = RouterJournal.open(dir);
    await journal.publish([message(1), message(2)]);
    journal.acknowledge('ingest', 'm1');
    journal.acknowledge('ingest', 'm2');
    await journal.close();
    expect(statSync(join(dir, 'router-journal.jsonl')).size).toBe(0);
  });
});
