import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.stop());

describe('npm start hosts the copilot', () => {
  it('answers /v1/ask with 503 and how to configure a model when none is', async () => {
    const response = await fetch(`${stack.copilotUrl}v1/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"question":"hello"}',
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/KILOWATCH_LLM=ollama/);
  });

  it('runs guarded SQL on the host warehouse, whose ingest keeps writing afterwards', async () => {
    const answer = (await (
      await fetch(`${stack.copilotUrl}v1/sql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'SELECT count(*) AS n FROM copilot_devices' }),
      })
    ).json()) as { ok: boolean; rows: Array<{ n: number }> };
    expect(answer.ok).toBe(true);
    expect(answer.rows[0]!.n).toBeGreaterThan(0);
    const refused = await fetch(`${stack.copilotUrl}v1/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'DELETE FROM readings' }),
    });
    expect(refused.status).toBe(422);
    // External access is now off for the whole instance: the pipeline's own writes must still work.
    stack.publish({ deviceId: 'steel-plant/main-meter', ts: '2018-01-01T00:15:00+09:00', metrics: { usage_kwh: 3.2 } });
    await expect
      .poll(
        async () => Number((await stack.sql("SELECT count(*) AS n FROM readings WHERE metric = 'usage_kwh'"))[0]?.n),
        { timeout: 20_000 },
      )
      .toBe(1);
  });
});
