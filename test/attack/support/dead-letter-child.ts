import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DeadLetterFile } from '../../../shared/bus/dead-letter-sink.js';
import { LocalPushRouter } from '../../../shared/bus/local-router.js';
import { TOPICS } from '../../../shared/config/env.js';

/**
 * Run with a file-size limit (`ulimit -f`): a router whose subscriber always fails dead-letters message after
 * message until the dead-letter file is full, then prints its counters (one JSON line) and stops.
 */
const dir = process.argv[2] as string;
const failing = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(500).end());
});
await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
const router = new LocalPushRouter({
  project: 'local',
  deadLetterTopic: TOPICS.deadLetter,
  deadLetters: new DeadLetterFile(join(dir, 'dead-letters.jsonl')),
  subscriptions: [
    {
      name: 'readings-ingest',
      topic: TOPICS.readings,
      endpoint: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/`,
      maxAttempts: 1,
      minBackoffMs: 20,
      maxBackoffMs: 50,
      concurrency: 1,
    },
  ],
  journalDir: join(dir, 'router'),
  topics: Object.values(TOPICS),
  drainTimeoutMs: 1000,
});
const MESSAGES = 24;
for (let i = 0; i < MESSAGES; i++) {
  router.publish(TOPICS.readings, [{ data: Buffer.from(`{"message":${i},"pad":"${'x'.repeat(200)}"}`) }]);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
await new Promise((resolve) => setTimeout(resolve, 500));
console.log(
  JSON.stringify({ messages: MESSAGES, deadLettered: router.stats.deadLettered, pending: router.pendingDeliveries }),
);
await router.close();
failing.close();
