/**
 * `npm run eval:alerts`: the alert lifecycle on the simulator's labelled faults. A simulated plant goes
 * through the real local stack (router, ingest, score, notify over HTTP, DuckDB in a temp folder); the
 * incidents it opens are matched to the labelled fault episodes. Prints markdown; `--json <file>` writes the figures.
 *
 *   --machines N (10)  --days D (7)  --seed S (1)
 *
 * Baseline measured in the same run: the score function's raw alerts (one per anomalous value), matched the same way.
 */
import { writeFileSync } from 'node:fs';
import type { FaultType } from '../simulate/faults.js';
import { DuckDbWarehouse } from '../warehouse/duckdb.js';
import { BEARING_WEAR_PER_DAY, intFlag as flag, keepFlag, runSimulatedPlant } from './alerts/simulated-plant.js';
import { alertQuality, type AlertQuality, type RaisedAlert } from './alerts/alert-quality.js';
import { episodesOf } from './alerts/episodes.js';

const TARGETS: readonly FaultType[] = ['overheating', 'drift'];
const MIN = 60_000;

function table(name: string, q: AlertQuality): string[] {
  const lines = [
    `**${name}**: ${q.alerts} alerts; false alerts ${q.falseAlerts} (${q.falseAlertsPerMachineDay.toFixed(2)} per machine-day); explained by other labelled faults ${q.explainedByOtherFaults}`,
    '',
  ];
  lines.push(
    '| fault | episodes | detected | alerts per detected episode (max) | onset → first alert, median / p90 (min) |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const [fault, t] of Object.entries(q.byFault)) {
    const delay =
      t.onsetToAlertMinMedian === null
        ? '–'
        : `${t.onsetToAlertMinMedian.toFixed(0)} / ${(t.onsetToAlertMinP90 ?? 0).toFixed(0)}`;
    lines.push(
      `| ${fault} | ${t.episodes} | ${t.detected} | ${t.alertsPerEpisode.toFixed(2)} (${t.maxAlertsPerEpisode}) | ${delay} |`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const machines = flag('machines', 10);
  const days = flag('days', 7);
  const seed = flag('seed', 1);
  const started = Date.now();
  const keep = keepFlag();
  const { config, stack, labels, close } = await runSimulatedPlant({
    machines,
    days,
    seed,
    faults: { bearing_wear: BEARING_WEAR_PER_DAY },
    ...(keep ? { keep } : {}),
  });
  try {
    const warehouse = stack.warehouse;
    if (!(warehouse instanceof DuckDbWarehouse)) throw new Error('the evaluation reads the local DuckDB warehouse');
    const sql = (q: string) => warehouse.query(q);
    const first = new Map(
      (await sql(`SELECT device_id, metric, epoch_ms(min(ts)) AS ms FROM anomaly_scores GROUP BY ALL`)).map((r) => [
        `${String(r.device_id)}/${String(r.metric)}`,
        Number(r.ms),
      ]),
    );
    // Episodes before their series had finished learning cannot be alerted on: left out, and counted.
    const all = episodesOf(labels);
    const episodes = all.filter((e) =>
      [...e.metrics].every((m) => (first.get(`${e.deviceId}/${m}`) ?? Infinity) <= e.startMs),
    );
    const incidents: RaisedAlert[] = (
      await sql(`SELECT epoch_ms(opened_at) AS ms, devices, metrics FROM incidents WHERE version = 1`)
    ).map((r) => ({ openedMs: Number(r.ms), devices: r.devices as string[], metrics: r.metrics as string[] }));
    const raw: RaisedAlert[] = (await sql(`SELECT epoch_ms(ts) AS ms, device_id, metric FROM alerts`)).map((r) => ({
      openedMs: Number(r.ms),
      devices: [String(r.device_id)],
      metrics: typeof r.metric === 'string' ? [r.metric] : [],
    }));
    const options = {
      targets: TARGETS,
      leadMs: 5 * MIN,
      graceMs: config.KILOWATCH_ALERT_RESOLVE_AFTER_MIN * MIN,
      machineDays: machines * days,
    };
    const lifecycle = alertQuality(incidents, episodes, options);
    const baseline = alertQuality(raw, episodes, options);
    const counts = await stack.warehouse.counts();
    const out = {
      machines,
      days,
      seed,
      seconds: Math.round((Date.now() - started) / 1000),
      settings: {
        resolveAfterMin: config.KILOWATCH_ALERT_RESOLVE_AFTER_MIN,
        cooldownMin: config.KILOWATCH_ALERT_COOLDOWN_MIN,
        stormDevices: config.KILOWATCH_ALERT_STORM_DEVICES,
        stormWindowMin: config.KILOWATCH_ALERT_STORM_WINDOW_MIN,
      },
      episodes: all.length,
      episodesWhileLearning: all.length - episodes.length,
      counts,
      lifecycle,
      baseline,
    };
    const log = (s = '') => process.stdout.write(`${s}\n`);
    log(`# Alerts on the simulator: ${machines} machines x ${days} days, seed ${seed} (${out.seconds} s)`);
    log(
      `Settings: ${JSON.stringify(out.settings)}; ${all.length} labelled episodes, ${out.episodesWhileLearning} while their series were still learning (left out).`,
    );
    log();
    for (const line of table('incidents (lifecycle)', lifecycle)) log(line);
    log();
    for (const line of table('baseline: raw alerts, one per anomalous value', baseline)) log(line);
    const jsonAt = process.argv.indexOf('--json');
    if (jsonAt >= 0) writeFileSync(process.argv[jsonAt + 1] as string, `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await close();
  }
}

await main();
