/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- answers are JSON checked field by field */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiApp } from '../../functions/api/index.js';
import { startApiServer, type ApiServer } from '../support/api-server.js';

/** Requests a client gets wrong: each is answered 4xx naming what is wrong, never a 500. */
let api: ApiServer;
const dashboard = mkdtempSync(join(tmpdir(), 'kw-attack-dashboard-'));

beforeAll(async () => {
  writeFileSync(join(dashboard, 'index.html'), '<!doctype html><title>kilowatch</title>');
  api = await startApiServer(() => Promise.resolve(), { env: { KILOWATCH_DASHBOARD_DIR: dashboard } });
});
afterAll(async () => {
  await api.stop();
  rmSync(dashboard, { recursive: true, force: true });
});

const row = { ts: '2018-01-01T00:15:00Z', laggingKvarh: 1, laggingPf: 90, leadingKvarh: 0, leadingPf: 100 };

describe('api input a client gets wrong', () => {
  it('answers a path that is not valid percent-encoding with a 400 problem, not a 500', async () => {
    // Under the functions framework its router refuses the path first; the local host serves the app itself.
    expect((await api.get('/%E0%A4%A')).status).toBe(400);
    const res = await (await apiApp()).request('/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers an estimate with a model that does not exist 404, naming the model', async () => {
    const res = await api.post('/v1/estimate', { model: 'no-such-model', rows: [row] });
    expect(res.status).toBe(404);
    expect(res.body.errors).toEqual([{ parameter: 'model', detail: expect.stringContaining('no-such-model') }]);
    // The answer names the model, not the server's folders.
    expect(res.body.detail).not.toContain(tmpdir());
  });

  it('answers an estimate with a model that is no estimator 400, naming the model', async () => {
    const res = await api.post('/v1/estimate', { model: 'steel-forecast', rows: [row] });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ parameter: 'model', detail: expect.stringContaining('not an estimator') }]);
  });

  it('still estimates with the default model', async () => {
    const res = await api.post('/v1/estimate', { rows: [row] });
    expect(res.status).toBe(200);
    expect(res.body.model).toBe('steel-estimate');
  });
});
