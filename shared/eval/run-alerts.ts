/**
 * `npm run eval:alerts`: the alert lifecycle on the simulator's labelled faults. A simulated plant goes
 * through the real local stack (router, ingest, score, notify over HTTP, DuckDB in a temp folder); the
 * incidents it opens are matched to the labelled fault episodes. Prints markdown; `--json <file>` writes the figures.
 *
 *   --machines N (10)  --days D (7)  --seed S (1)
 *
 * Baseline measured in the same run: the score function's raw alerts (one per anomalous value), matched the same way.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, SWEEP_COMMAND } from '../../functions/local/host.js';
import type { Bus } from '../bus/port.js';
import { loadConfig } from '../config/env.js';
import { DeviceRegistry } from '../devices/registry.js';
import type { FaultLabel, FaultType } from '../simulate/faults.js';
import { deviceIdOf } from '../simulate/generator.js';
import { limitsFromSpecs } from '../simulate/metrics.js';
import { runSimulation } from '../simulate/run.js';
import type { DuckDbWarehouse } from '../warehouse/duckdb.js';
import { setLogLevel } from '../log/logger.js';
import { alertQuality, type AlertQuality, type RaisedAlert } from './alerts/alert-quality.js';
import { episodesOf } from './alerts/episodes.js';

const TARGETS: readonly FaultType[] = ['overheating', 'drift'];
const MIN = 60_000;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name}: a positive integer`);
  return value;
}

/** Publishes every message of the run under one ordering key: ingest sees each machine's readings in time order. */
function inOrder(bus: Bus): Bus {
  return { ...bus, publish: (topic, messages) => bus.publish(topic, messages.map((m) => ({ ...m, orderingKey: 'simulation' }))), deadLetter: (l) => bus.deadLetter(l), close: () => bus.close() };
}

function table(name: string, q: AlertQuality): string[] {
  const lines = [`**${name}**: ${q.alerts} alerts; false alerts ${q.falseAlerts} (${q.falseAlertsPerMachineDay.toFixed(2)} per machine-day); explained by other labelled faults ${q.explainedByOtherFaults}`, ''];
  lines.push('| fault | episodes | detected | alerts per detected episode (max) | onset → first alert, median / p90 (min) |', '| --- | --- | --- | --- | --- |');
  for (const [fault, t] of Object.entries(q.byFault)) {
    const delay = t.onsetToAlertMinMedian === null ? '–' : `${t.onsetToAlertMinMedian.toFixed(0)} / ${(t.onsetToAlertMinP90 ?? 0).toFixed(0)}`;
    lines.push(`| ${fault} | ${t.episodes} | ${t.detected} | ${t.alertsPerEpisode.toFixed(2)} (${t.maxAlertsPerEpisode}) | ${delay} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const machines = flag('machines', 10);
  const days = flag('days', 7);
  const seed = flag('seed', 1);
  setLogLevel('error');
  const dir = mkdtempSync(join(tmpdir(), 'kilowatch-eval-alerts-'));
  const config = loadConfig({ ...process.env, KILOWATCH_DATA_DIR: dir, LOG_LEVEL: 'error', KILOWATCH_WEBHOOKS: `json=file:${join(dir, 'notifications.jsonl')}` });
  const stack = await startLocalStack(config, { routerPort: 0, functionsPort: 0, alertsSweepMs: 0 });
  const started = Date.now();
  try {
    const device = DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE).get(deviceIdOf(0, machines));
    if (!device) throw new Error(`${config.KILOWATCH_DEVICES_FILE} has no simulated machines`);
    const labelsPath = join(dir, 'labels.jsonl');
    const startMs = Date.UTC(2026, 0, 5);
    await runSimulation(
      { machines, intervalS: 60, startMs, durationS: days * 86_400, seed, timezone: device.timezone, limits: limitsFromSpecs(device.metricSpecs), historyPoints: config.KILOWATCH_HISTORY_POINTS },
      { batch: 500, maxBytes: config.KILOWATCH_MAX_MESSAGE_BYTES, labelsPath, bus: inOrder(stack.deps.bus) },
    );
    await stack.router.idle();
    stack.router.publish('alerts', [{ data: Buffer.from(SWEEP_COMMAND) }]);
    await stack.router.idle();

    const sql = (q: string) => (stack.warehouse as DuckDbWarehouse).query(q);
    const first = new Map(
      (await sql(`SELECT device_id, metric, epoch_ms(min(ts)) AS ms FROM anomaly_scores GROUP BY ALL`)).map((r) => [`${r.device_id}/${r.metric}`, Number(r.ms)]),
    );
    const labels = readFileSync(labelsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FaultLabel);
    // Episodes before their series had finished learning cannot be alerted on: left out, and counted.
    const all = episodesOf(labels);
    const episodes = all.filter((e) => [...e.metrics].every((m) => (first.get(`${e.deviceId}/${m}`) ?? Infinity) <= e.startMs));
    const incidents: RaisedAlert[] = (
      await sql(`SELECT epoch_ms(opened_at) AS ms, devices, metrics FROM incidents WHERE version = 1`)
    ).map((r) => ({ openedMs: Number(r.ms), devices: r.devices as string[], metrics: r.metrics as string[] }));
    const raw: RaisedAlert[] = (await sql(`SELECT epoch_ms(ts) AS ms, device_id, metric FROM alerts`)).map((r) => ({
      openedMs: Number(r.ms),
      devices: [String(r.device_id)],
      metrics: r.metric === null ? [] : [String(r.metric)],
    }));
    const options = { targets: TARGETS, leadMs: 5 * MIN, graceMs: config.KILOWATCH_ALERT_RESOLVE_AFTER_MIN * MIN, machineDays: machines * days };
    const lifecycle = alertQuality(incidents, episodes, options);
    const baseline = alertQuality(raw, episodes, options);
    const counts = await stack.warehouse.counts();
    const out = {
      machines, days, seed, seconds: Math.round((Date.now() - started) / 1000),
      settings: {
        resolveAfterMin: config.KILOWATCH_ALERT_RESOLVE_AFTER_MIN, cooldownMin: config.KILOWATCH_ALERT_COOLDOWN_MIN,
        stormDevices: config.KILOWATCH_ALERT_STORM_DEVICES, stormWindowMin: config.KILOWATCH_ALERT_STORM_WINDOW_MIN,
      },
      episodes: all.length, episodesWhileLearning: all.length - episodes.length, counts, lifecycle, baseline,
    };
    const log = (s = '') => process.stdout.write(`${s}\n`);
    log(`# Alerts on the simulator: ${machines} machines x ${days} days, seed ${seed} (${out.seconds} s)`);
    log(`Settings: ${JSON.stringify(out.settings)}; ${all.length} labelled episodes, ${out.episodesWhileLearning} while their series were still learning (left out).`);
    log();
    for (const line of table('incidents (lifecycle)', lifecycle)) log(line);
    log();
    for (const line of table('baseline: raw alerts, one per anomalous value', baseline)) log(line);
    const jsonAt = process.argv.indexOf('--json');
    if (jsonAt >= 0) writeFileSync(process.argv[jsonAt + 1] as string, `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
