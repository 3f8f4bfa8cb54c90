import { loadConfig } from '../../shared/config/env.js';
import { loadSteel, STEEL_DEVICE_ID, steelReading } from '../../shared/demo/steel.js';
import { replay } from '../../shared/demo/replay.js';
import { continuationStartMs, latestReadingMs } from '../../shared/simulate/resume.js';
import { deviceIdOf } from '../../shared/simulate/generator.js';
import { runSimulation } from '../../shared/simulate/run.js';
import { statsOf } from '../../shared/stats/warehouse-stats.js';
import { doneText, localEndpoints, progressText, say, startedText } from './console-summary.js';
import { startLocalStack } from './host.js';

/**
 * `npm start`: the whole pipeline on this machine with the embedded adapters, fed by the steel plant's
 * year of readings replayed as device steel-plant/main-meter (one day per message, 20 days a second; the
 * last ten days each after a forecast tick) and by five simulated machines.
 */
const config = loadConfig();
const stack = await startLocalStack(config);
const endpoints = localEndpoints(stack);
const warehousePath = `${config.KILOWATCH_DATA_DIR}/warehouse.duckdb`;
say(startedText(endpoints, warehousePath), { endpoints, warehouse: warehousePath });

const abort = new AbortController();
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  abort.abort();
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

// Resume after what an earlier run stored: a restart replays only what is missing.
const [latest] = await stack.deps.warehouse.recentReadings(STEEL_DEVICE_ID, 1);
const resumeAfter = latest ? Date.parse(latest.ts) : -Infinity;
const steel = loadSteel()
  .map((row, i) => ({ row, seq: i }))
  .filter(({ row }) => row.tsMs > resumeAfter);
const readings = steel.map(({ row, seq }) => steelReading(row, seq));
// The year's last days go one at a time, each after a forecast tick as Cloud Scheduler sends every night:
// the day gets its day-ahead forecast before its readings arrive, and the score function scores them
// against it (after four days of residuals to learn from). The rest of the year goes first, unpaced by ticks.
const STEEL_DAY = 96;
const STEEL_SITE = { site: 'steel-plant' };
const FORECASTED_DAYS = 10;
const split = Math.max(0, readings.length - FORECASTED_DAYS * STEEL_DAY);
async function simulatedSinceStored(): Promise<{ readings: number }> {
  const machines = 5;
  const ids = Array.from({ length: machines }, (_, i) => deviceIdOf(i, machines));
  const startMs = continuationStartMs(await latestReadingMs(stack.deps.warehouse, ids), 12 * 3600, 60);
  const durationS = Math.floor((Date.now() - startMs) / 60_000) * 60;
  if (durationS < 60) return { readings: 0 };
  return runSimulation(
    { machines, startMs, durationS, seed: 1 },
    {
      batch: 500,
      maxBytes: config.KILOWATCH_MAX_MESSAGE_BYTES,
      bus: stack.deps.bus,
      messagesPerSecond: 5,
      to: { site: 'sim-plant' },
    },
  );
}

const PROGRESS_EVERY_MS = 3000;
let lastProgress = Date.now();
const progress = (steel: number, ticks?: { done: number; total: number }) => {
  if (!ticks && Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
  lastProgress = Date.now();
  say(progressText({ steel, steelTotal: readings.length, ...(ticks ? { ticks } : {}) }), {
    steel,
    steelTotal: readings.length,
    ...ticks,
  });
};
if (readings.length === 0) say('demo: the steel plant year is already stored (a restart replays only what is missing)');
const tick = async () => {
  await stack.deps.bus.publish('forecastTick', [{ data: '{}' }]);
  await stack.router.idle();
};
const [bulk, simulated] = await Promise.all([
  // Each plant publishes to its own site topic, as its devices do in the cloud.
  replay(stack.deps.bus, readings.slice(0, split), {
    batch: STEEL_DAY,
    messagesPerSecond: 20,
    signal: abort.signal,
    to: STEEL_SITE,
    onProgress: (p) => progress(p),
  }),

  // Five simulated machines, the last twelve hours at one reading a minute, faults included: enough for
  // the streaming detector to learn each series (388 values) and then score it. A restart continues after
  // what is stored, up to now, with the same seed: nothing twice.
  simulatedSinceStored(),
]);
say(
  `demo: ${bulk.toLocaleString('en-US')} steel and ${simulated.readings.toLocaleString('en-US')} simulated readings published; waiting for ingest and scoring to catch up`,
);
const catchUp = setInterval(() => {
  const { delivered, published } = stack.router.stats;
  say(`demo: ${delivered.toLocaleString('en-US')} of ${published.toLocaleString('en-US')} pushed messages handled`, {
    delivered,
    published,
  });
}, PROGRESS_EVERY_MS);
await stack.router.idle();
clearInterval(catchUp);
let published = bulk;
for (let day = split; day < readings.length && !abort.signal.aborted; day += STEEL_DAY) {
  await tick();
  published += await replay(stack.deps.bus, readings.slice(day, day + STEEL_DAY), {
    batch: STEEL_DAY,
    messagesPerSecond: 0,
    signal: abort.signal,
    to: STEEL_SITE,
  });
  await stack.router.idle();
  progress(published, { done: (day - split) / STEEL_DAY + 1, total: Math.ceil((readings.length - split) / STEEL_DAY) });
}
// The last tick forecasts the day after the data: what an operator sees as tomorrow's forecast.
await tick();
const stats = await statsOf(config, stack.deps.warehouse);
say(doneText(stats, { steel: published, simulated: simulated.readings }, endpoints), {
  steelReadings: published,
  simulatedReadings: simulated.readings,
  stats,
});
