import { loadConfig } from '../../shared/config/env.js';
import { loadSteel, STEEL_DEVICE_ID, steelReading } from '../../shared/demo/steel.js';
import { replay } from '../../shared/demo/replay.js';
import { log } from '../../shared/log/logger.js';
import { runSimulation } from '../../shared/simulate/run.js';
import { statsOf } from '../../shared/stats/warehouse-stats.js';
import { startLocalStack } from './host.js';

/**
 * `npm start`: the whole pipeline on this machine with the embedded adapters, fed by the steel plant's
 * year of readings replayed as device steel-plant/main-meter (one day per message, 20 days a second)
 * and by five simulated machines; then one forecast tick, as Cloud Scheduler sends every night.
 */
const config = loadConfig();
const stack = await startLocalStack(config);
log.info('local stack up', {
  pubsubRestEndpoint: `http://127.0.0.1:${stack.routerPort}`,
  ingest: stack.ingestUrl,
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
const [published, simulated] = await Promise.all([
  replay(
    stack.deps.bus,
    steel.map(({ row, seq }) => steelReading(row, seq)),
    { batch: 96, messagesPerSecond: 20, signal: abort.signal },
  ),
  // Five simulated machines, the last twelve hours at one reading a minute, faults included: enough for
  // the streaming detector to learn each series (388 values) and then score it.
  runSimulation(
    { machines: 5, startMs: Math.round((Date.now() - 12 * 3_600_000) / 1000) * 1000, durationS: 12 * 3600, seed: Date.now() % 1_000_000 },
    { batch: 500, maxBytes: config.KILOWATCH_MAX_MESSAGE_BYTES, bus: stack.deps.bus, messagesPerSecond: 5 },
  ),
]);
await stack.router.idle();
// What Cloud Scheduler does every night: a forecast tick; the steel plant gets its day-ahead forecast.
await stack.deps.bus.publish('forecastTick', [{ data: '{}' }]);
await stack.router.idle();
log.info('demo data published', {
  steelReadings: published,
  simulatedReadings: simulated.readings,
  stats: await statsOf(config, stack.deps.warehouse),
});
log.info('stack keeps running: publish to the readings topic, try `npx kilowatch stats`; Ctrl-C stops');
