import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOPICS, type TopicRole } from '../../shared/config/env.js';
import { isTransient, TransientError } from '../../shared/errors/transient.js';
import { PubSubBus } from '../../shared/bus/pubsub.js';
import { isTransientPubSubError } from '../../shared/bus/pubsub-errors.js';
import { FakePubSub } from '../support/fake-pubsub.js';
import { useGoogleAuthGuard } from '../support/google-fakes.js';

const PROJECT = 'kw-test';
const topicName = (role: TopicRole) => `${TOPICS[role]}-test`;

let fake: FakePubSub;
const opened: PubSubBus[] = [];

/** A client that retries transient failures for a short while only, so that an outage outlasts it. */
const SHORT_RETRY = { totalTimeoutMillis: 400, initialDelayMillis: 10, maxDelayMillis: 50 };

function bus(resolve: (role: TopicRole) => string = topicName, retry?: typeof SHORT_RETRY): PubSubBus {
  const b = new PubSubBus({
    projectId: PROJECT,
    topicName: resolve,
    apiEndpoint: fake.endpoint,
    ...(retry ? { retry } : {}),
  });
  opened.push(b);
  return b;
}

useGoogleAuthGuard();

beforeEach(async () => {
  fake = await FakePubSub.start({
    projectId: PROJECT,
    topics: Object.keys(TOPICS).map((r) => topicName(r as TopicRole)),
  });
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
  await fake.close();
  expect(fake.bugs).toEqual([]);
});

