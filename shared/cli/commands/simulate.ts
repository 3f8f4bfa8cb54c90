import { Command, Option } from 'commander';
import { z } from 'zod';
import { loadConfig, type Config } from '../../config/env.js';
import { DeviceRegistry } from '../../devices/registry.js';
import { openBus } from '../../runtime/adapters.js';
import { FAULT_TYPES, faultRates, type FaultRates } from '../../simulate/faults.js';
import { deviceIdOf } from '../../simulate/generator.js';
import { limitsFromSpecs, SIM_DEVICE_FAMILY } from '../../simulate/metrics.js';
import { continuationStartMs, storedLatestMs } from '../../simulate/resume.js';
import { runSimulation } from '../../simulate/run.js';

const DURATION = /^(?:\d+(?:\.\d+)?[wdhms])+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)([wdhms])/g;
const UNIT_S: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Share used when --unit-variants or --ts-variants is given without a value. */
const DEFAULT_VARIANT_SHARE = 0.1;

export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(DURATION_PART)) seconds += Number(n) * (UNIT_S[unit as string] as number);
  return Math.round(seconds);
}

/** `none`, or `type=rate,...` over the fault types; unnamed types keep their defaults. */
export function parseFaultRates(text: string): FaultRates {
  if (text.trim() === 'none') return faultRates.parse(Object.fromEntries(FAULT_TYPES.map((f) => [f, 0])));
  const raw: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+)=(\d+(?:\.\d+)?(?:e-?\d+)?)$/i.exec(part);
    if (!m) throw new Error(`'${part}' is not type=rate (e.g. spike=0.002)`);
    if (!(FAULT_TYPES as readonly string[]).includes(m[1] as string))
      throw new Error(`unknown fault '${m[1]}'; known: ${FAULT_TYPES.join(', ')}`);
    raw[m[1] as string] = Number(m[2]);
  }
  const parsed = faultRates.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message} (value shares ≤ 1, stretch faults ≤ 50 a day)`)
        .join('; '),
    );
  }
  return parsed.data;
}

const share = (flag: string) =>
  z
    .union([z.literal(true), z.string()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return 0;
      if (v === true) return DEFAULT_VARIANT_SHARE;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > 1) {
        ctx.addIssue({ code: 'custom', message: `'${v}' is not a share between 0 and 1 (e.g. ${flag} 0.1)` });
        return z.NEVER;
      }
      return n;
    });

const int = (lo: number, hi: number, what: string) =>
  z.coerce
    .number({ error: `must be ${what}` })
    .int(`must be ${what}`)
    .min(lo, `must be ${what}`)
    .max(hi, `must be ${what}`);

export const simulateFlags = z.strictObject({
  machines: int(1, 999, 'an integer from 1 to 999'),
  interval: int(1, 86_400, 'whole seconds from 1 to 86400'),
  start: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || (ISO_INSTANT.test(v) && Number.isFinite(Date.parse(v))),
      'must be an ISO 8601 instant with Z or an offset, e.g. 2026-03-02T00:00:00Z',
    ),
  duration: z.string().transform((v, ctx) => {
    const seconds = parseDuration(v);
    if (seconds === undefined || seconds <= 0 || seconds > 400 * 86_400) {
      ctx.addIssue({
        code: 'custom',
        message: `'${v}' is not a duration such as 1d, 6h, 90m, 2w or 1d12h (at most 400d)`,
      });
      return z.NEVER;
    }
    return seconds;
  }),
  seed: int(0, 0xffffffff, 'an integer from 0 to 4294967295'),
  batch: int(1, 5_000, 'an integer from 1 to 5000'),
  labels: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  publish: z.boolean().default(false),
  unitVariants: share('--unit-variants'),
  tsVariants: share('--ts-variants'),
  rate: z.coerce
    .number({ error: 'must be messages per second, 0 for unpaced' })
    .min(0, 'must not be negative')
    .max(100_000),
  faultRates: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      try {
        return parseFaultRates(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});
export type SimulateFlags = z.output<typeof simulateFlags>;

const flagName = (key: PropertyKey | undefined) =>
  `--${String(key ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Validated flags, or an error naming each bad flag and what it accepts. */
export function parseSimulateFlags(raw: Record<string, unknown>): SimulateFlags {
  const parsed = simulateFlags.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`simulate: ${parsed.error.issues.map((i) => `${flagName(i.path[0])}: ${i.message}`).join('; ')}`);
  }
  const flags = parsed.data;
  if (!flags.out && !flags.publish) throw new Error('simulate: nothing to do; give --out FILE and/or --publish');
  return flags;
}

