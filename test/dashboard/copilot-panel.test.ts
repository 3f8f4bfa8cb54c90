import { serve, type ServerType } from '@hono/node-server';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../dashboard/build.js';
import { createApiApp } from '../../shared/api/app.js';
import { loadConfig } from '../../shared/config/env.js';
import { DEMO, writeDemoWarehouse } from '../../shared/copilot/eval/demo-warehouse.js';
import { createApiRuntime } from '../../shared/runtime/api-runtime.js';
import { createCopilotRuntime, provideCopilotRuntime } from '../../shared/runtime/copilot-runtime.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { CHROMIUM, launchChromium, type HeadlessChromium } from '../support/browser.js';
import { FakeOllama } from '../support/fake-ollama.js';

/**
 * The dashboard's copilot panel in Debian's chromium: the api function (serving the built page and forwarding
 * POST /copilot/v1/ask) in front of the real copilot function, whose model is a local server speaking Ollama's API.
 */
const noBrowser = !existsSync(CHROMIUM) && process.env.CI !== 'true';
if (noBrowser)
  console.warn(
    `copilot panel browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium, or set KILOWATCH_CHROMIUM)`,
  );

const SQL = 'SELECT device_id, count(*) AS n FROM copilot_readings GROUP BY device_id ORDER BY device_id';

let dir: string;
let warehouse: DuckDbWarehouse;
let copilot: Server;
let api: ServerType;
let base: string;
let browser: HeadlessChromium;
let ollama: FakeOllama;

// The model calls run_sql, then answers from the rows the tool message hands it.
function script(request: { messages: Array<{ role: string; content: string }> }) {
  const last = request.messages.at(-1)!;
  if (last.role !== 'tool') return { tool_calls: [{ function: { name: 'run_sql', arguments: { sql: SQL } } }] };
  const rows = (JSON.parse(last.content) as { rowCount: number }).rowCount;
  return { content: `The readings come from ${rows} devices.` };
}

async function useModel(llm: Record<string, string>): Promise<void> {
  const config = loadConfig({ KILOWATCH_DATA_DIR: dir, LOG_LEVEL: 'error', ...llm });
  provideCopilotRuntime(await createCopilotRuntime(config, { warehouse, now: () => Date.parse(DEMO.now) }));
}

beforeAll(async () => {
  if (noBrowser) return;
  dir = mkdtempSync(join(tmpdir(), 'kw-copilot-panel-'));
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await writeDemoWarehouse(warehouse);
  ollama = await new FakeOllama(script).listen();
  await import('../../functions/copilot/index.js');
  copilot = getTestServer('copilot');
  await new Promise<void>((resolve) => copilot.listen(0, '127.0.0.1', resolve));
  const { dir: dashboardDir } = await buildDashboard(join(dir, 'dashboard'));
  const copilotUrl = `http://127.0.0.1:${(copilot.address() as AddressInfo).port}`;
  const config = loadConfig({
    KILOWATCH_DATA_DIR: dir,
    KILOWATCH_DASHBOARD_DIR: dashboardDir,
    KILOWATCH_COPILOT_URL: copilotUrl,
    LOG_LEVEL: 'error',
  });
  const { deps, options } = await createApiRuntime(config, warehouse);
  api = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: createApiApp(deps, options).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(api.address() as AddressInfo).port}/`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  if (noBrowser) return;
  await browser.close();
  await new Promise<void>((resolve) => api.close(() => resolve()));
  copilot.closeAllConnections();
  await new Promise<void>((resolve) => copilot.close(() => resolve()));
  await ollama.close();
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function askInPanel(page: Page, question: string, turn: number): Promise<void> {
  await page.fill('#copilot textarea', question);
  await page.click('#copilot button[type=submit]');
  await page.waitForSelector(
    `#copilot .copilot-turn:nth-child(${turn})[data-state=done], #copilot .copilot-turn:nth-child(${turn})[data-state=error]`,
    { timeout: 20_000 },
  );
}

describe.skipIf(noBrowser)('copilot panel', () => {
  it('shows the answer, the tool step with its SQL and rows, and the citation; keeps the conversation', async () => {
    await useModel({ KILOWATCH_LLM: 'ollama', KILOWATCH_LLM_MODEL: 'qwen3:8b', OLLAMA_HOST: ollama.url });
    const { page, problems } = await browser.page();
    await page.goto(`${base}#/pipeline`);
    await page.waitForSelector('#copilot:not([hidden]) textarea');
    const streamed = page.waitForResponse((r) => r.url().endsWith('/copilot/v1/ask'));
    await askInPanel(page, 'How many devices send readings?', 1);
    // The api forwards the copilot's event stream; the panel reads it rather than waiting for JSON.
    expect((await streamed).headers()['content-type']).toMatch(/^text\/event-stream/);

    const devices = await warehouse.query(`SELECT count(DISTINCT device_id) AS n FROM readings`);
    const turn = page.locator('#copilot .copilot-turn').nth(0);
    expect(await turn.getAttribute('data-state')).toBe('done');
    expect(await turn.locator('.copilot-answer').textContent()).toBe(
      `The readings come from ${Number(devices[0]!.n)} devices.`,
    );
    const step = turn.locator('.copilot-step');
    expect(await step.count()).toBe(1);
    expect(await step.locator('summary').textContent()).toMatch(
      new RegExp(`^run_sql ✓ \\d+ ms · ${Number(devices[0]!.n)} rows$`),
    );
    await step.locator('summary').click();
    expect(await step.locator('.copilot-args').isVisible()).toBe(true);
    expect(JSON.parse((await step.locator('.copilot-args').textContent())!)).toEqual({ sql: SQL });
    expect(await step.locator('.copilot-sql').textContent()).toContain('copilot_readings');
    const chips = turn.locator('.copilot-citations .chip');
    expect(await chips.count()).toBe(1);
    expect(await chips.first().textContent()).toMatch(/^run_sql: .*copilot_readings/s);

    // The second question continues the conversation: the model sees the first turn.
    const conversation = await page.getAttribute('#copilot', 'data-conversation');
    expect(conversation).toMatch(/^[\w-]+$/);
    await askInPanel(page, 'And again?', 2);
    expect(await page.getAttribute('#copilot', 'data-conversation')).toBe(conversation);
    const lastRequest = ollama.requests.at(-1)!;
    expect(lastRequest.messages.map((m) => m.content)).toContain('How many devices send readings?');
    expect(lastRequest.messages.map((m) => m.content)).toContain(
      `The readings come from ${Number(devices[0]!.n)} devices.`,
    );
    expect(problems).toEqual([]);
  });

  it('shows how to configure a model when KILOWATCH_LLM=none', async () => {
    await useModel({ KILOWATCH_LLM: 'none' });
    const asked = ollama.requests.length;
    const { page } = await browser.page();
    await page.goto(`${base}#/pipeline`);
    await page.waitForSelector('#copilot:not([hidden]) textarea');
    await askInPanel(page, 'Anything?', 1);
    const error = page.locator('#copilot .copilot-turn[data-state=error] [role=alert]');
    expect(await error.textContent()).toMatch(
      /^503: no language model is configured: set KILOWATCH_LLM=ollama with KILOWATCH_LLM_MODEL=/,
    );
    expect(ollama.requests.length).toBe(asked);
  });
});
