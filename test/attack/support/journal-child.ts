import { RouterJournal, type JournalMessage } from '../../../shared/bus/router-journal.js';

/**
 * Run with a file-size limit (`ulimit -f`): publishes a small message, one that crosses the limit, then a small
 * one again, and prints what the journal answered each (JSON lines), as the router would answer its publishers.
 */
const dir = process.argv[2] as string;
const { journal } = RouterJournal.open(dir);
const message = (messageId: string, size: number): JournalMessage => ({
  messageId,
  topic: 'readings',
  data: 'A'.repeat(size),
  attributes: {},
  publishTime: new Date(0).toISOString(),
  subscriptions: ['readings-ingest'],
});
for (const [id, size] of [
  ['small', 10],
  ['big', 20_000],
  ['after', 10],
] as const) {
  const answer = await journal.publish([message(id, size)]).then(
    () => 'acknowledged',
    () => 'refused',
  );
  console.log(JSON.stringify({ id, answer }));
}
