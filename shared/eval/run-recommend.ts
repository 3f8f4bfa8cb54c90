/**
 * `npm run eval:recommend`: maintenance recommendations on the simulator's labelled degradations (bearing wear,
 * overheating, drift). A simulated plant with bearing wear goes through the real local stack; then each
 * machine's recommendation is computed every --step-hours from the stored readings, scores and incidents with
 * the committed rules (data/maintenance-rules.json), as the recommend function would have at those times.
 *
 *   --machines N (8)  --days D (21)  --seed S (1)  --step-hours H (3)  --json <file>
 */
import { writeFileSync } from 'node:fs';
import { incidentReads } from '../alerting/open-reads.js';
import { signalsOf } from '../maintenance/evidence.js';
import { maintenanceReads } from '../maintenance/open-reads.js';
import { recommendationOf } from '../maintenance/recommend.js';
import { loadRules } from '../maintenance/rules.js';
import type { FaultType } from '../simulate/faults.js';
import { episodesOf } from './alerts/episodes.js';
import { intFlag, runSimulatedPlant } from './alerts/simulated-plant.js';
import { recommendQuality, type RiskPoint } from './maintenance/recommend-quality.js';

const DEGRADATIONS: readonly FaultType[] = ['bearing_wear', 'overheating', 'drift'];
const HOUR = 3_600_000;

async function main(): Promise<void> {
  const machines = intFlag('machines', 8);
  const days = intFlag('days', 21);
  const seed = intFlag('seed', 1);
  const stepHours = intFlag('step-hours', 3);
  const rules = loadRules();
  const started = Date.now();
  const plant = await runSimulatedPlant({ machines, days, seed, faults: { bearing_wear: 0.08 } });
  try {
    const { stack } = plant;
    const reads = await maintenanceReads(stack.warehouse);
    const incidents = await (
      await incidentReads(stack.warehouse)
    ).currentIncidents({ changedSince: '1970-01-01T00:00:00Z', limit: 1_000_000 });
    const endMs = plant.startMs + days * 86_400_000;
    const span = [new Date(plant.startMs).toISOString(), new Date(endMs).toISOString()] as const;
    const devices = await reads.activeDevices(...span);
    // The first evaluation has a full baseline behind it.
    const firstMs = plant.startMs + (rules.windows.recentHours + rules.windows.baselineDays * 24) * HOUR;
    const points: RiskPoint[] = [];
    for (const device of devices) {
      const readings = (await stack.warehouse.readingsBetween(device.deviceId, device.metrics, ...span)).map((r) => ({
        tsMs: Date.parse(r.ts),
        metric: r.metric,
        value: r.value,
        flags: r.flags,
      }));
      const input = {
        readings,
        scores: await reads.scoresBetween(device.deviceId, ...span),
        incidents: incidents.filter((i) => i.devices.includes(device.deviceId)),
        forecastPairs: [],
      };
      for (let asOfMs = firstMs; asOfMs <= endMs; asOfMs += stepHours * HOUR) {
        points.push({
          deviceId: device.deviceId,
          asOfMs,
          risk: recommendationOf(signalsOf(input, asOfMs, rules.windows), rules).risk,
        });
      }
    }
    // Degradations that end before the first evaluation cannot be judged: left out, and counted.
    const all = episodesOf(plant.labels).filter((e) => DEGRADATIONS.includes(e.fault));
    const episodes = all.filter((e) => e.endMs >= firstMs);
    const machineDays = (machines * (endMs - firstMs)) / 86_400_000;
    const q = recommendQuality(points, episodes, rules.windows.recentHours * HOUR, machineDays);
    const out = {
      machines,
      days,
      seed,
      stepHours,
      rulesVersion: rules.version,
      seconds: Math.round((Date.now() - started) / 1000),
      evaluations: points.length,
      machineDays,
      episodesBeforeFirstEvaluation: all.length - episodes.length,
      ...q,
    };
    const log = (s = '') => process.stdout.write(`${s}\n`);
    const f = (v: number | null, d = 1) => (v === null ? '–' : v.toFixed(d));
    log(
      `# Maintenance recommendations on the simulator: ${machines} machines x ${days} days, seed ${seed}, every ${stepHours} h (${out.seconds} s)`,
    );
    log(
      `${points.length} evaluations over ${machineDays.toFixed(0)} machine-days; rules ${rules.version}; ${out.episodesBeforeFirstEvaluation} degradations before the first evaluation left out.`,
    );
    log();
    log('| degradation | episodes | risk ≥ 2 before failure | median lead (h) | shortest lead (h) |');
    log('| --- | --- | --- | --- | --- |');
    for (const [fault, d] of Object.entries(q.byFault))
      log(`| ${fault} | ${d.episodes} | ${d.caught} | ${f(d.leadHoursMedian)} | ${f(d.leadHoursMin)} |`);
    log();
    log(
      `precision ${f(q.precision, 2)}, recall ${f(q.recall, 2)}, median lead ${f(q.leadHoursMedian)} h; risk ≥ 2 with no degradation under way: ${f(q.falseHighRiskPerMachineDay, 2)} per machine-day (${q.highRiskPoints} risk ≥ 2 evaluations in all)`,
    );
    const jsonAt = process.argv.indexOf('--json');
    if (jsonAt >= 0) writeFileSync(process.argv[jsonAt + 1] as string, `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await plant.close();
  }
}

await main();
