/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- responses are JSON checked field by field against expectations */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiApp } from '../../shared/api/app.js';
import { loadConfig, TOPICS, topicName, type TopicRole } from '../../shared/config/env.js';
import { createApiRuntime } from '../../shared/runtime/api-runtime.js';
import { bigQueryFields } from '../../shared/warehouse/schema/ddl.js';
import { incidents, TABLES, type IncidentRow } from '../../shared/warehouse/schema/tables.js';
import type { FakeBigQuery } from '../support/fake-bigquery.js';
import { FakePubSub } from '../support/fake-pubsub.js';
import { useFakeBigQuery, useGoogleAuthGuard } from '../support/google-fakes.js';

/** The api as deployed (KILOWATCH_BACKEND=gcp): incidents read from BigQuery, commands published to Pub/Sub. */
const PROJECT = 'kw-cloud';
const DATASET = 'kilowatch_dev';
const ID = 'b'.repeat(32);
const ROW: IncidentRow = {
  event_id: 'e1',
  incident_id: ID,
  version: 1,
  state: 'open',
  change: 'opened',
  device_id: 'plant-c/*',
  metric: null,
  kind: 'storm',
  severity: 'critical',
  opened_at: '2026-03-01T08:00:00.000Z',
  last_seen_at: '2026-03-01T08:10:00.000Z',
  anomalies: 9,
  peak_score: 0.97,
  devices: ['plant-c/m1', 'plant-c/m2', 'plant-c/m3'],
  metrics: ['power_kw'],
  message: 'storm',
  actor: 'kilowatch',
  changed_at: '2026-03-01T08:10:00.000Z',
  resolved_at: null,
  group_id: null,
};

let bigquery: FakeBigQuery;
let pubsub: FakePubSub;
let server: ServerType;
let base: string;

useGoogleAuthGuard();
useFakeBigQuery({ projectId: PROJECT, datasetId: DATASET, location: 'EU', tables: TABLES }, (f) => (bigquery = f));

beforeEach(async () => {
  const env = { KILOWATCH_BACKEND: 'gcp', KILOWATCH_ENV: 'dev' } as const;
  pubsub = await FakePubSub.start({
    projectId: PROJECT,
    topics: Object.keys(TOPICS).map((r) => topicName(env, r as TopicRole)),
  });
  const config = loadConfig({
    ...env,
    GOOGLE_CLOUD_PROJECT: PROJECT,
    KILOWATCH_BQ_DATASET: DATASET,
    KILOWATCH_BQ_LOCATION: 'EU',
    BIGQUERY_API_ENDPOINT: bigquery.url,
    PUBSUB_API_ENDPOINT: pubsub.endpoint,
    KILOWATCH_API_MAX_BYTES_BILLED: '2000000000',
    LOG_LEVEL: 'error',
  });
  // The one incident, to a listing and to a lookup of its id; nothing to a lookup of another.
  bigquery.onQuery((q) => {
    if (!q.query.includes('incidents_dedup')) return undefined;
    const wanted = q.params.incident?.value;
    return { fields: bigQueryFields(incidents), rows: wanted === '' || wanted === ID ? [ROW] : [] };
  });
  const { deps, options } = await createApiRuntime(config);
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: createApiApp(deps, options).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await pubsub.close();
  expect(pubsub.bugs).toEqual([]);
});

describe('incidents in the cloud (real BigQuery and Pub/Sub clients, REST fakes)', () => {
  it('lists from BigQuery with the read bounds, and publishes an acknowledgement on the alerts topic', async () => {
    const listed = (await (await fetch(`${base}/v1/incidents?state=open`)).json()) as any;
    expect(listed.items).toMatchObject([{ incidentId: ID, kind: 'storm', devices: ROW.devices, state: 'open' }]);
    const [query] = bigquery.queryRequests();
    expect(query!.body).toMatchObject({ maximumBytesBilled: '2000000000', useLegacySql: false });

    const res = await fetch(`${base}/v1/incidents/${ID}/acknowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'ana@plant' }),
    });
    expect(res.status).toBe(202);
    const sent = (await res.json()) as any;
    const [message] = pubsub.messages('alerts-dev');
    expect(sent).toMatchObject({ command: 'acknowledge', messageId: message!.messageId, stateBefore: 'open' });
    expect(JSON.parse(message!.data.toString('utf8'))).toEqual({
      command: 'acknowledge',
      incidentId: ID,
      by: 'ana@plant',
    });
    expect(message!.attributes).toEqual({ kind: 'acknowledge' });

    const unknown = await fetch(`${base}/v1/incidents/${'c'.repeat(32)}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'ana@plant' }),
    });
    expect(unknown.status).toBe(404);
    expect(pubsub.messages('alerts-dev')).toHaveLength(1);
  });
});
