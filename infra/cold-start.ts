/**
 * Cold start of a staged function folder, measured locally: spawns the functions framework in the folder (after
 * `npm install --omit=dev` there) and POSTs one push delivery, as Pub/Sub push sends it, until the function
 * answers; prints the milliseconds from spawn to that answer. Local backend, empty warehouse in a temp folder.
 *
 * Usage: npx tsx infra/cold-start.ts <staged folder> <score|forecast> [port]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MESSAGES: Record<string, unknown> = {
  score: {
    readings: [
      {
        readingId: 'r1',
        deviceId: 'sim-plant/machine-01',
        ts: '2024-01-01T00:00:00.000Z',
        metric: 'power_kw',
        value: 12.5,
        unit: 'kW',
        flags: [],
      },
    ],
  },
  forecast: {},
};

async function main(): Promise<void> {
  const [dir, target, port = '19300'] = process.argv.slice(2);
  if (!dir || !target || !(target in MESSAGES))
    throw new Error('usage: npx tsx infra/cold-start.ts <staged folder> <score|forecast> [port]');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['node_modules/@google-cloud/functions-framework/build/src/main.js', `--target=${target}`, `--port=${port}`],
    {
      cwd: dir,
      env: {
        ...process.env,
        KILOWATCH_BACKEND: 'local',
        KILOWATCH_DATA_DIR: mkdtempSync(join(tmpdir(), 'kw-cold-')),
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const body = JSON.stringify({
    message: {
      data: Buffer.from(JSON.stringify(MESSAGES[target])).toString('base64'),
      messageId: 'm1',
      publishTime: new Date().toISOString(),
    },
    subscription: 'projects/kilowatch-local/subscriptions/cold-start',
  });
  const headers = {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': 'm1',
    'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
    'ce-source': '//pubsub.googleapis.com/projects/kilowatch-local/topics/cold-start',
  };
  try {
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers, body }).catch(
        () => undefined,
      );
      if (!response) {
        if (child.exitCode !== null) throw new Error(`the function exited (${child.exitCode}) before answering`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      await response.arrayBuffer();
      console.log(
        JSON.stringify({ target, status: response.status, firstAnswerMs: Math.round(performance.now() - started) }),
      );
      return;
    }
  } finally {
    child.kill();
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
