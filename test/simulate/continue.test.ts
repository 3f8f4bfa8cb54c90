import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const run = promisify(execFile);
const HOUR_MS = 3_600_000;

interface Summary {
  readings: number;
  window: { from?: string; to?: string; continuedAfter?: string };
}

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

/** `kilowatch simulate --publish` against the running stack, as a user runs it beside `npm start`. */
async function simulate(args: string[]): Promise<Summary> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KILOWATCH_') && !k.startsWith('PUBSUB_')),
  );
  const env = {
    ...clean,
    KILOWATCH_BACKEND: 'local',
    KILOWATCH_LOCAL_PORT: String(stack.routerPort),
    KILOWATCH_DATA_DIR: stack.dir,
    LOG_LEVEL: 'error',
  };
  const { stdout } = await run(
    'node',
    ['bin/kilowatch.js', 'simulate', '--machines', '1', '--publish', '--fault-rates', 'none', ...args],
    { env, timeout: 60_000 },
  );
  await stack.router.idle();
  return JSON.parse(stdout) as Summary;
}

describe('kilowatch simulate --publish without --start', () => {
  it('continues after the latest stored reading up to now, and a rerun sends nothing twice', async () => {
    const start = new Date(Math.floor((Date.now() - 3 * HOUR_MS) / 60_000) * 60_000).toISOString();
    const first = await simulate(['--start', start, '--duration', '1h']);
    expect(first.readings).toBe(60);

    const continued = await simulate(['--duration', '1h']);
    expect(continued.window.continuedAfter).toBe(new Date(Date.parse(start) + HOUR_MS - 60_000).toISOString());
    expect(continued.window.from).toBe(first.window.to);
    expect(continued.readings).toBe(60);

    const rerun = await simulate(['--duration', '1h']);
    expect(Date.parse(rerun.window.continuedAfter ?? '')).toBeGreaterThanOrEqual(
      Date.parse(continued.window.to ?? '') - 60_000,
    );
    const [row] = await stack.sql("SELECT count(*) AS n FROM rejected WHERE reason IN ('duplicate', 'conflict')");
    expect(Number(row?.n)).toBe(0);
    const [stored] = await stack.sql(
      "SELECT count(DISTINCT ts) AS n FROM readings WHERE device_id = 'sim-plant/machine-01'",
    );
    expect(Number(stored?.n)).toBe(120 + rerun.readings);
  });
});
