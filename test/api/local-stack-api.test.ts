import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSteel, STEEL_DEVICE_ID, steelReading } from '../../shared/demo/steel.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack;
const steel = loadSteel();
const day = (d: number) => ({
  readings: steel.slice(d * 96, d * 96 + 96).map((row, i) => steelReading(row, d * 96 + i)),
});
const series = () =>
  `series?deviceId=${encodeURIComponent(STEEL_DEVICE_ID)}&metric=usage_kwh&from=2017-12-31T00:00:00Z&to=2018-01-10T00:00:00Z`;

beforeAll(async () => {
  stack = await startTestStack();
  stack.publish(day(0), day(1));
  await stack.router.idle();
});

afterAll(async () => {
  await stack.stop();
});

describe('api in the local stack', () => {
  it('listens on 127.0.0.1 and reads what ingest wrote to the shared DuckDB instance, including later writes', async () => {
    expect(new URL(stack.apiUrl).hostname).toBe('127.0.0.1');
    const before = await (await fetch(`${stack.apiUrl}v1/${series()}`)).json();
    expect(before).toMatchObject({ deviceId: STEEL_DEVICE_ID, unit: 'kWh', totalPoints: 192, downsampling: null });
    stack.publish(day(2));
    await stack.router.idle();
    const after = (await (await fetch(`${stack.apiUrl}v1/${series()}`)).json()) as { totalPoints: number };
    expect(after.totalPoints).toBe(288);
    const devices = (await (
      await fetch(`${stack.apiUrl}v1/devices?from=2017-12-31T00:00:00Z&to=2018-01-10T00:00:00Z`)
    ).json()) as { devices: Array<{ deviceId: string }> };
    expect(devices.devices.find((d) => d.deviceId === STEEL_DEVICE_ID)).toMatchObject({ readings: 288 * 6 });
  });

  it('is served without the functions framework: a body that is not JSON or too large is a problem document', async () => {
    const post = (body: string) =>
      fetch(`${stack.apiUrl}v1/estimate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const malformed = await post('{"rows": [');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await malformed.json()).toMatchObject({
      errors: [{ parameter: '(body)', detail: 'Malformed JSON in request body' }],
    });
    const big = await post(JSON.stringify({ rows: [], pad: 'x'.repeat(5 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { detail: string }).detail).toContain('at most 4194304 bytes');
  });

  it("forwards the dashboard's POST /copilot/v1/ask to the stack's copilot (no model configured: its 503)", async () => {
    const res = await fetch(`${stack.apiUrl}copilot/v1/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'hello?' }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { detail: string }).detail).toMatch(
      /^no language model is configured: set KILOWATCH_LLM=/,
    );
  });
});
