/**
 * Thresholds of maintenance signals from healthy evaluations, on tuning seeds only: for each signal, the
 * smallest threshold that healthy machines (no labelled degradation in the evidence window) reach at most
 * --budget times per machine-day over the runs dumped by `npm run eval:recommend -- --dump <file>`.
 * The held-out seeds are then evaluated with the thresholds written into the rules, never tuned on.
 *
 *   npx tsx shared/eval/maintenance/choose-thresholds.ts --budget 0.02 --signals residual_cusum.temperature_c,... a.json b.json
 */
import { readFileSync } from 'node:fs';

interface Dump {
  machineDays: number;
  episodes: Array<{ deviceId: string; startMs: number; endMs: number }>;
  points: Array<{ deviceId: string; asOfMs: number; signals: Record<string, number | null> }>;
}

const HOUR = 3_600_000;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** Values of a signal on healthy evaluations of every dump, largest first, and the machine-days they cover. */
export function healthyValues(
  dumps: readonly Dump[],
  signal: string,
  recentHours: number,
): { values: number[]; machineDays: number } {
  const values: number[] = [];
  for (const d of dumps)
    for (const p of d.points) {
      const sick = d.episodes.some(
        (e) => e.deviceId === p.deviceId && e.startMs <= p.asOfMs && e.endMs >= p.asOfMs - recentHours * HOUR,
      );
      const v = p.signals[signal];
      if (!sick && typeof v === 'number' && Number.isFinite(v)) values.push(Math.abs(v));
    }
  return { values: values.sort((a, b) => b - a), machineDays: dumps.reduce((s, d) => s + d.machineDays, 0) };
}

function main(): void {
  const budget = Number(option('budget') ?? '0.02');
  const recentHours = Number(option('recent-hours') ?? '24');
  const signals = (option('signals') ?? '').split(',').filter(Boolean);
  const files = process.argv.slice(2).filter((a, i, all) => a.endsWith('.json') && !all[i - 1]?.startsWith('--'));
  const dumps = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Dump);
  for (const signal of signals) {
    const { values, machineDays } = healthyValues(dumps, signal, recentHours);
    // At most `allowed` healthy evaluations at or over the threshold: just above the next largest value.
    const allowed = Math.floor(budget * machineDays);
    const threshold = (values[allowed] ?? 0) * 1.001;
    process.stdout.write(
      `${signal}: threshold ${threshold.toPrecision(3)} (healthy evaluations ${values.length} over ${machineDays.toFixed(0)} machine-days; ${allowed} allowed above; max ${values[0]?.toPrecision(3) ?? '–'})\n`,
    );
  }
}

main();
