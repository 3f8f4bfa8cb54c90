import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, SWEEP_COMMAND, type LocalStack } from '../../../functions/local/host.js';
import type { Bus } from '../../bus/port.js';
import { loadConfig, type Config } from '../../config/env.js';
import { DeviceRegistry, type Device } from '../../devices/registry.js';
import { setLogLevel } from '../../log/logger.js';
import type { FaultLabel } from '../../simulate/faults.js';
import type { SimulationInput } from '../../simulate/generator.js';
import { deviceIdOf } from '../../simulate/generator.js';
import { limitsFromSpecs } from '../../simulate/metrics.js';
import { runSimulation } from '../../simulate/run.js';

/** `--name N` from the command line: a positive integer, or the fallback. */
export function intFlag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name}: a positive integer`);
  return value;
}

/**
 * Bearing wear per machine-day in the evaluations' plants (off by default in the simulator): both evaluations
 * run the same plant, so one kept run per seed serves both.
 */
export const BEARING_WEAR_PER_DAY = 0.08;

export interface SimulatedPlant {
  readonly config: Config;
  readonly stack: LocalStack;
  readonly labels: FaultLabel[];
  readonly startMs: number;
  readonly close: () => Promise<void>;
}

/** Publishes every message of the run under one ordering key: ingest sees each machine's readings in time order. */
function inOrder(bus: Bus): Bus {
  return {
    publish: (topic, messages) =>
      bus.publish(
        topic,
        messages.map((m) => ({ ...m, orderingKey: 'simulation' })),
      ),
    deadLetter: (l) => bus.deadLetter(l),
    close: () => bus.close(),
  };
}

/** `--keep <dir>` from the command line: where a run's warehouse and labels are kept (and found again). */
export function keepFlag(): string | undefined {
  const i = process.argv.indexOf('--keep');
  return i < 0 ? undefined : process.argv[i + 1];
}

/**
 * A simulated plant run through the real local stack (router, ingest, score, notify over HTTP, DuckDB in a
 * temp folder), ended with an alerts sweep: what the evaluations of alerts and recommendations read. With
 * `keep`, the folder stays, and a later call with the same folder and options reads the stored run instead of
 * simulating it again (the alerts and recommendations evaluations can share one run per seed).
 */
export async function runSimulatedPlant(options: {
  machines: number;
  days: number;
  seed: number;
  faults?: SimulationInput['faults'];
  keep?: string;
}): Promise<SimulatedPlant> {
  setLogLevel('error');
  const { keep, ...run } = options;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'kilowatch-eval-'));
  if (keep) mkdirSync(keep, { recursive: true });
  const donePath = join(dir, 'run.json');
  const done = existsSync(donePath) ? (JSON.parse(readFileSync(donePath, 'utf8')) as unknown) : undefined;
  if (done !== undefined && JSON.stringify(done) !== JSON.stringify(run))
    throw new Error(`${dir} holds another run (${JSON.stringify(done)}); use another --keep folder`);
  const config = loadConfig({
    ...process.env,
    KILOWATCH_DATA_DIR: dir,
    LOG_LEVEL: 'error',
    KILOWATCH_WEBHOOKS: `json=file:${join(dir, 'notifications.jsonl')}`,
  });
  const stack = await startLocalStack(config, { routerPort: 0, functionsPort: 0, alertsSweepMs: 0 });
  const close = async () => {
    await stack.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const device = DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE).get(deviceIdOf(0, options.machines));
    if (!device) throw new Error(`${config.KILOWATCH_DEVICES_FILE} has no simulated machines`);
    const labelsPath = join(dir, 'labels.jsonl');
    const startMs = Date.UTC(2026, 0, 5);
    if (done === undefined) await simulateInto(stack, config, run, device, startMs, labelsPath);
    const labels = readFileSync(labelsPath, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as FaultLabel);
    writeFileSync(donePath, JSON.stringify(run));
    return { config, stack, labels, startMs, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function simulateInto(
  stack: LocalStack,
  config: Config,
  options: { machines: number; days: number; seed: number; faults?: SimulationInput['faults'] },
  device: Device,
  startMs: number,
  labelsPath: string,
): Promise<void> {
  await runSimulation(
    {
      machines: options.machines,
      intervalS: 60,
      startMs,
      durationS: options.days * 86_400,
      seed: options.seed,
      ...(options.faults ? { faults: options.faults } : {}),
      timezone: device.timezone,
      limits: limitsFromSpecs(device.metricSpecs),
      historyPoints: config.KILOWATCH_HISTORY_POINTS,
    },
    { batch: 500, maxBytes: config.KILOWATCH_MAX_MESSAGE_BYTES, labelsPath, bus: inOrder(stack.deps.bus) },
  );
  await stack.router.idle();
  stack.router.publish('alerts', [{ data: Buffer.from(SWEEP_COMMAND) }]);
  await stack.router.idle();
}