describe('PubSubBus.publish', () => {
  it('publishes bytes and attributes intact over the v1 REST publish call and returns the message ids', async () => {
    const binary = new Uint8Array([0, 1, 2, 0xfe, 0xff, 0x80, 10, 13]);
    const json = JSON.stringify({
      device_id: 'pump-1',
      readings: [{ metric: 'power_kw', value: 12.5 }],
      note: 'ünïcödé ✓',
    });
    const ids = await bus().publish('readingsClean', [
      { data: json, attributes: { device_id: 'pump-1', schema: 'v1' } },
      { data: binary, attributes: { kind: 'binary' } },
    ]);

    const received = fake.messages('readings-clean-test');
    expect(ids).toEqual(received.map((m) => m.messageId));
    expect(received[0]!.data.toString('utf8')).toBe(json);
    expect(received[0]!.attributes).toEqual({ device_id: 'pump-1', schema: 'v1' });
    expect(new Uint8Array(received[1]!.data)).toEqual(binary);
    expect(received[1]!.attributes).toEqual({ kind: 'binary' });

    const [request] = fake.publishRequests();
    expect(request!.path).toBe(`/v1/projects/${PROJECT}/topics/readings-clean-test:publish`);
    expect(request!.headers.authorization).toBeUndefined();
    const wire = (request!.body as { messages: Array<{ data: string }> }).messages;
    expect(wire.map((m) => m.data)).toEqual([
      Buffer.from(json).toString('base64'),
      Buffer.from(binary).toString('base64'),
    ]);
  });

  it('respects a Uint8Array view into a larger buffer', async () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    await bus().publish('readings', [{ data: backing.subarray(2, 5) }]);
    expect([...fake.messages('readings-test')[0]!.data]).toEqual([1, 2, 3]);
  });

  it('batches many messages into few requests and keeps the ids in message order', async () => {
    const messages = Array.from({ length: 250 }, (_, i) => ({ data: `m-${i}`, attributes: { i: String(i) } }));
    const ids = await bus().publish('alerts', messages);

    const received = fake.messages('alerts-test');
    expect(received).toHaveLength(250);
    const idOf = new Map(received.map((m) => [m.attributes.i, m.messageId]));
    expect(ids).toEqual(messages.map((m) => idOf.get(m.attributes.i)));
    expect(fake.publishRequests().length).toBeLessThan(10);
  });

  it('sends ordering keys, keeps one key in publish order, and publishes a key again after a failed publish', async () => {
    const b = bus(topicName, SHORT_RETRY);
    await b.publish('readingsClean', [
      { data: 'a1', orderingKey: 'plant/a' },
      { data: 'b1', orderingKey: 'plant/b' },
      { data: 'a2', orderingKey: 'plant/a' },
      { data: 'none' },
    ]);
    const received = fake.messages('readings-clean-test');
    expect(received.filter((m) => m.orderingKey === 'plant/a').map((m) => m.data.toString())).toEqual(['a1', 'a2']);
    expect(received.find((m) => m.data.toString() === 'b1')!.orderingKey).toBe('plant/b');
    expect(received.find((m) => m.data.toString() === 'none')!.orderingKey).toBeUndefined();

    // The client pauses a key whose publish failed; the adapter resumes it so the redelivery can publish.
    fake.failNext(1000, { kind: 'status', status: 503 });
    await expect(b.publish('readingsClean', [{ data: 'a3', orderingKey: 'plant/a' }])).rejects.toBeInstanceOf(
      TransientError,
    );
    fake.failNoMore();
    await b.publish('readingsClean', [{ data: 'a3', orderingKey: 'plant/a' }]);
    expect(
      fake
        .messages('readings-clean-test')
        .filter((m) => m.orderingKey === 'plant/a')
        .map((m) => m.data.toString()),
    ).toEqual(['a1', 'a2', 'a3']);
  });

  it('resolves each topic name once and reuses the Topic', async () => {
    const asked: TopicRole[] = [];
    const b = bus((role) => (asked.push(role), topicName(role)));
    await b.publish('readings', [{ data: 'a' }]);
    await b.publish('readings', [{ data: 'b' }]);
    await b.publish('alerts', [{ data: 'c' }]);
    expect(asked).toEqual(['readings', 'alerts']);
    expect(fake.messages('readings-test').map((m) => m.data.toString())).toEqual(['a', 'b']);
  });

  it('answers [] without a request for no messages', async () => {
    expect(await bus().publish('readings', [])).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    ['503 UNAVAILABLE', { kind: 'status', status: 503 }],
    ['500 INTERNAL', { kind: 'status', status: 500 }],
    ['429 RESOURCE_EXHAUSTED', { kind: 'status', status: 429 }],
    ['504 DEADLINE_EXCEEDED', { kind: 'status', status: 504 }],
    ['a 502 HTML page from a proxy', { kind: 'status', status: 502, html: true }],
    ['a reset connection', { kind: 'reset' }],
  ] as const)('throws TransientError on %s once the client stops retrying', async (_name, failure) => {
    fake.failNext(1000, failure);
    const error = await bus(topicName, SHORT_RETRY)
      .publish('readings', [{ data: 'x' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(fake.messages('readings-test')).toHaveLength(0);
  });

  it.each([
    ['429 RESOURCE_EXHAUSTED', 429],
    ['503 UNAVAILABLE', 503],
  ] as const)('retries %s until the topic takes the message', async (_name, status) => {
    fake.failNext(2, { kind: 'status', status });
    const ids = await bus(topicName, { ...SHORT_RETRY, totalTimeoutMillis: 5000 }).publish('readings', [{ data: 'x' }]);
    expect(ids).toHaveLength(1);
    expect(fake.messages('readings-test')).toHaveLength(1);
    expect(fake.publishRequests()).toHaveLength(3);
  });

  it('throws a permanent Error for an unknown topic, naming it', async () => {
    const error = (await bus(() => 'no-such-topic')
      .publish('readings', [{ data: 'x' }])
      .catch((e: unknown) => e)) as Error;
    expect(isTransient(error)).toBe(false);
    expect(error.message).toContain('no-such-topic');
  });

  it('throws a permanent Error when Pub/Sub refuses the message (attribute key starting with goog)', async () => {
    const error = (await bus()
      .publish('readings', [{ data: 'x', attributes: { googKey: 'v' } }])
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(isTransient(error)).toBe(false);
  });

  it('rejects publishing after close', async () => {
    const b = bus();
    await b.publish('readings', [{ data: 'x' }]);
    await b.close();
    await expect(b.publish('readings', [{ data: 'y' }])).rejects.toThrow();
  });
});

describe('PubSubBus.deadLetter', () => {
  it('publishes the raw bytes untouched with reason, original id and original attributes', async () => {
    const raw = new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3]); // not UTF-8, not JSON
    await bus().deadLetter({
      reason: 'undecodable: Unexpected token in JSON at position 0',
      raw,
      messageId: '12345',
      attributes: { device_id: 'pump-1', content_type: 'application/json' },
    });

    const [letter, ...more] = fake.messages('readings-dead-letter-test');
    expect(more).toHaveLength(0);
    expect(new Uint8Array(letter!.data)).toEqual(raw);
    expect(letter!.attributes).toEqual({
      reason: 'undecodable: Unexpected token in JSON at position 0',
      originalMessageId: '12345',
      orig_device_id: 'pump-1',
      orig_content_type: 'application/json',
    });
  });

  it('truncates a long reason to 1024 bytes without splitting a character', async () => {
    await bus().deadLetter({ reason: `bad: ${'é'.repeat(2000)}`, raw: new Uint8Array([1]) });
    const { attributes } = fake.messages('readings-dead-letter-test')[0]!;
    expect(Buffer.byteLength(attributes.reason!)).toBeLessThanOrEqual(1024);
    expect(attributes.reason!.length).toBeLessThanOrEqual(1024);
    expect(attributes.reason!.startsWith('bad: éé')).toBe(true);
    expect(attributes.reason).not.toContain('\ufffd');
    expect(attributes.originalMessageId).toBeUndefined();
  });

  it('stays within the 100-attribute limit when the original carried many', async () => {
    const attributes = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`a${i}`, 'v']));
    await bus().deadLetter({ reason: 'too big', raw: new Uint8Array([1]), messageId: '9', attributes });
    const letter = fake.messages('readings-dead-letter-test')[0]!;
    expect(Object.keys(letter.attributes)).toHaveLength(100);
    expect(letter.attributes.orig_a0).toBe('v');
    expect(letter.attributes.orig_dropped).toBe('3');
  });

  it('carries an empty body as an attributes-only message', async () => {
    await bus().deadLetter({ reason: 'empty message', raw: new Uint8Array(0) });
    const letter = fake.messages('readings-dead-letter-test')[0]!;
    expect(letter.data).toHaveLength(0);
    expect(letter.attributes.reason).toBe('empty message');
  });

  it('throws TransientError when the dead-letter topic is unavailable', async () => {
    fake.failNext(1000);
    await expect(
      bus(topicName, SHORT_RETRY).deadLetter({ reason: 'r', raw: new Uint8Array([1]) }),
    ).rejects.toBeInstanceOf(TransientError);
  });
});

describe('Pub/Sub error classification (gRPC transport, used in the cloud)', () => {
  it.each([
    [{ code: 14, details: 'UNAVAILABLE' }, true],
    [{ code: 4 }, true],
    [{ code: 8 }, true],
    [{ code: 13 }, true],
    [{ code: 10 }, true],
    [{ code: 3 }, false],
    [{ code: 5 }, false],
    [{ code: 7 }, false],
    [{ code: 'ECONNRESET' }, true],
    [{ status: 503 }, true],
    [{ status: 400, code: '400' }, false],
    [new Error('plain'), false],
  ])('%o → transient %s', (error, transient) => {
    expect(isTransientPubSubError(error)).toBe(transient);
  });
});
