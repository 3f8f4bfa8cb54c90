import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_COMMAND } from '../../functions/local/host.js';
import { anomalyScores, type AnomalyScoreRow } from '../../shared/warehouse/schema/tables.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 1, 8);
const DEVICE = 'plant-n/m1';

interface Hook {
  readonly server: Server;
  readonly url: string;
  readonly bodies: Array<{ body: Record<string, unknown>; key: string | undefined }>;
  /** Answers 503 while this is above 0, counting down. */
  failures: number;
}

async function hook(failures = 0): Promise<Hook> {
  const h = { bodies: [], failures } as unknown as Hook & { server: Server; url: string };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      if (h.failures > 0) {
        h.failures--;
        res.writeHead(503).end('busy');
        return;
      }
      h.bodies.push({
        body: JSON.parse(text) as Record<string, unknown>,
        key: req.headers['idempotency-key'] as string | undefined,
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(h, { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` });
}

function anomaly(minute: number, id: string, metric = 'temperature_c') {
  return {
    alertId: id,
    deviceId: DEVICE,
    ts: new Date(T0 + minute * MIN).toISOString(),
    metric,
    kind: 'anomaly',
    severity: 'warning',
    message: `${DEVICE} ${metric} is anomalous`,
    score: 0.7,
    createdAt: new Date().toISOString(),
  };
}

function score(minute: number): AnomalyScoreRow {
  const ts = new Date(T0 + minute * MIN).toISOString();
  return {
    score_id: `s${minute}`,
    reading_id: `r${minute}`,
    device_id: DEVICE,
    ts,
    metric: 'temperature_c',
    model: 'm',
    model_version: '1',
    score: 0.1,
    threshold: 0.5,
    is_anomaly: false,
    scored_at: ts,
    signal: 'value',
  };
}

let stack: TestStack;
let json: Hook;
let chat: Hook;
let broken: Hook;

async function send(...bodies: unknown[]) {
  stack.router.publish(
    'alerts',
    bodies.map((b) => ({ data: Buffer.from(typeof b === 'string' ? b : JSON.stringify(b)) })),
  );
  await stack.router.idle();
}

const incidentRows = () =>
  stack.sql(
    `SELECT incident_id, version, state, change, actor, severity, anomalies FROM incidents ORDER BY incident_id, version`,
  );

beforeAll(async () => {
  [json, chat, broken] = await Promise.all([hook(2), hook(), hook(1_000)]);
  stack = await startTestStack(
    { subscribe: ['notify'], alertsSweepMs: 0 },
    {
      KILOWATCH_WEBHOOKS: `json=${json.url},chat=${chat.url},json=${broken.url.replace('127.0.0.1', 'localhost')}`,
      KILOWATCH_NOTIFY_MAX_ATTEMPTS: '3',
      // Single anomalies here: the group wait is storm-stack.test.ts's.
      KILOWATCH_ALERT_GROUP_WAIT_MIN: '0',
    },
  );
}, 60_000);

afterAll(async () => {
  await stack.stop();
  for (const h of [json, chat, broken]) h.server.close();
});

describe('notify function (local stack, real HTTP webhooks, DuckDB)', () => {
  it('one incident for an episode, each state notified once per channel, failures retried then dead-lettered', async () => {
    await send(anomaly(0, 'a0'), anomaly(1, 'a1'), anomaly(2, 'a2'));
    // The same anomaly again (Pub/Sub redelivers at least once): nothing new.
    await send(anomaly(2, 'a2'));
    let rows = await incidentRows();

    expect(rows.filter((r) => r.change === 'opened')).toHaveLength(1);
    // The JSON hook answered 503 twice: retried on the following messages, not lost.
    expect(chat.bodies).toHaveLength(1);
    expect((chat.bodies[0]?.body as { text: string }).text).toMatch(
      /^\[(INFO|WARNING)\] anomaly opened: plant-n\/m1 temperature_c/,
    );
    expect(json.bodies).toHaveLength(1);
    const incident = (json.bodies[0]?.body as { incident: { id: string; state: string } }).incident;
    expect(incident.state).toBe('open');

    // Scores reach 40 minutes past the last anomaly: the sweep resolves it.
    await stack.warehouse.insert(anomalyScores, [score(10), score(42)]);
    await send(SWEEP_COMMAND);
    rows = await incidentRows();
    expect(rows.at(-1)).toMatchObject({ state: 'resolved', change: 'auto_resolved', actor: 'kilowatch' });
    expect(json.bodies.map((b) => (b.body as { incident: { change: string } }).incident.change)).toEqual([
      'opened',
      'auto_resolved',
    ]);
    expect(chat.bodies).toHaveLength(2);
    // Idempotency keys differ per state and channel.
    expect(new Set([...json.bodies, ...chat.bodies].map((b) => b.key)).size).toBe(4);

    // More sweeps send nothing again to the working hooks, and retry the broken one.
    await send(SWEEP_COMMAND, SWEEP_COMMAND);
    expect(json.bodies).toHaveLength(2);
    expect(chat.bodies).toHaveLength(2);

    // The broken hook got 3 attempts per state, then each state went to the dead-letter sink once.
    const notes = await stack.sql(`SELECT channel, status, attempts FROM notifications ORDER BY channel, sent_at`);
    const dead = notes.filter((n) => n.status === 'dead_lettered');
    expect(dead.map((n) => Number(n.attempts))).toEqual([3, 3]);
    expect(notes.filter((n) => n.status === 'delivered')).toHaveLength(4);
    const letters = stack.deadLetters().entries();
    expect(letters.filter((l) => l.attributes?.orig_kind === 'notification')).toHaveLength(2);
    expect(broken.bodies).toHaveLength(0);
    await send(SWEEP_COMMAND);
    expect(stack.deadLetters().entries()).toHaveLength(2);
  });

  it('people acknowledge and resolve through the alerts topic; bad commands are refused or dead-lettered', async () => {
    await send(anomaly(200, 'b0', 'power_kw'));
    const id = (await stack.sql(`SELECT incident_id FROM incidents WHERE metric = 'power_kw' AND change = 'opened'`))[0]
      ?.incident_id as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await send({ command: 'acknowledge', incidentId: id, by: 'ana@plant' });
    await send({ command: 'acknowledge', incidentId: id, by: 'ana@plant' });
    await send({ command: 'resolve', incidentId: id, by: 'bo@plant' });
    const mine = (await incidentRows()).filter((r) => r.incident_id === id);
    expect(mine.map((r) => [r.state, r.actor])).toEqual([
      ['open', 'kilowatch'],
      ['acknowledged', 'ana@plant'],
      ['resolved', 'bo@plant'],
    ]);
    const changes = chat.bodies.slice(2).map((b) => (b.body as { text: string }).text);
    expect(changes[1]).toContain('acknowledged by ana@plant');
    expect(changes[2]).toContain('resolved by bo@plant');
    expect(changes).toHaveLength(3);

    const rejected = () =>
      stack
        .deadLetters()
        .entries()
        .filter((l) => l.attributes?.orig_kind !== 'notification');
    const before = stack.deadLetters().entries().length;
    await send({ command: 'acknowledge', incidentId: id, by: '' }, '{not json', { alertId: 'x' });
    const letters = stack
      .deadLetters()
      .entries()
      .slice(before)
      .filter((l) => l.attributes?.orig_kind !== 'notification');
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringContaining('by:'),
      expect.stringContaining('not JSON'),
      expect.stringContaining('deviceId'),
    ]);
    // An unknown incident is refused (logged), not retried.
    await send({ command: 'resolve', incidentId: 'f'.repeat(32), by: 'bo' });
    expect(rejected()).toHaveLength(3);
  });

  it('kilowatch alerts list / acknowledge / resolve against the running host', async () => {
    const run = promisify(execFile);
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('KILOWATCH_') && !k.startsWith('PUBSUB_')),
    );
    const kilowatch = async (...args: string[]) =>
      (
        await run('node', ['bin/kilowatch.js', 'alerts', ...args], {
          env: { ...clean, KILOWATCH_LOCAL_PORT: String(stack.routerPort), KILOWATCH_DATA_DIR: stack.dir },
          timeout: 60_000,
        })
      ).stdout;
    await send(anomaly(400, 'c0', 'vibration_mm_s'));
    const open = JSON.parse(await kilowatch('list', '--state', 'open', '--json')) as Array<{
      incident_id: string;
      metric: string;
    }>;
    expect(open.map((r) => r.metric)).toEqual(['vibration_mm_s']);
    const id = open[0]?.incident_id as string;
    expect(JSON.parse(await kilowatch('acknowledge', id, '--by', 'cli-user'))).toMatchObject({
      sent: 'acknowledge',
      incidentId: id,
    });
    await stack.router.idle();
    expect(await kilowatch('list', '--device', DEVICE)).toMatch(
      new RegExp(`^acknowledged .*acknowledged by cli-user.*${id}`, 'm'),
    );
    await expect(kilowatch('resolve', 'nope', '--by', 'x')).rejects.toThrow(/incident id/);
  }, 120_000);

  it('writes to a file channel', async () => {
    const path = join(stack.dir, 'notes.jsonl');
    const other = await startTestStack(
      { subscribe: ['notify'], alertsSweepMs: 0 },
      { KILOWATCH_WEBHOOKS: `json=file:${path}`, KILOWATCH_ALERT_GROUP_WAIT_MIN: '0' },
    );
    try {
      other.router.publish('alerts', [{ data: Buffer.from(JSON.stringify(anomaly(0, 'f0'))) }]);
      await other.router.idle();
      expect(existsSync(path)).toBe(true);
      const lines = readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { incident: { change: string } });
      expect(lines.map((l) => l.incident.change)).toEqual(['opened']);
    } finally {
      await other.stop();
    }
  });
});
