import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import type { PushSubscription } from '../../shared/bus/local-router.js';
import { TOPICS } from '../../shared/config/env.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { testRouter } from '../support/test-router.js';

/**
 * Pub/Sub takes any attribute key but `goog…` ones, `__proto__` included. Parsed into a plain object (as
 * zod's z.record does) the key is taken for the prototype and vanishes; the attribute must survive every
 * hop: publish, journal, push, the function, dead letters. And it must never become anyone's prototype.
 */
// A computed key: `__proto__: 'kept'` in a literal would set (here: ignore) the prototype, not make a key.
const ATTRIBUTES: Record<string, string> = { ['__proto__']: 'kept', kind: 'probe' };
const publishBody = (data: string) =>
  // JSON.stringify of an object literal would drop __proto__ here too: the request is written as text.
  `{"messages":[{"data":"${Buffer.from(data).toString('base64')}","attributes":{"__proto__":"kept","kind":"probe"}}]}`;

const closers: Array<() => Promise<void>> = [];
let stack: TestStack | undefined;
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await stack?.stop();
  stack = undefined;
});

/** A push endpoint over real HTTP answering `status`, keeping each body as text. */
async function endpoint(status: () => number) {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString());
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies };
}

async function router(dir: string, sub: Partial<PushSubscription> & Pick<PushSubscription, 'endpoint'>) {
  const r = testRouter(dir, sub.endpoint, {}, { maxAttempts: 1, concurrency: 1, ...sub });
  const port = await r.listen(0);
  return {
    router: r,
    publish: async (data: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/projects/local/topics/${TOPICS.readings}:publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: publishBody(data),
      });
      expect(response.status).toBe(200);
    },
  };
}

/** The pushed message's attributes, as own properties of the JSON text received. */
function pushedAttributes(body: string): Record<string, unknown> {
  const attributes = (JSON.parse(body) as { message: { attributes: Record<string, unknown> } }).message.attributes;
  return Object.fromEntries(Object.entries(attributes));
}

describe('a Pub/Sub attribute named __proto__', () => {
  it('is pushed to the subscriber and kept in the router dead letter after the last attempt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-attack-proto-'));
    const receiver = await endpoint(() => 500);
    const r = await router(dir, { endpoint: receiver.url });
    closers.push(() => r.router.close());
    await r.publish('x');
    await r.router.idle();
    expect(receiver.bodies).toHaveLength(1);
    expect(pushedAttributes(receiver.bodies[0]!)).toEqual(ATTRIBUTES);
    const [letter] = new DeadLetterFile(join(dir, 'dead.jsonl')).entries();
    expect(Object.entries(letter!.attributes!)).toEqual([
      ['__proto__', 'kept'],
      ['kind', 'probe'],
    ]);
    // Nobody's prototype changed on the way.
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('survives the journal: a message replayed after a restart still carries it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-attack-proto-'));
    let answer = 500;
    const receiver = await endpoint(() => answer);
    // First router: the push fails and waits a long backoff; the router stops with the message in its journal.
    const first = await router(dir, {
      endpoint: receiver.url,
      maxAttempts: 5,
      minBackoffMs: 60_000,
      maxBackoffMs: 60_000,
    });
    await first.publish('x');
    await expect.poll(() => receiver.bodies.length).toBe(1);
    await first.router.close();
    answer = 204;
    const second = await router(dir, { endpoint: receiver.url });
    closers.push(() => second.router.close());
    await second.router.idle();
    expect(receiver.bodies).toHaveLength(2);
    expect(pushedAttributes(receiver.bodies[1]!)).toEqual(ATTRIBUTES);
  });

  it('reaches the ingest function and is kept in its dead letter', async () => {
    stack = await startTestStack({ subscribe: ['ingest'], alertsSweepMs: 0 });
    const response = await fetch(
      `http://127.0.0.1:${stack.routerPort}/v1/projects/local/topics/${TOPICS.readings}:publish`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: publishBody('{not json') },
    );
    expect(response.status).toBe(200);
    await stack.router.idle();
    const [letter] = stack.deadLetters().entries();
    expect(letter!.reason).toMatch(/^undecodable/);
    expect(letter!.attributes).toMatchObject({ orig___proto__: 'kept', orig_kind: 'probe' });
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});