async function simulateAction(raw: Record<string, unknown>): Promise<void> {
  const flags = parseSimulateFlags(raw);
  const config: Config = loadConfig();
  if (flags.batch > config.KILOWATCH_MAX_BATCH) {
    throw new Error(
      `simulate: --batch: ${flags.batch} is above KILOWATCH_MAX_BATCH (${config.KILOWATCH_MAX_BATCH}); ingest would reject the messages as batch_too_large`,
    );
  }
  const registry = DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE);
  const device = registry.get(deviceIdOf(0, flags.machines));
  if (!device) {
    throw new Error(
      `simulate: ${config.KILOWATCH_DEVICES_FILE} has no ${SIM_DEVICE_FAMILY} family; ingest would reject every reading as unknown_device`,
    );
  }
  if (flags.duration < flags.interval)
    throw new Error(`simulate: --duration: shorter than one --interval (${flags.interval} s): no reading to send`);
  const deviceIds = Array.from({ length: flags.machines }, (_, i) => deviceIdOf(i, flags.machines));
  // Published without --start, the window continues after what is stored, so nothing lands among values already
  // scored and a rerun adds only what is missing; a file (--out) gets the last --duration.
  const latestMs = flags.publish && flags.start === undefined ? await storedLatestMs(config, deviceIds) : undefined;
  const startMs =
    flags.start !== undefined ? Date.parse(flags.start) : continuationStartMs(latestMs, flags.duration, flags.interval);
  // A continuation stops at now (no readings from the future): what is already stored up to now is never sent again.
  const durationS =
    latestMs === undefined
      ? flags.duration
      : Math.min(flags.duration, Math.floor((Date.now() - startMs) / 1000 / flags.interval) * flags.interval);
  if (durationS < flags.interval) {
    process.stdout.write(
      `${JSON.stringify({ readings: 0, messages: 0, published: 0, window: { continuedAfter: new Date(latestMs ?? startMs).toISOString(), note: 'nothing missing up to now; give --start for another window' } })}\n`,
    );
    return;
  }

  const bus = flags.publish ? await openBus(config) : undefined;
  try {
    const summary = await runSimulation(
      {
        machines: flags.machines,
        intervalS: flags.interval,
        startMs,
        durationS,
        seed: flags.seed,
        ...(flags.faultRates ? { faults: flags.faultRates } : {}),
        unitVariants: flags.unitVariants,
        tsVariants: flags.tsVariants,
        timezone: device.timezone,
        limits: limitsFromSpecs(device.metricSpecs),
        historyPoints: config.KILOWATCH_HISTORY_POINTS,
      },
      {
        batch: flags.batch,
        maxBytes: config.KILOWATCH_MAX_MESSAGE_BYTES,
        ...(flags.out ? { outPath: flags.out } : {}),
        ...(flags.labels ? { labelsPath: flags.labels } : {}),
        ...(bus ? { bus } : {}),
        messagesPerSecond: flags.rate,
      },
    );
    const window = { from: new Date(startMs).toISOString(), to: new Date(startMs + durationS * 1000).toISOString() };
    const continued = latestMs === undefined ? {} : { continuedAfter: new Date(latestMs).toISOString() };
    process.stdout.write(`${JSON.stringify({ ...summary, window: { ...window, ...continued } })}\n`);
  } catch (error) {
    if (bus && config.KILOWATCH_BACKEND === 'local') {
      throw new Error(`${(error as Error).message} (is the local stack running? start it with npm start)`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    await bus?.close();
  }
}

export const simulateCommand = new Command('simulate')
  .description(
    'generate a synthetic plant of machines with labelled faults; write the messages to a file and/or publish them to the readings topic',
  )
  .option('--machines <n>', 'number of machines, sim-plant/machine-01 ...', '5')
  .option('--interval <seconds>', 'seconds between readings of a machine', '60')
  .option(
    '--start <iso>',
    'first reading, ISO 8601 with Z or offset (default with --publish: the step after the latest stored reading of these machines, up to now; else --duration before now)',
  )
  .option('--duration <span>', 'how long to simulate: 1d, 6h, 90m, 2w, 1d12h', '1d')
  .option('--seed <n>', 'seed: the same seed and start give the same readings and labels', '1')
  .option('--batch <n>', 'readings per published message', '500')
  .option('--out <file>', 'write one published message { "readings": [...] } per line (the input of kilowatch clean)')
  .option('--labels <file>', 'write one fault label per line: { deviceId, ts, metric, fault, start?, end?, clean? }')
  .option(
    '--publish',
    'publish the messages to the readings topic (local router, or Pub/Sub when KILOWATCH_BACKEND=gcp)',
  )
  .option('--rate <msgs/s>', 'messages per second when publishing; 0 publishes as fast as the bus accepts', '0')
  .addOption(
    new Option(
      '--unit-variants [share]',
      'send a share of readings in other units: power in W, temperature in °F or K, ...',
    ),
  )
  .addOption(
    new Option(
      '--ts-variants [share]',
      'stamp a share of readings plant-local (dd/mm/yyyy HH:MM), with an offset or as epoch s/ms',
    ),
  )
  .option(
    '--fault-rates <spec>',
    `none, or type=rate,... over ${FAULT_TYPES.join(', ')} (value faults: share of values; stretch faults: per machine per day)`,
  )
  .action(async (options: Record<string, unknown>) => simulateAction(options));
