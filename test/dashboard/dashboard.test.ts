import { serve, type ServerType } from '@hono/node-server';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../dashboard/build.js';
import { createApiApp } from '../../shared/api/app.js';
import { loadConfig } from '../../shared/config/env.js';
import { createApiRuntime } from '../../shared/runtime/api-runtime.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { CHROMIUM, launchChromium, type HeadlessChromium } from '../support/browser.js';
import { SEED, seedDashboard, seedTs } from './seed.js';

/** The built dashboard, served by the api app over real HTTP from a seeded DuckDB file, in Debian's chromium. */
// Without chromium (a laptop), the suite is skipped with the reason; CI installs it and never skips.
const noBrowser = !existsSync(CHROMIUM) && process.env.CI !== 'true';
if (noBrowser)
  console.warn(
    `dashboard browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium, or set KILOWATCH_CHROMIUM)`,
  );

let dir: string;
let warehouse: DuckDbWarehouse;
let server: ServerType;
let base: string;
let browser: HeadlessChromium;

beforeAll(async () => {
  if (noBrowser) return;
  dir = mkdtempSync(join(tmpdir(), 'kilowatch-dashboard-'));
  const { dir: dashboardDir } = await buildDashboard(join(dir, 'dashboard'));
  const config = loadConfig({ KILOWATCH_DATA_DIR: dir, KILOWATCH_DASHBOARD_DIR: dashboardDir, LOG_LEVEL: 'error' });
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await seedDashboard(warehouse);
  const { deps, options } = await createApiRuntime(config, warehouse);
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: createApiApp(deps, options).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  if (noBrowser) return;
  await browser.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(hash: string, page?: Page) {
  const opened = page ? { page, problems: [] as string[] } : await browser.page();
  await opened.page.goto(`${base}${hash}`);
  await opened.page.waitForSelector(`body[data-ready]`, { timeout: 20_000 });
  return opened;
}

/** RGBA of the chart canvas along one pixel column of the plot area, at time `ts` of the window [from, to]. */
async function column(page: Page, ts: string, window: { from: string; to: string }): Promise<number[][]> {
  const at = (Date.parse(ts) - Date.parse(window.from)) / (Date.parse(window.to) - Date.parse(window.from));
  return page.evaluate((fraction) => {
    // Browser-side, typed structurally: the test program has no DOM types.
    interface Box {
      offsetLeft: number;
      offsetTop: number;
      clientWidth: number;
      clientHeight: number;
    }
    interface Canvas extends Box {
      width: number;
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
    }
    const doc = (globalThis as unknown as { document: { querySelector(selector: string): unknown } }).document;
    const over = doc.querySelector('#series-chart .u-over') as Box;
    const canvas = doc.querySelector('#series-chart canvas') as Canvas;
    const ratio = canvas.width / canvas.clientWidth;
    const x = Math.round((over.offsetLeft + fraction * over.clientWidth) * ratio);
    const top = Math.round(over.offsetTop * ratio);
    const height = Math.round(over.clientHeight * ratio);
    // Three columns wide: a marker drawn at x is at least that wide.
    const data = canvas.getContext('2d').getImageData(x - 1, top, 3, height).data;
    const pixels: number[][] = [];
    for (let i = 0; i < data.length; i += 4) pixels.push([data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!]);
    return pixels;
  }, at);
}

const isMarker = ([r, g, b, a]: number[]) => a! > 200 && r! > 200 && g! < 70 && b! < 70; // #dc2626
const isBand = ([r, g, b, a]: number[]) => a! > 15 && a! < 120 && b! > 200 && r! > 90 && r! < 160 && g! < 90; // violet at 16 %
const isFlag = ([r, g, b, a]: number[]) => a! > 200 && r! > 200 && g! > 100 && g! < 140 && b! < 30; // #d97706

describe.skipIf(noBrowser)('dashboard in chromium', () => {
  it('renders every page without console errors', async () => {
    const { page, problems } = await browser.page();
    await open('', page);
    expect(await page.textContent('.devices-table')).toContain(SEED.device);
    expect(await page.textContent('#open-alerts')).toContain('usage_kwh 420 is anomalous');
    for (const [hash, text] of [
      ['#/alerts', 'usage_kwh 420 is anomalous'],
      ['#/pipeline', 'Rows by write time'],
      ['#/pipeline', 'Copilot calls'],
      ['#/models', 'steel-forecast'],
    ] as const) {
      await page.goto(`${base}${hash}`);
      await page.waitForSelector(`body[data-ready="${hash.slice(2)}"]`);
      expect(await page.textContent('main')).toContain(text);
    }
    // A series with neither readings nor a forecast in range: an empty chart with its note, no failed request.
    await page.goto(`${base}#/overview?device=${encodeURIComponent(SEED.device)}&metric=co2_t`);
    await page.waitForSelector('section.series.empty-series .chart-empty');
    expect(await page.textContent('#series-summary')).toContain('no forecast in this range');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws the forecast band, the known anomaly and the flagged reading on the series chart', async () => {
    const window = { from: seedTs(96), to: seedTs(3 * 96) };
    const { page, problems } = await open(
      `#/overview?device=${encodeURIComponent(SEED.device)}&metric=${SEED.metric}&from=${window.from}&to=${window.to}`,
    );
    expect(await page.getAttribute('section.series', 'data-state')).toBe('drawn');
    expect(await page.textContent('#series-summary')).toContain('1 anomalies');
    // The anomaly (day 3, 12:00) is inside the forecast: a red marker and the band in its column.
    const anomaly = await column(page, seedTs(SEED.anomaly), window);
    expect(anomaly.some(isMarker)).toBe(true);
    expect(anomaly.some(isBand)).toBe(true);
    // Three hours later: band, no marker. Day 2 (before the forecast's origin): neither.
    const later = await column(page, seedTs(SEED.anomaly + 12), window);
    expect(later.some(isBand)).toBe(true);
    expect(later.some(isMarker)).toBe(false);
    const before = await column(page, seedTs(96 + 60), window);
    expect(before.some(isBand)).toBe(false);
    expect(before.some(isMarker)).toBe(false);
    // The spike-flagged reading of day 2 gets an amber tick on the bottom edge, an unflagged one none.
    expect((await column(page, seedTs(SEED.spike), window)).some(isFlag)).toBe(true);
    expect(before.some(isFlag)).toBe(false);
    // A wheel zoom over the plot asks the API for the narrower window (the server downsamples to the chart's width).
    const box = (await page.locator('#series-chart .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const [zoomed] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/v1/series')),
      page.mouse.wheel(0, -300),
    ]);
    const params = new URL(zoomed.url()).searchParams;
    const span = Date.parse(params.get('to')!) - Date.parse(params.get('from')!);
    expect(span).toBeLessThan(Date.parse(window.to) - Date.parse(window.from));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('stores an acknowledgement: visible after a reload and in the warehouse', async () => {
    const { page, problems } = await open(`#/alerts?device=${encodeURIComponent(SEED.device)}&state=all`);
    const row = page.locator(`tr[data-alert-id="${SEED.alertId}"]`);
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await row.getByLabel('Acknowledged by').fill('operator-7');
    await row.getByLabel('Note').fill('valve checked');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.locator(`tr[data-alert-id="${SEED.alertId}"] .acked`).waitFor();
    await page.reload();
    await page.waitForSelector('body[data-ready="alerts"]');
    expect(await page.textContent(`tr[data-alert-id="${SEED.alertId}"] .ack`)).toContain('operator-7');
    expect(await page.textContent(`tr[data-alert-id="${SEED.alertId}"] .ack`)).toContain('valve checked');
    const stored = await warehouse.query('SELECT alert_id, acknowledged_by, note FROM alert_acks');
    expect(stored).toEqual([{ alert_id: SEED.alertId, acknowledged_by: 'operator-7', note: 'valve checked' }]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
