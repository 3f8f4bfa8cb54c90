import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../dashboard/build.js';
import { CHROMIUM, launchChromium, type HeadlessChromium } from '../support/browser.js';
import { anomalyMessage, publishAlerts } from '../support/alerts-topic.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

/**
 * The incidents page in Debian's chromium, served by the local stack's api, with the real router and notify
 * function applying what the page sends.
 */
const noBrowser = !existsSync(CHROMIUM) && process.env.CI !== 'true';
if (noBrowser)
  console.warn(
    `incidents browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium, or set KILOWATCH_CHROMIUM)`,
  );

const MIN = 60_000;
const T0 = Date.now() - 60 * MIN;

const anomaly = (deviceId: string, metric: string, minute: number) =>
  anomalyMessage(deviceId, metric, T0 + minute * MIN);

let dir: string;
let stack: TestStack;
let browser: HeadlessChromium;

beforeAll(async () => {
  if (noBrowser) return;
  dir = mkdtempSync(join(tmpdir(), 'kilowatch-incidents-'));
  const { dir: dashboardDir } = await buildDashboard(join(dir, 'dashboard'));
  stack = await startTestStack(
    { subscribe: ['notify'], alertsSweepMs: 0 },
    { KILOWATCH_DASHBOARD_DIR: dashboardDir, KILOWATCH_ALERT_GROUP_WAIT_MIN: '0' },
  );
  // One device's episode, and three machines of another site at once: a storm.
  const bodies = [
    anomaly('plant-q/press', 'power_kw', 0),
    anomaly('plant-s/m1', 'temperature_c', 10),
    anomaly('plant-s/m2', 'temperature_c', 11),
    anomaly('plant-s/m3', 'temperature_c', 12),
  ];
  await publishAlerts(stack, ...bodies);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  if (noBrowser) return;
  await browser.close();
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(noBrowser)('incidents page in chromium', () => {
  it('lists incidents (a storm names its devices); acknowledging, then resolving one from the page changes its state', async () => {
    const [press] = await stack.sql(
      `SELECT incident_id FROM incidents WHERE device_id = 'plant-q/press' AND change = 'opened'`,
    );
    const id = press?.incident_id as string;
    const { page, problems } = await browser.page();
    await page.goto(`${stack.apiUrl}#/incidents`);
    await page.waitForSelector('body[data-ready="incidents"]', { timeout: 20_000 });
    const row = page.locator(`tr[data-incident-id="${id}"]`);
    expect(await row.locator('td.state').textContent()).toBe('open');
    expect(await row.textContent()).toContain('power_kw');
    const storm = page.locator('tr', { hasText: 'plant-s/*' });
    expect(await storm.locator('.devices').textContent()).toBe('3 devices: plant-s/m1, plant-s/m2, plant-s/m3');

    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await row.getByLabel('Acknowledged by').fill('dana@plant');
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    // The row is replaced once the notify function has applied the command.
    const acked = page.locator(`tr[data-incident-id="${id}"] td.state`, { hasText: 'acknowledged' });
    await acked.waitFor({ timeout: 20_000 });
    expect(await page.locator(`tr[data-incident-id="${id}"] td.changed`).textContent()).toContain(
      'acknowledged by dana@plant',
    );
    const [latest] = await stack.sql(
      `SELECT state, actor FROM incidents WHERE incident_id = $id ORDER BY version DESC LIMIT 1`,
      { id },
    );
    expect(latest).toEqual({ state: 'acknowledged', actor: 'dana@plant' });
    // After a reload too; an acknowledged incident can still be resolved, no longer acknowledged.
    await page.reload();
    await page.waitForSelector('body[data-ready="incidents"]');
    const reloaded = page.locator(`tr[data-incident-id="${id}"]`);
    expect(await reloaded.locator('td.state').textContent()).toBe('acknowledged');
    expect(await reloaded.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    expect(await reloaded.getByRole('button', { name: 'Resolve' }).count()).toBe(1);

    await reloaded.getByRole('button', { name: 'Resolve' }).click();
    await reloaded.getByLabel('Resolved by').fill('eli@plant');
    await reloaded.getByRole('button', { name: 'Resolve' }).click();
    await page.locator(`tr[data-incident-id="${id}"] td.state`, { hasText: 'resolved' }).waitFor({ timeout: 20_000 });
    expect(await page.locator(`tr[data-incident-id="${id}"] td.changed`).textContent()).toContain(
      'resolved by eli@plant',
    );
    expect(await page.locator(`tr[data-incident-id="${id}"] button`).count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
