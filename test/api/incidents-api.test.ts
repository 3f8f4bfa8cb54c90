/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- responses are JSON checked field by field against expectations */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomalyMessage, publishAlerts } from '../support/alerts-topic.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const DAY = 86_400_000;
const MIN = 60_000;
const clock = { ms: Date.now() - 10 * DAY };

let stack: TestStack;

const anomaly = (deviceId: string, metric: string, id: string) =>
  anomalyMessage(deviceId, metric, clock.ms - 5 * MIN, id);
const anomalies = (...bodies: object[]) => publishAlerts(stack, ...bodies);

async function get(path: string): Promise<{ status: number; type: string | null; body: any }> {
  const res = await fetch(`${stack.apiUrl}${path.replace(/^\//, '')}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.apiUrl}${path.replace(/^\//, '')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
}

const idOf = async (deviceId: string, metric: string) =>
  (
    await stack.sql(`SELECT incident_id FROM incidents WHERE device_id = $d AND metric = $m AND change = 'opened'`, {
      d: deviceId,
      m: metric,
    })
  )[0]?.incident_id as string;

beforeAll(async () => {
  // The notify function's clock: a first incident 10 days ago, resolved then; two opened now.
  stack = await startTestStack(
    { subscribe: ['notify'], alertsSweepMs: 0, now: () => clock.ms },
    { KILOWATCH_ALERT_GROUP_WAIT_MIN: '0', KILOWATCH_API_TRUST_IAP: 'true' },
  );
  await anomalies(anomaly('plant-a/m1', 'temperature_c', 'old'));
  const old = await idOf('plant-a/m1', 'temperature_c');
  expect((await post(`/v1/incidents/${old}/resolve`, { by: 'old-hand' })).status).toBe(202);
  await stack.router.idle();
  clock.ms = Date.now();
  await anomalies(anomaly('plant-a/m1', 'power_kw', 'p1'));
  clock.ms += MIN;
  await anomalies(anomaly('plant-b/m2', 'vibration_mm_s', 'v1'));
}, 60_000);

afterAll(async () => {
  await stack.stop();
});

describe('incidents through the API (local stack: router, notify function, DuckDB, real HTTP)', () => {
  it('lists open and acknowledged incidents and a week of changes, newest change first, filtered', async () => {
    const all = await get('/v1/incidents');
    expect(all.status).toBe(200);
    expect(Date.parse(all.body.changedSince)).toBeGreaterThan(Date.now() - 7 * DAY - MIN);
    // The incident resolved 10 days ago is out of the week.
    expect(all.body.items.map((i: any) => [i.deviceId, i.metric, i.state])).toEqual([
      ['plant-b/m2', 'vibration_mm_s', 'open'],
      ['plant-a/m1', 'power_kw', 'open'],
    ]);
    expect(all.body.items[0]).toMatchObject({
      kind: 'anomaly',
      change: 'opened',
      changedBy: 'kilowatch',
      devices: ['plant-b/m2'],
      anomalies: 1,
      incidentId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect((await get('/v1/incidents?deviceId=plant-a%2Fm1')).body.items.map((i: any) => i.metric)).toEqual([
      'power_kw',
    ]);
    expect((await get('/v1/incidents?state=resolved')).body.items).toEqual([]);
    expect((await get('/v1/incidents?state=open,acknowledged&limit=1')).body.items).toHaveLength(1);
  });

  it('answers a bad parameter with a problem naming it', async () => {
    for (const [query, parameter, detail] of [
      ['state=closed', 'state', "'closed' is not one of open, acknowledged, resolved"],
      ['limit=0', 'limit', ''],
      ['limit=1001', 'limit', ''],
      ['color=red', 'color', 'unknown parameter; accepted: state, deviceId, limit'],
    ] as const) {
      const res = await get(`/v1/incidents?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.body.errors[0].parameter).toBe(parameter);
      expect(res.body.errors[0].detail).toContain(detail);
    }
  });

  it('acknowledges: 202 with the command sent; the notify function records who, seen by the next GET', async () => {
    const id = await idOf('plant-a/m1', 'power_kw');
    const sent = await post(`/v1/incidents/${id}/acknowledge`, { by: 'ana@plant' });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({
      command: 'acknowledge',
      incidentId: id,
      by: 'ana@plant',
      stateBefore: 'open',
      messageId: expect.any(String),
    });
    await stack.router.idle();
    const [row] = await stack.sql(
      `SELECT state, change, actor FROM incidents WHERE incident_id = $id ORDER BY version DESC LIMIT 1`,
      { id },
    );
    expect(row).toEqual({ state: 'acknowledged', change: 'acknowledged', actor: 'ana@plant' });
    const listed = (await get('/v1/incidents?state=acknowledged')).body.items;
    expect(listed.map((i: any) => [i.incidentId, i.state, i.changedBy])).toEqual([[id, 'acknowledged', 'ana@plant']]);
  });

  it('resolves; behind IAP the authenticated identity wins over the body', async () => {
    const id = await idOf('plant-b/m2', 'vibration_mm_s');
    const sent = await post(
      `/v1/incidents/${id}/resolve`,
      { by: 'someone' },
      { 'x-goog-authenticated-user-email': 'accounts.google.com:bo@example.com' },
    );
    expect(sent).toMatchObject({ status: 202, body: { command: 'resolve', by: 'bo@example.com' } });
    await stack.router.idle();
    const resolved = (await get('/v1/incidents?state=resolved&deviceId=plant-b%2Fm2')).body.items;
    expect(resolved).toMatchObject([
      { incidentId: id, state: 'resolved', change: 'resolved', changedBy: 'bo@example.com' },
    ]);
    expect(resolved[0].resolvedAt).toEqual(expect.any(String));
    // Resolved: no longer something to act on.
    const again = await post(`/v1/incidents/${id}/acknowledge`, { by: 'ana@plant' });
    expect(again.status).toBe(404);
  });

  it('404 for an unknown incident, 400 for a malformed id or body, naming what is accepted', async () => {
    const before = stack.router.stats.published;
    const unknown = await post(`/v1/incidents/${'f'.repeat(32)}/resolve`, { by: 'bo' });
    expect(unknown.status).toBe(404);
    expect(unknown.type).toMatch(/^application\/problem\+json/);
    expect(unknown.body.errors[0]).toMatchObject({ parameter: 'incidentId' });
    expect(unknown.body.detail).toContain('no open or acknowledged incident');

    const malformed = await post('/v1/incidents/nope/acknowledge', { by: 'bo' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0]).toMatchObject({ parameter: 'incidentId' });
    expect(malformed.body.errors[0].detail).toContain('32 lowercase hex digits');

    const id = await idOf('plant-a/m1', 'power_kw');
    for (const [body, parameter] of [
      [{}, 'by'],
      [{ by: '   ' }, 'by'],
      [{ by: 'bo', note: 'x' }, 'note'],
    ] as const) {
      const res = await post(`/v1/incidents/${id}/resolve`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors[0].parameter).toBe(parameter);
    }
    // Nothing refused was published.
    expect(stack.router.stats.published).toBe(before);
    expect((await get(`/v1/incidents?deviceId=plant-a%2Fm1`)).body.items[0].state).toBe('acknowledged');
  });

  it('documents the routes in /openapi.json', async () => {
    const doc = (await get('/openapi.json')).body;
    expect(Object.keys(doc.paths['/v1/incidents'] ?? {})).toEqual(['get']);
    for (const command of ['acknowledge', 'resolve']) {
      const op = doc.paths[`/v1/incidents/{incidentId}/${command}`]?.post;
      expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['202', '400', '404']));
    }
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Incident', 'Incidents']));
  });
});
