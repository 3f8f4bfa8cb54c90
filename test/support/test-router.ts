import { join } from 'node:path';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import { LocalPushRouter, type PushSubscription, type RouterOptions } from '../../shared/bus/local-router.js';
import { TOPICS } from '../../shared/config/env.js';

/**
 * A router as a test wants one: its journal in `dir`/router and its dead letters in `dir`/dead.jsonl, every
 * topic, and one push subscription (`readings-ingest`) of the readings topic to `endpoint`; `sub` and `extra`
 * override the subscription's settings and the router's options.
 */
export function testRouter(
  dir: string,
  endpoint: string,
  extra: Partial<RouterOptions> = {},
  sub: Partial<PushSubscription> = {},
): LocalPushRouter {
  return new LocalPushRouter({
    project: 'local',
    deadLetterTopic: TOPICS.deadLetter,
    deadLetters: new DeadLetterFile(join(dir, 'dead.jsonl')),
    subscriptions: [
      {
        name: 'readings-ingest',
        topic: TOPICS.readings,
        endpoint,
        maxAttempts: 3,
        minBackoffMs: 10,
        maxBackoffMs: 50,
        concurrency: 4,
        ...sub,
      },
    ],
    journalDir: join(dir, 'router'),
    topics: Object.values(TOPICS),
    internalTopics: [TOPICS.readingsClean],
    drainTimeoutMs: 5000,
    ...extra,
  });
}
