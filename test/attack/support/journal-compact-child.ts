import { RouterJournal, type JournalMessage } from '../../../shared/bus/router-journal.js';

/**
 * Publishes 400 messages to a journal that compacts past 20 KB and acknowledges all but every tenth, so the
 * journal is rewritten (renamed into place) several times; run under strace to see the system calls.
 */
const dir = process.argv[2] as string;
const { journal } = RouterJournal.open(dir, 20_000);
const message = (n: number): JournalMessage => ({
  messageId: `m${n}`,
  topic: 'readings',
  data: Buffer.from(`reading ${n} `.repeat(20)).toString('base64'),
  attributes: {},
  publishTime: new Date(0).toISOString(),
  subscriptions: ['ingest'],
});
for (let n = 0; n < 400; n++) {
  await journal.publish([message(n)]);
  if (n % 10 !== 0) journal.acknowledge('ingest', `m${n}`);
}
await journal.close();
