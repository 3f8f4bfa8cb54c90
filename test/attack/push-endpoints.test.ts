import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

/**
 * Hand-made pushes to the functions (a structured CloudEvent whose id or source is not a string): each is
 * answered 2xx with its bytes in the dead-letter sink under a string id, never a 500 that Pub/Sub would retry.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ alertsSweepMs: 0 });
});
afterAll(async () => {
  await stack.stop();
});

const structured = (id: unknown, source: unknown, data: string) =>
  JSON.stringify({
    specversion: '1.0',
    id,
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source,
    data: { message: { data: Buffer.from(data).toString('base64') } },
  });

async function push(url: string, body: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body,
    signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('structured CloudEvents with fields that are not strings', () => {
  it.each([
    ['ingest', () => stack.ingestUrl],
    ['score', () => stack.scoreUrl],
    ['notify', () => stack.notifyUrl],
  ])('%s dead-letters a message whose event id is an object', async (_name, url) => {
    const before = stack.deadLetters().count();
    expect(
      await push(url(), structured({ forged: 1 }, '//pubsub.googleapis.com/projects/p/topics/readings', '{x')),
    ).toBeLessThan(300);
    const letters = stack.deadLetters().entries().slice(before);
    expect(letters).toHaveLength(1);
    expect(typeof letters[0]!.messageId).toBe('string');
    expect(Buffer.from(letters[0]!.dataBase64, 'base64').toString()).toBe('{x');
  });

  it('ingest reads a source that is not a string as no source (the shared topic), not a 500', async () => {
    const reading = { deviceId: 'sim-plant/machine-src', ts: '2024-06-01T12:00:00Z', metrics: { power_kw: 1 } };
    const body = JSON.stringify({
      specversion: '1.0',
      id: 'object-source-1',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: { toString: 'x' },
      data: {
        message: { data: Buffer.from(JSON.stringify(reading)).toString('base64'), messageId: 'object-source-1' },
      },
    });
    expect(await push(stack.ingestUrl, body)).toBeLessThan(300);
    const stored = await stack.sql(`SELECT count(*)::INTEGER AS n FROM readings WHERE message_id = 'object-source-1'`);
    expect(stored[0]!.n).toBe(1);
  });

  it.each(['text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded'])(
    'a POST of %s gets 415 naming the accepted types, not a 500 or a dead letter',
    async (type) => {
      const before = stack.deadLetters().count();
      const res = await fetch(stack.ingestUrl, { method: 'POST', headers: { 'content-type': type }, body: 'garbage' });
      expect(res.status).toBe(415);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toContain('application/json');
      expect(stack.deadLetters().count()).toBe(before);
    },
  );
});
