import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import { LocalPushRouter } from '../../shared/bus/local-router.js';
import { TOPICS } from '../../shared/config/env.js';

/**
 * The router's publish endpoint under requests Pub/Sub refuses: each must get Pub/Sub's permanent answer (400
 * INVALID_ARGUMENT), never a retryable one, and nothing the publisher did not send may be accepted.
 */
const routers: LocalPushRouter[] = [];
afterEach(async () => {
  for (const r of routers.splice(0)) await r.close();
});

async function listening() {
  const dir = mkdtempSync(join(tmpdir(), 'kw-attack-router-'));
  const r = new LocalPushRouter({
    project: 'local',
    deadLetterTopic: TOPICS.deadLetter,
    deadLetters: new DeadLetterFile(join(dir, 'dead.jsonl')),
    subscriptions: [],
    journalDir: join(dir, 'router'),
    topics: Object.values(TOPICS),
    drainTimeoutMs: 1000,
  });
  routers.push(r);
  return { router: r, port: await r.listen(0) };
}

async function post(port: number, path: string, body: string) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(2000),
  });
  return { status: response.status, body: (await response.json()) as { error?: { status: string; message: string } } };
}

describe('router publish endpoint, hostile requests', () => {
  it('answers 400 INVALID_ARGUMENT to a topic name that is not valid percent-encoding (not a retryable 503)', async () => {
    const { router, port } = await listening();
    const answer = await post(port, '/v1/projects/local/topics/%E0%A4%A:publish', '{"messages":[{"data":"eA=="}]}');
    expect(answer.status).toBe(400);
    expect(answer.body.error?.status).toBe('INVALID_ARGUMENT');
    expect(router.stats.published).toBe(0);
  });

  it('refuses data that is not base64 instead of storing other bytes than were sent', async () => {
    const { router, port } = await listening();
    const answer = await post(
      port,
      `/v1/projects/local/topics/${TOPICS.readings}:publish`,
      '{"messages":[{"data":"{\\"deviceId\\":\\"x\\"}"}]}',
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error?.status).toBe('INVALID_ARGUMENT');
    expect(answer.body.error?.message).toMatch(/messages\.0\.data.*base64/);
    expect(router.stats.published).toBe(0);
  });

  it('refuses a message with neither data nor attributes, as Pub/Sub does', async () => {
    const { router, port } = await listening();
    const answer = await post(port, `/v1/projects/local/topics/${TOPICS.readings}:publish`, '{"messages":[{}]}');
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/data.*attribute/);
    expect(router.stats.published).toBe(0);
  });

  it('still accepts standard and URL-safe base64, and a message of attributes only', async () => {
    const { router, port } = await listening();
    const path = `/v1/projects/local/topics/${TOPICS.readings}:publish`;
    const body = JSON.stringify({
      messages: [
        { data: Buffer.from('{"a":"??>>"}').toString('base64') },
        { data: Buffer.from('{"a":"??>>"}').toString('base64url') },
        { attributes: { kind: 'x' } },
      ],
    });
    expect((await post(port, path, body)).status).toBe(200);
    expect(router.stats.published).toBe(3);
  });
});
