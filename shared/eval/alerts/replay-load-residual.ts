/**
 * The score function's load-residual channel replayed offline on a kept simulated run (`--keep` of
 * eval:alerts / eval:recommend), for choosing its settings without the stack: each machine's stored readings go
 * through LoadResidualState in messages of 400 values; alarms of a (device, metric) less than 30 minutes apart
 * make one incident (no cooldown, no storms: the lifecycle is not replayed). Prints one JSON line per setting.
 *
 *   npx tsx shared/eval/alerts/replay-load-residual.ts <kept-run-dir> ['[{"cusumK":3,"cusumH":80}, ...]']
 *
 * detected: overheating or drift episodes with an incident on their device and metric from 5 minutes before
 * their start to 30 minutes after their end; notStretch: incidents outside every stretch fault of their device
 * and metric (overheating, drift, bearing wear, shutdown, stuck), per machine-day: the stricter false-alarm
 * count (eval:alerts counts any labelled fault, single missing values included, as an explanation).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { LOAD_MODELS, LOAD_RESIDUAL_PARAMS, LoadResidualState, type LoadInput } from '../../scoring/load-residual.js';
import type { FaultLabel } from '../../simulate/faults.js';
import { DuckDbWarehouse } from '../../warehouse/duckdb.js';
import { episodesOf, type FaultEpisode } from './episodes.js';

const MIN = 60_000;
const STRETCH = new Set(['overheating', 'drift', 'bearing_wear', 'shutdown', 'stuck']);
const grid = z.array(z.record(z.string(), z.number()));

interface Incident {
  readonly deviceId: string;
  readonly metric: string;
  readonly ms: number;
}

const during = (e: FaultEpisode, a: Incident) =>
  e.deviceId === a.deviceId && e.metrics.has(a.metric) && a.ms >= e.startMs - 5 * MIN && a.ms <= e.endMs + 30 * MIN;

async function machines(dir: string): Promise<Map<string, LoadInput[]>> {
  // A copy: the kept warehouse stays as the run left it.
  const tmp = mkdtempSync(join(tmpdir(), 'kilowatch-replay-'));
  copyFileSync(join(dir, 'warehouse.duckdb'), join(tmp, 'w.duckdb'));
  const warehouse = await DuckDbWarehouse.open(join(tmp, 'w.duckdb'));
  try {
    const metrics = [...new Set(LOAD_MODELS.flatMap((m) => [m.metric, m.against]))].map((m) => `'${m}'`).join(',');
    const rows = await warehouse.query(
      `SELECT device_id, epoch_ms(ts) AS ms, metric, value, flags FROM readings
       WHERE metric IN (${metrics}) AND value IS NOT NULL ORDER BY device_id, ts`,
    );
    const out = new Map<string, LoadInput[]>();
    for (const r of rows) {
      const list = out.get(String(r.device_id)) ?? [];
      list.push({ tsMs: Number(r.ms), metric: String(r.metric), value: Number(r.value), flags: r.flags as string[] });
      out.set(String(r.device_id), list);
    }
    return out;
  } finally {
    await warehouse.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: replay-load-residual.ts <kept-run-dir> [settings JSON array]');
  const settings = grid.parse(JSON.parse(process.argv[3] ?? '[{}]'));
  const byDevice = await machines(dir);
  const run = z.object({ days: z.number() }).parse(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')));
  const machineDays = run.days * byDevice.size;
  const labels = readFileSync(join(dir, 'labels.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as FaultLabel);
  const episodes = episodesOf(labels);
  for (const s of settings) {
    const params = { ...LOAD_RESIDUAL_PARAMS, ...s };
    const alarms: Incident[] = [];
    let judgedFrom = Infinity;
    for (const [deviceId, inputs] of byDevice) {
      const state = new LoadResidualState(LOAD_MODELS, params);
      for (let i = 0; i < inputs.length; i += 400)
        for (const j of state.step(inputs.slice(i, i + 400))) {
          judgedFrom = Math.min(judgedFrom, j.tsMs);
          if (j.alarm) alarms.push({ deviceId, metric: j.metric, ms: j.tsMs });
        }
    }
    alarms.sort((a, b) => a.ms - b.ms);
    const last = new Map<string, number>();
    const incidents = alarms.filter((a) => {
      const key = `${a.deviceId}/${a.metric}`;
      const opens = (last.get(key) ?? -Infinity) < a.ms - 30 * MIN;
      last.set(key, a.ms);
      return opens;
    });
    const out: Record<string, unknown> = { ...s, incidents: incidents.length };
    for (const fault of ['overheating', 'drift']) {
      const target = episodes.filter((e) => e.fault === fault && e.startMs >= judgedFrom);
      const hits = target.map((e) => incidents.filter((a) => during(e, a)).length).filter((n) => n > 0);
      const perEpisode = hits.length ? (hits.reduce((a, b) => a + b, 0) / hits.length).toFixed(2) : '–';
      out[fault] = `${hits.length} / ${target.length} (${perEpisode} per detected)`;
    }
    const unexplained = incidents.filter((a) => !episodes.some((e) => STRETCH.has(e.fault) && during(e, a)));
    out.notStretchPerMachineDay = Number((unexplained.length / machineDays).toFixed(3));
    out.notStretchByMetric = Object.fromEntries(
      LOAD_MODELS.map((m) => [m.metric, unexplained.filter((a) => a.metric === m.metric).length]),
    );
    console.log(JSON.stringify(out));
  }
}

await main();
