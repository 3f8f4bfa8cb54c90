import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_ENV, hostileCorpus, type CorpusCase } from '../fixtures/hostile-corpus.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack;
const corpus = hostileCorpus(Date.now());
const outcomes = new Map<string, { stored: string[]; rejected: string[]; dead: string[] }>();
const ids = new Map<CorpusCase, string>();
let retried = 0;
let deliveryFailures: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({}, CORPUS_ENV);
  for (const c of corpus) ids.set(c, stack.router.publish(c.topic, [{ data: c.body }])[0]!);
  await stack.router.idle();
  retried = stack.router.stats.retried;
  const outcome = (id: string) => {
    let o = outcomes.get(id);
    if (!o) outcomes.set(id, (o = { stored: [], rejected: [], dead: [] }));
    return o;
  };
  for (const r of await stack.sql(`SELECT message_id, flags FROM readings ORDER BY metric`)) {
    outcome(String(r.message_id)).stored.push(JSON.stringify([...(r.flags as string[])].sort()));
  }
  for (const r of await stack.sql(`SELECT message_id, reason FROM rejected`))
    outcome(String(r.message_id)).rejected.push(String(r.reason));
  const letters = stack.deadLetters().entries();
  // Ingest dead-letters through the bus, which names the message it could not read in originalMessageId.
  for (const d of letters) outcome(d.attributes?.originalMessageId ?? d.messageId ?? '(none)').dead.push(d.reason);
  deliveryFailures = letters.filter((d) => d.reason.startsWith('delivery_failed')).map((d) => d.reason);
}, 120_000);

afterAll(async () => {
  await stack.stop();
});

describe('the hostile corpus through the local stack', () => {
  it(`holds at least 250 messages (${corpus.length})`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(250);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = outcomes.get(ids.get(c)!) ?? { stored: [], rejected: [], dead: [] };
    expect(got.stored.sort()).toEqual((c.expected.stored ?? []).map((f) => JSON.stringify([...f].sort())).sort());
    expect(got.rejected.sort()).toEqual(c.expected.rejected ?? []);
    if (c.expected.dead) {
      expect(got.dead).toHaveLength(1);
      expect(got.dead[0]!.startsWith(c.expected.dead)).toBe(true);
    } else {
      expect(got.dead).toEqual([]);
    }
  });

  it('loses nothing: every message that carries anything is accounted for, and nothing is stored for a message not sent', () => {
    const sent = new Set(ids.values());
    for (const c of corpus) {
      const got = outcomes.get(ids.get(c)!);
      const expectsSomething =
        (c.expected.stored?.length ?? 0) + (c.expected.rejected?.length ?? 0) + (c.expected.dead ? 1 : 0) > 0;
      if (expectsSomething) expect(got, c.name).toBeDefined();
    }
    expect([...outcomes.keys()].filter((id) => !sent.has(id))).toEqual([]);
  });

  it('answers no delivery with a 5xx: nothing was retried or dead-lettered for failing', () => {
    expect(retried).toBe(0);
    expect(deliveryFailures).toEqual([]);
  });

  it('stays up: a good reading afterwards is stored', async () => {
    const [id] = stack.publish({
      deviceId: 'sim-plant/machine-after-corpus',
      ts: '2024-06-01T12:00:00Z',
      metrics: { power_kw: 10 },
    });
    await stack.router.idle();
    expect(await stack.sql(`SELECT value FROM readings WHERE message_id = $m`, { m: id! })).toEqual([{ value: 10 }]);
  });
});
