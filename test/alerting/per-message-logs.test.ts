import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLogLevel } from '../../shared/log/logger.js';
import { anomalyMessage, publishAlerts } from '../support/alerts-topic.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** The level this run logs at (LOG_LEVEL, else info), restored after each window. */
const runLevel = LEVELS.find((l) => l === process.env.LOG_LEVEL) ?? 'info';

/** The INFO lines (pretty or JSON) written to stdout while `work` runs at LOG_LEVEL=info. */
async function infoLinesDuring(work: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    for (const line of text.split('\n')) if (/\bINFO\b/.test(line)) lines.push(line);
    return true;
  });
  setLogLevel('info');
  try {
    await work();
  } finally {
    setLogLevel(runLevel);
    vi.restoreAllMocks();
  }
  return lines;
}

/**
 * `npm start` logs at INFO: what each message's handling writes there buries the start-up summary (about 150
 * "alerts message handled" lines during the demo). Routine per-message outcomes are debug; one that needs
 * attention but repeats per message (late values at scoring) is summed, at most a line a minute.
 */
describe('per-message logs at INFO', () => {
  it('notify writes none for alert messages that open and extend incidents', async () => {
    stack = await startTestStack({ subscribe: ['notify'], alertsSweepMs: 0 });
    const t0 = Date.UTC(2024, 2, 1, 8);
    const lines = await infoLinesDuring(() =>
      publishAlerts(
        stack!,
        ...Array.from({ length: 30 }, (_, i) => anomalyMessage(`plant-q/m${i % 10}`, 'temperature_c', t0 + i * 60_000)),
      ),
    );
    expect(lines).toEqual([]);
  });

  it('score writes one line, not one per message, for many messages with late values', async () => {
    stack = await startTestStack({ subscribe: ['ingest', 'score'], alertsSweepMs: 0 });
    const t0 = Date.UTC(2024, 0, 1);
    const readings = Array.from({ length: 200 }, (_, minute) => ({
      deviceId: 'sim-plant/machine-q1',
      ts: new Date(t0 + minute * 60_000).toISOString(),
      metrics: { power_kw: 100 + (minute % 7) },
    }));
    // Newest first, one reading per message: nearly every value reaches the scorer after a newer one.
    const lines = await infoLinesDuring(async () => {
      stack!.publish(...readings.reverse());
      await stack!.router.idle();
    });
    // Still visible: the first late value is written at once, the next ones summed into a line a minute.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/late values not scored/);
  });
});
