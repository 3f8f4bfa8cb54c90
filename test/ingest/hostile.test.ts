import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({}, { KILOWATCH_MAX_BATCH: '50', KILOWATCH_MAX_MESSAGE_BYTES: '65536' });
});
afterAll(async () => {
  await stack.stop();
});

const ok = { deviceId: 'sim-plant/machine-h', ts: '2024-01-01T00:00:00Z', metrics: { power_kw: 1 } };

/** Publishes one raw message and returns what became of it. */
async function outcome(body: string | Buffer) {
  const before = stack.deadLetters().count();
  const [messageId] = stack.publish(body);
  await stack.router.idle();
  const rejected = await stack.sql(
    `SELECT reason, detail, metric FROM rejected WHERE message_id = $m ORDER BY reading_index, metric`,
    { m: messageId! },
  );
  const stored = await stack.sql(`SELECT metric, value FROM readings WHERE message_id = $m`, { m: messageId! });
  const dead = stack.deadLetters().entries().slice(before);
  return { rejected, stored, dead };
}

describe('hostile input gets a clear reason and loses nothing', () => {
  it.each([
    ['an oversized message', Buffer.alloc(70_000, 0x20), /^message_too_large: 70000 bytes; at most 65536 bytes/],
    [
      'NaN spelled out',
      '{"deviceId":"sim-plant/machine-h","ts":1,"metrics":{"power_kw":NaN}}',
      /^undecodable: message data is not JSON/,
    ],
    ['bytes that are not UTF-8', Buffer.from([0xc3, 0x28, 0xa0]), /^undecodable: message data is not valid UTF-8/],
    ['deep nesting', '['.repeat(20_000) + ']'.repeat(20_000), /^undecodable|invalid_message/],
  ])('dead-letters or rejects %s', async (_name, body, reason) => {
    const { rejected, stored, dead } = await outcome(body);
    expect(stored).toEqual([]);
    const reasons = [...dead.map((d) => d.reason), ...rejected.map((r) => `${String(r.reason)}: ${String(r.detail)}`)];
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(reason);
    if (dead.length) expect(Buffer.from(dead[0]!.dataBase64, 'base64')).toEqual(Buffer.from(body));
  });

  it.each([
    [
      'Infinity (1e999)',
      '{"deviceId":"sim-plant/machine-h","ts":1700000000,"metrics":{"power_kw":1e999}}',
      'invalid_reading',
      /^metrics\.power_kw: must be a finite number or null/,
    ],
    [
      'a string where a number belongs',
      '{"deviceId":"sim-plant/machine-h","ts":1700000000,"metrics":{"power_kw":"12"}}',
      'invalid_reading',
      /^metrics\.power_kw: must be a finite number/,
    ],
    [
      'a __proto__ metric',
      '{"deviceId":"sim-plant/machine-h","ts":1700000000,"metrics":{"__proto__":{"polluted":1}}}',
      'invalid_reading',
      /^metrics\.__proto__: must be a finite number or null/,
    ],
    [
      'a __proto__ key on the reading',
      '{"__proto__":{"admin":true},"deviceId":"sim-plant/machine-h","ts":1700000000,"metrics":{"power_kw":1}}',
      'invalid_reading',
      /Unrecognized key|__proto__/,
    ],
    [
      'a far-future timestamp',
      '{"deviceId":"sim-plant/machine-h","ts":"2999-01-01T00:00:00Z","metrics":{"power_kw":1}}',
      'future_ts',
      /^ts: 2999-01-01T00:00:00.000Z is \d+ s in the future; at most 86400 s is accepted/,
    ],
    [
      'a negative epoch',
      '{"deviceId":"sim-plant/machine-h","ts":-5,"metrics":{"power_kw":1}}',
      'invalid_timestamp',
      /epoch time must not be negative/,
    ],
    [
      'an injection attempt in the device id',
      `{"deviceId":"x'; DROP TABLE readings; --","ts":1700000000,"metrics":{"power_kw":1}}`,
      'invalid_reading',
      /^deviceId: segments of letters, digits/,
    ],
    [
      'a path in the device id',
      '{"deviceId":"sim-plant/machine-../../etc/passwd","ts":1700000000,"metrics":{"power_kw":1}}',
      'invalid_reading',
      /^deviceId: segments of letters, digits/,
    ],
    [
      'a numeric timestamp past the year 9999',
      '{"deviceId":"sim-plant/machine-h","ts":9999999999999999,"metrics":{"power_kw":1}}',
      'invalid_timestamp',
      /^ts: 10000000000000000 is after the year 9999/,
    ],
    [
      '1e15 as a timestamp',
      '{"deviceId":"sim-plant/machine-h","ts":1e15,"metrics":{"power_kw":1}}',
      'invalid_timestamp',
      /^ts: 1000000000000000 is after the year 9999/,
    ],
    [
      '30 February',
      '{"deviceId":"sim-plant/machine-h","ts":"2024-02-30T00:00:00Z","metrics":{"power_kw":1}}',
      'invalid_timestamp',
      /not a valid calendar date/,
    ],
    [
      'epoch 0',
      '{"deviceId":"sim-plant/machine-h","ts":0,"metrics":{"power_kw":1}}',
      'invalid_timestamp',
      /before 2000-01-01T00:00:00.000Z/,
    ],
    [
      'a wall-clock time of the repeated autumn hour',
      '{"deviceId":"sim-plant/machine-h","ts":"2023-10-29T02:30","metrics":{"power_kw":1}}',
      'ambiguous_local_time',
      /happened twice in Europe\/Berlin/,
    ],
    [
      'a value that overflows on conversion',
      '{"deviceId":"sim-plant/machine-h","ts":1700000000,"metrics":{"power_kw":1e306},"units":{"power_kw":"MW"}}',
      'invalid_reading',
      /^metrics\.power_kw: 1e\+306 MW is beyond/,
    ],
    [
      'a reading nested 10,000 levels deep',
      `{"readings":[{"deviceId":"sim-plant/machine-h","ts":1700000000,"metrics":{"power_kw":1},"x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}]}`,
      'invalid_message',
      /nested more than 16 levels deep/,
    ],
    ['a bare array', '[1,2,3]', 'invalid_message', /expected one reading object or \{ "readings": \[ \.\.\. \] \}/],
    ['a batch with extra keys', '{"readings":[],"sudo":true}', 'invalid_message', /no other keys/],
    ['wrong top-level types', '"just a string"', 'invalid_message', /expected one reading object/],
  ])('rejects %s', async (_name, body, reason, detail) => {
    const { rejected, stored, dead } = await outcome(body);
    expect(dead).toEqual([]);
    expect(stored).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBe(reason);
    expect(String(rejected[0]!.detail)).toMatch(detail);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('takes a metric named like an Object property as an unknown metric, not a lookup hit', async () => {
    const { rejected, stored } = await outcome(
      JSON.stringify({ ...ok, ts: 1_700_000_100, metrics: { power_kw: 2, constructor: 1, tostring: 3 } }),
    );
    expect(stored).toEqual([{ metric: 'power_kw', value: 2 }]);
    expect(rejected.map((r) => [r.metric, r.reason, r.detail])).toEqual([
      [
        null,
        'unknown_metric',
        expect.stringMatching(/^metrics: constructor, tostring are not metrics of sim-plant\/machine-h/),
      ],
    ]);
  });

  it('rejects a metric named __proto__ as unknown, storing the others', async () => {
    const { rejected, stored } = await outcome(
      '{"deviceId":"sim-plant/machine-h","ts":1700000200,"metrics":{"__proto__":5,"power_kw":3}}',
    );
    expect(stored).toEqual([{ metric: 'power_kw', value: 3 }]);
    expect(rejected.map((r) => [r.metric, r.reason])).toEqual([['__proto__', 'unknown_metric']]);
  });

  it('rejects a repeat inside one batch as duplicate or conflict', async () => {
    const r = { deviceId: 'sim-plant/machine-h', ts: 1_700_000_300, metrics: { power_kw: 4 } };
    const { rejected, stored } = await outcome(
      JSON.stringify({ readings: [r, r, { ...r, metrics: { power_kw: 5 } }] }),
    );
    expect(stored).toEqual([{ metric: 'power_kw', value: 4 }]);
    expect(rejected.map((x) => x.reason)).toEqual(['duplicate', 'conflict']);
  });

  it('keeps rejected rows to one per reading for unknown metrics', async () => {
    const metrics = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`unknown_${i}`, i]));
    const body = JSON.stringify({
      readings: Array.from({ length: 40 }, (_, i) => ({
        deviceId: 'sim-plant/machine-h',
        ts: 1_700_001_000 + i,
        metrics,
      })),
    });
    const { rejected, stored } = await outcome(body);
    expect(stored).toEqual([]);
    expect(rejected).toHaveLength(40);
    expect(new Set(rejected.map((x) => x.reason))).toEqual(new Set(['unknown_metric']));
  });

  it('stores nothing non-finite, and a cold start reads past a bad stored row', async () => {
    const device = 'sim-plant/machine-cold';
    await outcome(JSON.stringify({ deviceId: device, ts: 1_700_000_000, metrics: { power_kw: 7 } }));
    // A row as an older release could have written it: an infinite value.
    await stack.sql(`UPDATE readings SET value = 'Infinity'::DOUBLE WHERE device_id = $d`, { d: device });
    stack.deps.history.invalidate([device]);
    const later = await outcome(JSON.stringify({ deviceId: device, ts: 1_700_000_060, metrics: { power_kw: 8 } }));
    expect(later.dead).toEqual([]);
    expect(later.stored).toEqual([{ metric: 'power_kw', value: 8 }]);
    const again = await outcome(JSON.stringify({ deviceId: device, ts: 1_700_000_000, metrics: { power_kw: 7 } }));
    expect(again.rejected.map((x) => x.reason)).toEqual(['duplicate']);
  });

  it('refuses a batch over the cap, naming the cap', async () => {
    const { rejected, stored } = await outcome(JSON.stringify({ readings: Array.from({ length: 51 }, () => ok) }));
    expect(stored).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ reason: 'batch_too_large' });
    expect(String(rejected[0]!.detail)).toBe('readings: 51 readings; at most 50 per message: split the batch');
  });

  it('dead-letters a POST without CloudEvent headers with its body', async () => {
    const before = stack.deadLetters().count();
    const response = await fetch(stack.ingestUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ forged: 'x' }),
    });
    expect(response.status).toBeLessThan(300);
    const [letter] = stack.deadLetters().entries().slice(before);
    expect(letter!.reason).toMatch(/^undecodable: push body is not a Pub\/Sub envelope/);
    expect(JSON.parse(Buffer.from(letter!.dataBase64, 'base64').toString())).toMatchObject({ forged: 'x' });
  });

  it('dead-letters a push body that is not a Pub/Sub envelope', async () => {
    const before = stack.deadLetters().count();
    const response = await fetch(stack.ingestUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'odd-1',
        'ce-type': 't',
        'ce-source': 's',
      },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(response.status).toBeLessThan(300);
    const [letter] = stack.deadLetters().entries().slice(before);
    expect(letter!.reason).toMatch(/^undecodable: push body is not a Pub\/Sub envelope/);
    expect(JSON.parse(Buffer.from(letter!.dataBase64, 'base64').toString())).toEqual({ hello: 'world' });
  });
});
