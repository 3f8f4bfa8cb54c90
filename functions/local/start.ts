import { loadConfig } from '../../shared/config/env.js';
import { loadSteel, STEEL_DEVICE_ID, steelReading } from '../../shared/demo/steel.js';
import { replay } from '../../shared/demo/replay.js';
import { log } from '../../shared/log/logger.js';
import { runSimulation } from '../../shared/simulate/run.js';
import { statsOf } from '../../shared/stats/warehouse-stats.js';
import { startLocalStack } from './host.js';

/**
 * `npm start`: the whole pipeline on this machine with the embedded adapters, fed by the steel plant's
 * year of readings replayed as device steel-plant/main-meter (one day per message, 20 days a second; the
 * last ten days each after a forecast tick) and by five simulated machines.
 */
const config = loadConfig();
const stack = await startLocalStack(config);
log.info('local stack up', {
  pubsubRestEndpoint: `http://127.0.0.1:${stack.routerPort}`,
  ingest: stack.ingestUrl,
  api: stack.apiUrl,
  apiReference: `${stack.apiUrl}docs`,
  copilot: `${stack.copilotUrl}v1/ask`,
  warehouse: `${config.KILOWATCH_DATA_DIR}/warehouse.duckdb`,
});

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
const FORECASTED_DAYS = 10;
const split = Math.max(0, readings.length - FORECASTED_DAYS * STEEL_DAY);
const tick = async () => {
  await stack.deps.bus.publish('forecastTick', [{ data: '{}' }]);
  await stack.router.idle();
};
const [bulk, simulated] = await Promise.all([
  replay(stack.deps.bus, readings.slice(0, split), { batch: STEEL_DAY, messagesPerSecond: 20, signal: abort.signal }),
  // Five simulated machines, the last twelve hours at one reading a minute, faults included: enough for
  // the streaming detector to learn each series (388 values) and then score it.
  runSimulation(
    { machines: 5, startMs: Math.round((Date.now() - 12 * 3_600_000) / 1000) * 1000, durationS: 12 * 3600, seed: Date.now() % 1_000_000 },
    { batch: 500, maxBytes: config.KILOWATCH_MAX_MESSAGE_BYTES, bus: stack.deps.bus, messagesPerSecond: 5 },
  ),
]);
await stack.router.idle();
let published = bulk;
for (let day = split; day < readings.length && !abort.signal.aborted; day += STEEL_DAY) {
  await tick();
  published += await replay(stack.deps.bus, readings.slice(day, day + STEEL_DAY), { batch: STEEL_DAY, messagesPerSecond: 0, signal: abort.signal });
  await stack.router.idle();
}
// The last tick forecasts the day after the data: what an operator sees as tomorrow's forecast.
await tick();
log.info('demo data published', {
  steelReadings: published,
  simulatedReadings: simulated.readings,
  stats: await statsOf(config, stack.deps.warehouse),
});
log.info('stack keeps running: publish to the readings topic, try `npx kilowatch stats`; Ctrl-C stops');
