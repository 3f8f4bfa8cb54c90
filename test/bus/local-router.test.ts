import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import { LocalPushRouter } from '../../shared/bus/local-router.js';
import { PubSubBus } from '../../shared/bus/pubsub.js';
import { TOPICS } from '../../shared/config/env.js';

interface Arrival {
  readonly data: string;
  readonly orderingKey: string | undefined;
  /** What the endpoint had answered when this arrived. */
  readonly answeredBefore: readonly string[];
}

/**
 * A push endpoint that records what arrives and answers once `answerWhen(data, arrivals)` holds (checked as
 * messages arrive, and at the latest after 2 s), failing first tries of `failFirst`.
 */
async function endpoint(
  answerWhen: (data: string, arrived: readonly string[]) => boolean,
  failFirst = new Set<string>(),
) {
  const arrivals: Arrival[] = [];
  const answered: string[] = [];
  const waiting: Array<{ data: string; answer: () => void }> = [];
  const release = () => {
    for (const w of [...waiting]) {
      if (
        answerWhen(
          w.data,
          arrivals.map((a) => a.data),
        )
      ) {
        waiting.splice(waiting.indexOf(w), 1);
        w.answer();
      }
    }
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { message } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        message: { data: string; orderingKey?: string };
      };
      const data = Buffer.from(message.data, 'base64').toString('utf8');
      arrivals.push({ data, orderingKey: message.orderingKey, answeredBefore: [...answered] });
      let done = false;
      const answer = () => {
        if (done) return;
        done = true;
        const fail = failFirst.delete(data);
        if (!fail) answered.push(data);
        res.writeHead(fail ? 503 : 204).end();
      };
      waiting.push({ data, answer });
      setTimeout(answer, 2000).unref();
      release();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, arrivals, answered, server };
}

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

async function stack(ordered: boolean, target: Awaited<ReturnType<typeof endpoint>>) {
  const router = new LocalPushRouter({
    project: 'local',
    deadLetterTopic: TOPICS.deadLetter,
    deadLetters: new DeadLetterFile(join(mkdtempSync(join(tmpdir(), 'kw-router-')), 'dead.jsonl')),
    subscriptions: [
      {
        name: 'clean-score',
        topic: TOPICS.readingsClean,
        endpoint: target.url,
        maxAttempts: 5,
        minBackoffMs: 20,
        maxBackoffMs: 100,
        concurrency: 8,
        ordered,
      },
    ],
  });
  const port = await router.listen(0);
  // The real client library publishes to the router's REST API, ordering keys included.
  const bus = new PubSubBus({
    projectId: 'local',
    topicName: (role) => TOPICS[role],
    apiEndpoint: `127.0.0.1:${port}`,
  });
  opened.push(router, bus, { close: () => new Promise<void>((resolve) => target.server.close(() => resolve())) });
  return { router, bus };
}

describe('LocalPushRouter ordering keys', () => {
  it('pushes one message per key at a time, in publish order, while other keys go on', async () => {
    // a1 is answered only once b1 and the unkeyed message have arrived: they must not wait behind it.
    const target = await endpoint(
      (data, arrived) => data !== 'a1' || (arrived.includes('b1') && arrived.includes('free')),
    );
    const { router, bus } = await stack(true, target);
    await bus.publish('readingsClean', [
      { data: 'a1', orderingKey: 'plant/a' },
      { data: 'a2', orderingKey: 'plant/a' },
      { data: 'b1', orderingKey: 'plant/b' },
      { data: 'free' },
    ]);
    await router.idle();
    const arrival = (d: string) => target.arrivals.find((a) => a.data === d)!;
    expect(target.answered).toHaveLength(4);
    expect(arrival('a1').orderingKey).toBe('plant/a');
    expect(arrival('a2').answeredBefore).toContain('a1');
    expect(arrival('b1').answeredBefore).not.toContain('a1');
    expect(arrival('free').answeredBefore).not.toContain('a1');
    expect(target.answered.indexOf('a2')).toBeGreaterThan(target.answered.indexOf('a1'));
  });

  it('holds the key while its message is retried, so a later message never overtakes it', async () => {
    const target = await endpoint(() => true, new Set(['a1']));
    const { router, bus } = await stack(true, target);
    await bus.publish('readingsClean', [
      { data: 'a1', orderingKey: 'plant/a' },
      { data: 'a2', orderingKey: 'plant/a' },
    ]);
    await router.idle();
    expect(target.arrivals.map((a) => a.data)).toEqual(['a1', 'a1', 'a2']);
    expect(target.answered).toEqual(['a1', 'a2']);
    expect(router.stats).toMatchObject({ delivered: 2, retried: 1, deadLettered: 0 });
  });

  it('ignores ordering keys on a subscription without message ordering', async () => {
    // a1 is answered only after a2 arrived: without ordering a2 does not wait for it.
    const target = await endpoint((data, arrived) => data !== 'a1' || arrived.includes('a2'));
    const { router, bus } = await stack(false, target);
    await bus.publish('readingsClean', [
      { data: 'a1', orderingKey: 'plant/a' },
      { data: 'a2', orderingKey: 'plant/a' },
    ]);
    await router.idle();
    expect(target.arrivals.find((a) => a.data === 'a2')!.answeredBefore).toEqual([]);
  });
});
