import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import { PubSubBus } from '../../shared/bus/pubsub.js';
import { TOPICS } from '../../shared/config/env.js';
import { testRouter } from '../support/test-router.js';

/** A push endpoint that holds every delivery until the test answers it. */
async function heldEndpoint() {
  const held: Array<{ data: string; res: ServerResponse }> = [];
  const arrived: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { message } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message: { data: string } };
      const data = Buffer.from(message.data, 'base64').toString('utf8');
      arrived.push(data);
      held.push({ data, res });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const answer = (data: string, status: number) => {
    const i = held.findIndex((h) => h.data === data);
    if (i < 0) throw new Error(`${data} is not held`);
    held.splice(i, 1)[0]!.res.writeHead(status).end();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, arrived, held, answer, server };
}

const closing: Array<() => Promise<unknown>> = [];
/** Closes a server; `hard` drops its open connections (deliveries it still holds) first. */
function closeServer(server: Server, hard = false): Promise<void> {
  if (hard) server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function restPublish(port: number, topic: string, data: string[], init: RequestInit = {}) {
  const response = await fetch(`http://127.0.0.1:${port}/v1/projects/local/topics/${topic}:publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: data.map((d) => ({ data: Buffer.from(d).toString('base64') })) }),
    ...init,
  });
  return {
    status: response.status,
    body: (await response.json()) as { messageIds?: string[]; error?: { status: string; message: string } },
  };
}

describe('local router journal', () => {
  it('pushes again, after a restart, every acknowledged publish its subscriber had not acknowledged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-journal-'));
    const first = await heldEndpoint();
    const a = testRouter(dir, first.url);
    const port = await a.listen(0);
    const { status } = await restPublish(port, TOPICS.readings, ['m1', 'm2', 'm3']);
    expect(status).toBe(200);
    await until(() => first.held.length === 3, 'three deliveries');
    first.answer('m1', 204);
    await until(() => a.pendingDeliveries === 2, 'm1 settled');
    // What a crash leaves: the journal as written so far; the process holding `a` is gone (nothing closed, no drain).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const journal = readFileSync(join(dir, 'router', 'router-journal.jsonl'), 'utf8');
    const second = await heldEndpoint();
    const b = testRouter(dir, second.url);
    closing.push(
      () => b.close(),
      () => closeServer(second.server),
      () => closeServer(first.server, true),
    );
    expect(journal).toContain('"a":["readings-ingest"');
    await until(() => second.held.length === 2, 'replayed deliveries');
    expect(second.arrived.sort()).toEqual(['m2', 'm3']);
    expect(b.stats.replayed).toBe(2);
    second.answer('m2', 204);
    second.answer('m3', 204);
    await b.idle();
    // Nothing outstanding: the journal is truncated.
    await until(() => statSync(join(dir, 'router', 'router-journal.jsonl')).size === 0, 'the journal truncated');
  });

  it('drops a last record cut short by a crash and keeps every complete one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-journal-'));
    const first = await heldEndpoint();
    const a = testRouter(dir, first.url);
    const port = await a.listen(0);
    await restPublish(port, TOPICS.readings, ['kept']);
    appendFileSync(join(dir, 'router', 'router-journal.jsonl'), '{"p":{"messageId":"torn","topic":"readi');
    const second = await heldEndpoint();
    const b = testRouter(dir, second.url);
    closing.push(
      () => b.close(),
      () => closeServer(second.server),
      () => closeServer(first.server, true),
    );
    await until(() => second.held.length === 1, 'the replayed delivery');
    expect(second.arrived).toEqual(['kept']);
    expect(readFileSync(join(dir, 'router', 'router-journal.jsonl'), 'utf8')).not.toContain('torn');
    second.answer('kept', 204);
  });

  it('drains on close: a delivery that fails during shutdown is kept for the next start, never dead-lettered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-journal-'));
    const first = await heldEndpoint();
    const a = testRouter(dir, first.url);
    const port = await a.listen(0);
    await restPublish(port, TOPICS.readings, ['in-flight']);
    await until(() => first.held.length === 1, 'the delivery');
    const closed = a.close();
    // While draining, outside publishers are told to come back; a function mid-delivery may still publish.
    const refused = await restPublish(port, TOPICS.readings, ['late']);
    expect(refused).toMatchObject({ status: 503, body: { error: { status: 'UNAVAILABLE' } } });
    expect((await restPublish(port, TOPICS.readingsClean, ['from-a-function'])).status).toBe(200);
    first.answer('in-flight', 500);
    await closed;
    expect(a.stats.deadLettered).toBe(0);
    expect(new DeadLetterFile(join(dir, 'dead.jsonl')).count()).toBe(0);
    const second = await heldEndpoint();
    const b = testRouter(dir, second.url);
    closing.push(
      () => b.close(),
      () => closeServer(second.server),
      () => closeServer(first.server),
    );
    await until(() => second.held.length === 1, 'the replayed delivery');
    expect(second.arrived).toEqual(['in-flight']);
    second.answer('in-flight', 204);
  });
});

describe('local router answers like Pub/Sub', () => {
  it('answers 404 NOT_FOUND for a topic that does not exist, through the real client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-router-'));
    const target = await heldEndpoint();
    const r = testRouter(dir, target.url);
    const port = await r.listen(0);
    closing.push(
      () => r.close(),
      () => closeServer(target.server),
    );
    expect(await restPublish(port, 'no-such-topic', ['x'])).toMatchObject({
      status: 404,
      body: { error: { status: 'NOT_FOUND' } },
    });
    const bus = new PubSubBus({
      projectId: 'local',
      topicName: () => 'no-such-topic',
      apiEndpoint: `127.0.0.1:${port}`,
    });
    closing.push(() => bus.close());
    await expect(bus.publish('readings', [{ data: 'x' }])).rejects.toThrow(/not found/i);
    expect(r.stats.published).toBe(0);
  });

  it('keeps its keep-alive connection usable after a 413', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-router-'));
    const target = await heldEndpoint();
    const r = testRouter(dir, target.url, { subscriptions: [] });
    const port = await r.listen(0);
    closing.push(
      () => r.close(),
      () => closeServer(target.server),
    );
    const huge = 'x'.repeat(11 * 1024 * 1024);
    expect((await restPublish(port, TOPICS.readings, [huge])).status).toBe(413);
    for (let i = 0; i < 3; i++) {
      const next = await restPublish(port, TOPICS.readings, [`after-${i}`], { signal: AbortSignal.timeout(2000) });
      expect(next.status).toBe(200);
    }
  });

  it('answers 429 RESOURCE_EXHAUSTED once the backlog is full; the real client retries until there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-router-'));
    const target = await heldEndpoint();
    const r = testRouter(dir, target.url, { maxBacklog: { messages: 2, bytes: 1 << 20 } });
    const port = await r.listen(0);
    closing.push(
      () => r.close(),
      () => closeServer(target.server, true),
    );
    expect((await restPublish(port, TOPICS.readings, ['a', 'b'])).status).toBe(200);
    expect(await restPublish(port, TOPICS.readings, ['c'])).toMatchObject({
      status: 429,
      body: { error: { status: 'RESOURCE_EXHAUSTED' } },
    });
    // Topics the functions publish to while handling a delivery are never refused.
    expect((await restPublish(port, TOPICS.readingsClean, ['clean'])).status).toBe(200);

    const bus = new PubSubBus({
      projectId: 'local',
      topicName: (role) => TOPICS[role],
      apiEndpoint: `127.0.0.1:${port}`,
      retry: { initialDelayMillis: 20, maxDelayMillis: 100 },
    });
    closing.push(() => bus.close());
    const published = bus.publish('readings', [{ data: 'd' }]);
    await until(() => r.stats.refused >= 2, 'the client to be refused again');
    await until(() => target.held.length === 2, 'the held deliveries');
    target.answer('a', 204);
    target.answer('b', 204);
    expect(await published).toHaveLength(1);
    await until(() => target.arrived.includes('d'), 'the retried publish to be delivered');
    target.answer('d', 204);
  });

  it('delivers the bytes of any base64 form the REST API reads, and bounds the backlog by decoded bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-router-'));
    const target = await heldEndpoint();
    // The first message (8 bytes, 12 in base64) leaves room under 9 bytes; with the second the backlog is full.
    const r = testRouter(dir, target.url, { maxBacklog: { messages: 100, bytes: 9 } });
    const port = await r.listen(0);
    closing.push(
      () => r.close(),
      () => closeServer(target.server, true),
    );
    const forms = (text: string) => {
      const canonical = Buffer.from(text).toString('base64');
      return [canonical, canonical.replace(/=+$/, ''), Buffer.from(text).toString('base64url')];
    };
    const publishAs = (data: string) =>
      fetch(`http://127.0.0.1:${port}/v1/projects/local/topics/${TOPICS.readings}:publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ data }] }),
      });
    const [canonical, unpadded] = forms('k>>?w~~a');
    expect((await publishAs(canonical!)).status).toBe(200);
    expect((await publishAs(unpadded!)).status).toBe(200);
    expect((await publishAs(forms('x')[2]!)).status).toBe(429);
    await until(() => target.held.length === 2, 'two deliveries');
    expect(target.arrived).toEqual(['k>>?w~~a', 'k>>?w~~a']);
    target.answer('k>>?w~~a', 204);
    target.answer('k>>?w~~a', 204);
    await r.idle();
    const [, , urlSafe] = forms('s?>~');
    expect((await publishAs(urlSafe!)).status).toBe(200);
    await until(() => target.held.length === 1, 'the URL-safe form delivered');
    expect(target.arrived.at(-1)).toBe('s?>~');
    target.answer('s?>~', 204);
  });
});
