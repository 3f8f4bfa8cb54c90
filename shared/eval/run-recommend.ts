/**
 * `npm run eval:recommend`: maintenance recommendations on the simulator's labelled degradations (bearing wear,
 * overheating, drift). A simulated plant with bearing wear goes through the real local stack; then each
 * machine's recommendation is computed every --step-hours from the stored readings, scores and incidents with
 * the rules (data/maintenance-rules.json, or --rules), as the recommend function would have at those times.
 *
 *   --machines N (8)  --days D (21)  --seed S (1)  --step-hours H (3)  --json <file>
 *   --rules <file>            the rules evaluated (default: the committed ones)
 *   --baseline-rules <file>   other rules evaluated on the same run, side by side (e.g. an earlier version)
 *   --keep <dir>              keep the simulated run there, or read it from there when it holds this run
 *   --dump <file>             every evaluation's signals and the episodes, JSON (to choose thresholds on)
 */
import { writeFileSync } from 'node:fs';
import { incidentReads } from '../alerting/open-reads.js';
import { signalsOf, type EvidenceInput, type Signals } from '../maintenance/evidence.js';
import { maintenanceReads } from '../maintenance/open-reads.js';
import { recommendationOf } from '../maintenance/recommend.js';
import { loadRules, type MaintenanceRules } from '../maintenance/rules.js';
import type { FaultType } from '../simulate/faults.js';
import { episodesOf, type FaultEpisode } from './alerts/episodes.js';
import { BEARING_WEAR_PER_DAY, intFlag, keepFlag, runSimulatedPlant } from './alerts/simulated-plant.js';
import { recommendQuality, type RecommendQuality, type RiskPoint } from './maintenance/recommend-quality.js';

const DEGRADATIONS: readonly FaultType[] = ['bearing_wear', 'overheating', 'drift'];
const HOUR = 3_600_000;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

interface Machine {
  readonly deviceId: string;
  readonly input: EvidenceInput;
}

interface Evaluated {
  readonly rules: MaintenanceRules;
  readonly q: RecommendQuality;
  readonly signals: Array<{ deviceId: string; asOfMs: number; risk: number; signals: Signals }>;
}

/** Every machine's recommendation at each evaluation time under one set of rules, against the episodes. */
function evaluate(
  rules: MaintenanceRules,
  machines: readonly Machine[],
  times: readonly number[],
  episodes: readonly FaultEpisode[],
  machineDays: number,
): Evaluated {
  const signals: Evaluated['signals'] = [];
  for (const { deviceId, input } of machines)
    for (const asOfMs of times) {
      const s = signalsOf(input, asOfMs, rules.windows, rules.residuals);
      signals.push({ deviceId, asOfMs, risk: recommendationOf(s, rules).risk, signals: s });
    }
  const points: RiskPoint[] = signals.map(({ deviceId, asOfMs, risk }) => ({ deviceId, asOfMs, risk }));
  return { rules, signals, q: recommendQuality(points, episodes, rules.windows.recentHours * HOUR, machineDays) };
}

const f = (v: number | null, d = 1) => (v === null ? '–' : v.toFixed(d));

function report(name: string, e: Evaluated): string[] {
  const { q } = e;
  return [
    `**${name}** (rules ${e.rules.version})`,
    '',
    '| degradation | episodes | risk ≥ 2 before failure | median lead (h) | shortest lead (h) |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(q.byFault).map(
      ([fault, d]) => `| ${fault} | ${d.episodes} | ${d.caught} | ${f(d.leadHoursMedian)} | ${f(d.leadHoursMin)} |`,
    ),
    '',
    `precision ${f(q.precision, 2)}, recall ${f(q.recall, 2)}, median lead ${f(q.leadHoursMedian)} h; risk ≥ 2 with no degradation under way: ${f(q.falseHighRiskPerMachineDay, 2)} per machine-day (${q.highRiskPoints} risk ≥ 2 evaluations in all)`,
  ];
}

