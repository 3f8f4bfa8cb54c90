import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TransientError } from '../../shared/errors/transient.js';
import { encodeCleanPayload, type CleanRow } from '../../shared/readings/clean-payload.js';
import type { Warehouse } from '../../shared/warehouse/port.js';
import { withInsert } from '../support/warehouse-wrapper.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const DEVICE = 'sim-plant/machine-score';
const T0 = Date.UTC(2024, 0, 1) / 1000;
/** Past the detector's 388 learning rows, so that 212 values of each metric are scored. */
const HISTORY = 600;

/** A machine running a production cycle (30 min for power, 60 for temperature) with sensor noise: no fault. */
function machine(minute: number, power?: number, deviceId = DEVICE) {
  const noise = (k: number) => ((Math.sin(minute * 12.9898 + k * 78.233) * 43758.5453) % 1) * 3;
  return {
    deviceId,
    ts: T0 + minute * 60,
    metrics: {
      power_kw: power ?? 120 + 30 * Math.sin((2 * Math.PI * minute) / 30) + noise(1),
      temperature_c: 60 + 5 * Math.sin((2 * Math.PI * minute) / 60) + noise(2),
    },
  };
}

/** Published one message after the other, as a device sends them: readings-clean then reaches score in order. */
async function publishHistory(stack: TestStack, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 100) {
    stack.publish({ readings: Array.from({ length: Math.min(100, to - start) }, (_, i) => machine(start + i)) });
    await stack.router.idle();
  }
}

async function scoresOf(stack: TestStack, metric: string) {
  return stack.sql(
    `SELECT s.score, s.is_anomaly, s.threshold, s.model, s.model_version, s.scored_at::VARCHAR AS scored_at, r.value,
            strftime(s.ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ts
     FROM anomaly_scores s JOIN readings r USING (reading_id) WHERE s.device_id = $d AND s.metric = $m ORDER BY s.ts`,
    { d: DEVICE, m: metric },
  );
}

function isoMinute(minute: number): string {
  return new Date((T0 + minute * 60) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A readings-clean message as ingest publishes it, rebuilt from the stored rows of one minute. */
async function cleanMessageOf(stack: TestStack, minute: number) {
  const rows = await stack.sql(
    `SELECT reading_id, device_id, strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, metric, value, unit, flags
     FROM readings WHERE device_id = $d AND ts = $t::TIMESTAMPTZ ORDER BY metric`,
    { d: DEVICE, t: isoMinute(minute) },
  );
  return encodeCleanPayload(rows as unknown as CleanRow[]);
}

function pushTo(url: string, messageId: string, body: unknown) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': messageId,
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': '//pubsub.googleapis.com/projects/p/topics/readings-clean',
    },
    body: JSON.stringify({
      message: {
        data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64'),
        messageId,
        publishTime: new Date().toISOString(),
      },
      subscription: 'projects/p/subscriptions/readings-clean-score',
    }),
  });
}

let stack: TestStack;
let dir: string;

beforeAll(async () => {
  stack = await startTestStack();
  dir = stack.dir;
  await publishHistory(stack, 0, HISTORY);
}, 60_000);

afterAll(async () => {
  await stack.stop();
});

