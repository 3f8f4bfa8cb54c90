import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/env.js';
import { DEMO, writeDemoWarehouse } from '../../shared/copilot/eval/demo-warehouse.js';
import { ScriptedLlm } from '../../shared/copilot/eval/scripted-llm.js';
import type { Llm } from '../../shared/llm/port.js';
import { createCopilotRuntime, provideCopilotRuntime } from '../../shared/runtime/copilot-runtime.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { copilotCalls } from '../../shared/warehouse/schema/tables.js';

let dir: string;
let warehouse: DuckDbWarehouse;
let server: Server;
let url: string;
const histories: number[] = [];

const model = new ScriptedLlm((question, options) => {
  histories.push(options.history.length);
  return {
    turns: [
      () => [
        {
          name: 'series_stats',
          args: {
            deviceId: DEMO.meter,
            metric: 'usage_kwh',
            from: '2018-03-01T00:00:00+09:00',
            to: '2018-03-02T00:00:00+09:00',
            groupBy: 'none',
            compareWith: null,
          },
        },
      ],
    ],
    answer: (results) =>
      `On 1 March the plant used ${(results[0]?.content as { window: { sum: number } }).window.sum} kWh (${question.length} chars asked).`,
  };
});

async function use(env: Record<string, string>, llm: Llm | undefined, nowMs = Date.parse(DEMO.now)): Promise<void> {
  const runtime = await createCopilotRuntime(loadConfig({ KILOWATCH_DATA_DIR: dir, ...env }), {
    warehouse,
    now: () => nowMs,
    ...(llm ? { llm } : {}),
  });
  provideCopilotRuntime(runtime);
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-copilot-http-'));
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await writeDemoWarehouse(warehouse);
  await import('../../functions/copilot/index.js');
  server = getTestServer('copilot');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('copilot function over HTTP', () => {
  it('answers POST /v1/ask with the answer, steps, citations and usage, and records the calls and turns', async () => {
    await use({}, model);
    const response = await post('/v1/ask', { question: 'How much did we use on 1 March?' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      answer: string;
      conversationId: string;
      steps: Array<{ tool: string; ok: boolean }>;
      citations: unknown[];
      usage: { inputTokens: number; toolCalls: number };
    };
    expect(body.answer).toMatch(/^On 1 March the plant used \d+(\.\d+)? kWh/);
    expect(body.steps).toMatchObject([{ tool: 'series_stats', ok: true }]);
    expect(body.citations).toHaveLength(1);
    expect(body.usage.toolCalls).toBe(1);
    expect(body.usage.inputTokens).toBeGreaterThan(0);
    const calls = await warehouse.query(
      `SELECT kind, name FROM copilot_calls WHERE conversation_id = $c ORDER BY call_id`,
      { c: body.conversationId },
    );
    expect(calls).toEqual([
      { kind: 'model', name: 'scripted' },
      { kind: 'model', name: 'scripted' },
      { kind: 'tool', name: 'series_stats' },
    ]);

    // The conversation continues with its history (cut to the context by tokens).
    const again = await post('/v1/ask', { question: 'And again?', conversationId: body.conversationId });
    expect(again.status).toBe(200);
    expect(histories.slice(-2)).toEqual([0, 2]);
    const turns = await warehouse.query(
      `SELECT position, role FROM copilot_turns WHERE conversation_id = $c ORDER BY position`,
      { c: body.conversationId },
    );
    expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('streams server-sent events: the step, text, then the answer', async () => {
    await use({}, model);
    const response = await post('/v1/ask', { question: 'Stream it' }, { accept: 'text/event-stream' });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = [...(await response.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(['step', 'text', 'answer']);
  });

  it('refuses a bad body naming the field', async () => {
    await use({}, model);
    const response = await post('/v1/ask', { question: '', extra: 1 });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/question/);
  });

  it('answers 503 saying how to configure a model when KILOWATCH_LLM=none', async () => {
    await use({ KILOWATCH_LLM: 'none' }, undefined);
    const response = await post('/v1/ask', { question: 'Anyone there?' });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { detail: string }).detail).toMatch(
      /KILOWATCH_LLM=ollama.*KILOWATCH_LLM=vertex/,
    );
  });

  it('answers 429 past the per-caller rate and past the daily token budget', async () => {
    await use({ KILOWATCH_COPILOT_RATE_PER_MIN: '1', KILOWATCH_COPILOT_BURST: '1' }, model);
    expect((await post('/v1/ask', { question: 'one' })).status).toBe(200);
    const limited = await post('/v1/ask', { question: 'two' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The next UTC day: copilot_calls holds nothing of it yet, so this counts what the process spends.
    const nextDay = Date.parse(DEMO.now) + 86_400_000;
    await use({ KILOWATCH_COPILOT_DAILY_TOKENS: '60001', KILOWATCH_COPILOT_MAX_TOKENS: '60000' }, model, nextDay);
    expect((await post('/v1/ask', { question: 'one' })).status).toBe(200);
    const spent = await post('/v1/ask', { question: 'two' });
    expect(spent.status).toBe(429);
    expect(((await spent.json()) as { detail: string }).detail).toMatch(/daily token budget/);
  });

  it('an identity header escapes the per-caller rate only where it is trusted (KILOWATCH_COPILOT_TRUST_IAP)', async () => {
    const limits = { KILOWATCH_COPILOT_RATE_PER_MIN: '1', KILOWATCH_COPILOT_BURST: '1' };
    const as = (who: string) => ({ 'x-goog-authenticated-user-email': `accounts.google.com:${who}@plant.example` });
    await use(limits, model);
    expect((await post('/v1/ask', { question: 'one' }, as('a'))).status).toBe(200);
    // Untrusted, a new name per request is still the same client address.
    expect((await post('/v1/ask', { question: 'two' }, as('b'))).status).toBe(429);
    await use({ ...limits, KILOWATCH_COPILOT_TRUST_IAP: 'true' }, model);
    expect((await post('/v1/ask', { question: 'one' }, as('c'))).status).toBe(200);
    expect((await post('/v1/ask', { question: 'two' }, as('d'))).status).toBe(200);
    expect((await post('/v1/ask', { question: 'three' }, as('d'))).status).toBe(429);
  });

  it('runs guarded SQL on POST /v1/sql, refusing with 422 and the rule', async () => {
    await use({}, model);
    const ok = await post('/v1/sql', { sql: 'SELECT count(*) AS n FROM copilot_alerts' });
    expect(((await ok.json()) as { rows: unknown[] }).rows).toEqual([{ n: 5 }]);
    const refused = await post('/v1/sql', { sql: 'DROP TABLE readings' });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ ok: false, rule: 'select_only' });
  });

  it('answers 429 on the daily token budget when copilot_calls of today (other instances) already spent it', async () => {
    // Another instance's calls today: this process has spent nothing yet.
    await warehouse.insert(copilotCalls, [
      {
        request_id: 'other-instance',
        conversation_id: 'other-instance',
        caller: 'someone-else',
        call_id: 'other-instance:m0',
        kind: 'model',
        name: 'scripted',
        started_at: new Date(Date.parse(DEMO.now) - 60_000).toISOString(),
        latency_ms: 10,
        tokens_in: 4_000_000,
        tokens_out: 1_000_000,
        tool_calls: 0,
        error: null,
        estimated_cost_usd: 0,
      },
    ]);
    await use({ KILOWATCH_COPILOT_DAILY_TOKENS: '4000000' }, model);
    const spent = await post('/v1/ask', { question: 'one' });
    expect(spent.status).toBe(429);
    expect(((await spent.json()) as { detail: string }).detail).toMatch(/daily token budget \(4000000 tokens\)/);
  });
});