async function main(): Promise<void> {
  const machines = intFlag('machines', 8);
  const days = intFlag('days', 21);
  const seed = intFlag('seed', 1);
  const stepHours = intFlag('step-hours', 3);
  const rules = loadRules(option('rules'));
  const baselinePath = option('baseline-rules');
  const baselineRules = baselinePath ? loadRules(baselinePath) : undefined;
  const started = Date.now();
  const keep = keepFlag();
  const plant = await runSimulatedPlant({
    machines,
    days,
    seed,
    faults: { bearing_wear: BEARING_WEAR_PER_DAY },
    ...(keep ? { keep } : {}),
  });
  try {
    const { stack } = plant;
    const reads = await maintenanceReads(stack.warehouse);
    const incidents = await (
      await incidentReads(stack.warehouse)
    ).currentIncidents({ changedSince: '1970-01-01T00:00:00Z', limit: 1_000_000 });
    const endMs = plant.startMs + days * 86_400_000;
    const span = [new Date(plant.startMs).toISOString(), new Date(endMs).toISOString()] as const;
    const loaded: Machine[] = [];
    for (const device of await reads.activeDevices(...span)) {
      const readings = (await stack.warehouse.readingsBetween(device.deviceId, device.metrics, ...span)).map((r) => ({
        tsMs: Date.parse(r.ts),
        metric: r.metric,
        value: r.value,
        flags: r.flags,
      }));
      loaded.push({
        deviceId: device.deviceId,
        input: {
          readings,
          scores: await reads.scoresBetween(device.deviceId, ...span),
          incidents: incidents.filter((i) => i.devices.includes(device.deviceId)),
          forecastPairs: [],
        },
      });
    }
    // The first evaluation has a full baseline behind it.
    const firstMs = plant.startMs + (rules.windows.recentHours + rules.windows.baselineDays * 24) * HOUR;
    const times: number[] = [];
    for (let asOfMs = firstMs; asOfMs <= endMs; asOfMs += stepHours * HOUR) times.push(asOfMs);
    // Degradations that end before the first evaluation cannot be judged: left out, and counted.
    const all = episodesOf(plant.labels).filter((e) => DEGRADATIONS.includes(e.fault));
    const episodes = all.filter((e) => e.endMs >= firstMs);
    const machineDays = (machines * (endMs - firstMs)) / 86_400_000;
    const main = evaluate(rules, loaded, times, episodes, machineDays);
    const baseline = baselineRules ? evaluate(baselineRules, loaded, times, episodes, machineDays) : undefined;
    const out = {
      machines,
      days,
      seed,
      stepHours,
      rulesVersion: rules.version,
      seconds: Math.round((Date.now() - started) / 1000),
      evaluations: main.signals.length,
      machineDays,
      episodesBeforeFirstEvaluation: all.length - episodes.length,
      ...main.q,
      ...(baseline ? { baseline: { rulesVersion: baseline.rules.version, ...baseline.q } } : {}),
    };
    const log = (s = '') => process.stdout.write(`${s}\n`);
    log(
      `# Maintenance recommendations on the simulator: ${machines} machines x ${days} days, seed ${seed}, every ${stepHours} h (${out.seconds} s)`,
    );
    log(
      `${out.evaluations} evaluations over ${machineDays.toFixed(0)} machine-days; ${out.episodesBeforeFirstEvaluation} degradations before the first evaluation left out.`,
    );
    log();
    for (const line of report('rules', main)) log(line);
    if (baseline) {
      log();
      for (const line of report('baseline rules', baseline)) log(line);
    }
    const jsonPath = option('json');
    if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(out, null, 2)}\n`);
    const dumpPath = option('dump');
    if (dumpPath)
      writeFileSync(
        dumpPath,
        JSON.stringify({
          machineDays,
          episodes: episodes.map((e) => ({ ...e, metrics: [...e.metrics] })),
          points: main.signals,
        }),
      );
  } finally {
    await plant.close();
  }
}

await main();