describe('score: readings-clean through the streaming detector, per series', () => {
  it('scores every value of a simulated machine once its series is past the learning rows, with the card', async () => {
    for (const metric of ['power_kw', 'temperature_c']) {
      const scores = await scoresOf(stack, metric);
      expect(scores).toHaveLength(HISTORY - 388);
      // Learning rows get no score: the first score is the 389th value.
      expect(scores[0]!.ts).toBe(isoMinute(388));
      expect(scores[0]).toMatchObject({ model: 'stream-univariate', model_version: '2.0.0', threshold: 0.4 });
      for (const s of scores) expect(s.score as number).toBeGreaterThanOrEqual(0);
      // Normal operation: (almost) nothing alarms.
      const anomalies = scores.filter((s) => s.is_anomaly).length;
      expect(anomalies / scores.length).toBeLessThan(0.02);
    }
  });

  it('flags a large spike on a warm series: an anomaly score, an alerts row and an alerts message', async () => {
    const publish = vi.spyOn(stack.scoreDeps.bus, 'publish');
    stack.publish({ readings: [machine(HISTORY, 1500)] });
    await stack.router.idle();
    const [spike] = (await scoresOf(stack, 'power_kw')).filter((s) => s.ts === isoMinute(HISTORY));
    expect(spike).toMatchObject({ value: 1500, is_anomaly: true });
    expect(spike!.score as number).toBeCloseTo(1, 6);
    const [quiet] = (await scoresOf(stack, 'temperature_c')).filter((s) => s.ts === isoMinute(HISTORY));
    expect(quiet).toMatchObject({ is_anomaly: false });

    const alerts = await stack.sql(
      `SELECT metric, kind, severity, message, score FROM alerts WHERE device_id = $d AND ts = $t::TIMESTAMPTZ`,
      {
        d: DEVICE,
        t: isoMinute(HISTORY),
      },
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ metric: 'power_kw', kind: 'anomaly', severity: 'critical' });
    expect(String(alerts[0]!.message)).toMatch(
      /^sim-plant\/machine-score power_kw = 1500 kW at .* is anomalous: score 1 ≥ threshold 0.4/,
    );

    const sent = publish.mock.calls.filter(([topic]) => topic === 'alerts').flatMap(([, messages]) => messages);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(String(sent[0]!.data))).toMatchObject({
      deviceId: DEVICE,
      metric: 'power_kw',
      kind: 'anomaly',
      severity: 'critical',
      score: 1,
    });
    publish.mockRestore();
  });

  it('scores nothing twice when readings-clean redelivers a message', async () => {
    const body = await cleanMessageOf(stack, HISTORY);
    const state = stack.scoreDeps.series.get(DEVICE, 'power_kw')!;
    const stepped = state.stepped;
    const before = await scoresOf(stack, 'power_kw');
    const alertsBefore = await stack.sql(`SELECT count(*)::INT AS n FROM alerts WHERE device_id = $d`, { d: DEVICE });
    for (let attempt = 0; attempt < 3; attempt++)
      expect((await pushTo(stack.scoreUrl, 'clean-redelivered', body)).status).toBeLessThan(300);
    expect(state.stepped).toBe(stepped);
    expect(await scoresOf(stack, 'power_kw')).toEqual(before);
    expect(await stack.sql(`SELECT count(*)::INT AS n FROM alerts WHERE device_id = $d`, { d: DEVICE })).toEqual(
      alertsBefore,
    );
  });

  it('dead-letters a message that is not a readings-clean body, with its bytes, and answers 2xx', async () => {
    const before = stack.deadLetters().count();
    const body = JSON.stringify({ readings: [{ deviceId: DEVICE, ts: 'soon', value: 1 }] });
    expect((await pushTo(stack.scoreUrl, 'clean-invalid', body)).status).toBeLessThan(300);
    await stack.router.idle();
    const letters = stack.deadLetters().entries();
    expect(letters).toHaveLength(before + 1);
    const letter = letters.at(-1)!;
    expect(letter.reason).toMatch(/^invalid readings-clean message: readings\.0\.readingId: /);
    expect(Buffer.from(letter.dataBase64, 'base64').toString()).toBe(body);
  });

  it('a cold instance warms the series up from the warehouse and scores the next value', async () => {
    await stack.close();
    // A new instance on the same warehouse file: no series state in memory.
    stack = { ...(await startTestStack({}, { KILOWATCH_DATA_DIR: dir })), dir };
    expect(stack.scoreDeps.series.size).toBe(0);
    stack.publish({ readings: [machine(HISTORY + 1)] });
    await stack.router.idle();
    for (const metric of ['power_kw', 'temperature_c']) {
      const [next] = (await scoresOf(stack, metric)).filter((s) => s.ts === isoMinute(HISTORY + 1));
      expect(next).toBeDefined();
      expect(Number.isFinite(next!.score)).toBe(true);
      // Rebuilt from every stored value of the series before this one (the spike included), then this one.
      expect(stack.scoreDeps.series.get(DEVICE, metric)!.stepped).toBe(HISTORY + 2);
    }
  });
});

describe('score: ordering keys', () => {
  /** Every `n`th insert into readings fails once (transient): its message is retried while later ones go on. */
  function flakyEvery(n: number) {
    return (inner: Warehouse): Warehouse => {
      let calls = 0;
      return withInsert(inner, (table, rows) =>
        table.name === 'readings' && ++calls % n === 0
          ? Promise.reject(new TransientError('warehouse busy'))
          : inner.insert(table, rows),
      );
    };
  }

  it('scores every value of a device whose burst meets retries, when it keys its messages by its id', async () => {
    const burst = await startTestStack({ wrapWarehouse: flakyEvery(7) });
    try {
      const device = 'sim-plant/machine-burst';
      const minutes = 420;
      // All at once, 3 readings a message: the router pushes up to 8 messages at a time, but one per key.
      burst.router.publish(
        'readings',
        Array.from({ length: minutes / 3 }, (_, m) => ({
          data: Buffer.from(JSON.stringify({ readings: [0, 1, 2].map((i) => machine(3 * m + i, undefined, device)) })),
          orderingKey: device,
        })),
      );
      await burst.router.idle();
      expect(burst.router.stats.retried).toBeGreaterThan(10);
      expect(burst.scoreDeps.series.get(device, 'power_kw')!.stepped).toBe(minutes);
      const [scored] = await burst.sql(
        `SELECT count(*)::INT AS n FROM anomaly_scores WHERE device_id = $d AND metric = 'power_kw'`,
        { d: device },
      );
      expect(scored!.n).toBe(minutes - 388);
    } finally {
      await burst.stop();
    }
  });
});
