import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbIncidentReads } from '../../shared/alerting/duckdb-incident-reads.js';
import { signalsOf, type EvidenceReading } from '../../shared/maintenance/evidence.js';
import { DuckDbMaintenanceReads } from '../../shared/maintenance/duckdb-maintenance-reads.js';
import { recommendationOf } from '../../shared/maintenance/recommend.js';
import { recommendMachines, type RecommendDeps } from '../../shared/maintenance/recommend-machines.js';
import { loadRules } from '../../shared/maintenance/rules.js';
import { stableId } from '../../shared/readings/ids.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { readings, recommendations, type IncidentRow, type ReadingRow } from '../../shared/warehouse/schema/tables.js';

const rules = loadRules();
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const DAY = 1440;
/** A deterministic wobble in [-1, 1]. */
const wobble = (i: number, k: number) => Math.sin(i * 12.9898 + k * 78.233) % 1;

/** A week of 1-minute readings of a healthy machine, then `extra(minute)` added to vibration. */
function machine(
  minutes: number,
  extra: (minute: number) => number = () => 0,
  flags: (minute: number) => string[] = () => [],
): EvidenceReading[] {
  return Array.from({ length: minutes }, (_, i) => [
    { tsMs: T0 + i * MIN, metric: 'vibration_mm_s', value: 2 + 0.2 * wobble(i, 1) + extra(i), flags: flags(i) },
    { tsMs: T0 + i * MIN, metric: 'temperature_c', value: 60 + 2 * wobble(i, 2), flags: [] },
  ]).flat();
}

const none = { scores: [], incidents: [], forecastPairs: [] };
const END = T0 + 7 * DAY * MIN;

describe('maintenance rules and evidence', () => {
  it('the committed rules file validates, and a bad one is named with the field', () => {
    expect(rules.rules.length).toBeGreaterThan(5);
    for (const r of rules.rules) expect(r.rationale.length).toBeGreaterThan(20);
    const dir = mkdtempSync(join(tmpdir(), 'kw-rules-'));
    try {
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...rules, rules: [{ ...rules.rules[0], risk: 7 }] }));
      expect(() => loadRules(join(dir, 'bad.json'))).toThrow(/rules\.0\.risk/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('a healthy machine: risk 0, no action', () => {
    const r = recommendationOf(signalsOf({ readings: machine(7 * DAY), ...none }, END, rules.windows), rules);
    expect(r).toMatchObject({ risk: 0, urgency: 'none', actions: [] });
    expect(Math.abs(r.signals['drift_z.vibration_mm_s'] as number)).toBeLessThan(1);
  });

  it('vibration rising over the last day: risk 2 within days, then 3 within hours as it climbs', () => {
    const wear = (size: number) => (i: number) => (i >= 6 * DAY ? size * ((i - 6 * DAY) / DAY) : 0);
    const rising = recommendationOf(
      signalsOf({ readings: machine(7 * DAY, wear(1.2)), ...none }, END, rules.windows),
      rules,
    );
    expect(rising).toMatchObject({ risk: 2, urgency: 'days' });
    expect(rising.findings.map((f) => f.rule)).toContain('vibration-rising');
    expect(rising.actions[0]).toMatch(/bearing/);
    const severe = recommendationOf(
      signalsOf({ readings: machine(7 * DAY, wear(3)), ...none }, END, rules.windows),
      rules,
    );
    expect(severe).toMatchObject({ risk: 3, urgency: 'hours' });
  });

  it('counts stuck episodes (runs, not values) and open incidents at the time asked', () => {
    const stuckAt = (i: number) => (i >= 6 * DAY + 100 && i < 6 * DAY + 400 && i % 100 < 20 ? ['stuck'] : []);
    const incident = {
      opened_at: new Date(END - 60 * MIN).toISOString(),
      resolved_at: null,
      severity: 'critical',
    } as IncidentRow;
    const s = signalsOf(
      { readings: machine(7 * DAY, undefined, stuckAt), scores: [], incidents: [incident], forecastPairs: [] },
      END,
      rules.windows,
    );
    expect(s.stuck_episodes).toBe(3);
    expect(s.open_critical_incidents).toBe(1);
    expect(
      signalsOf(
        { readings: [], scores: [], incidents: [incident], forecastPairs: [] },
        END - 2 * 60 * MIN,
        rules.windows,
      ).open_incidents,
    ).toBe(0);
    const r = recommendationOf(s, rules);
    // A critical incident is the alerts' business: weak maintenance evidence (risk 1), but acted on within hours.
    expect(r).toMatchObject({ risk: 1, urgency: 'hours' });
    expect(r.findings.map((f) => f.rule)).toEqual([
      'critical-incident-open',
      'incident-open',
      'sensor-stuck-repeatedly',
    ]);
  });

  it('too little baseline says nothing about drift', () => {
    const s = signalsOf(
      { readings: machine(DAY + 60, (i) => (i > 60 ? 10 : 0)), ...none },
      T0 + (DAY + 60) * MIN,
      rules.windows,
    );
    expect(s['drift_z.vibration_mm_s']).toBeNull();
  });
});

describe('recommendMachines on DuckDB', () => {
  let dir: string;
  let warehouse: DuckDbWarehouse;
  let deps: RecommendDeps;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kw-recommend-'));
    warehouse = await DuckDbWarehouse.open(join(dir, 'w.duckdb'));
    await warehouse.init();
    const rows: ReadingRow[] = [];
    for (const device of ['p/healthy', 'p/worn']) {
      for (const r of machine(
        7 * DAY,
        device === 'p/worn' ? (i) => (i >= 6 * DAY ? 2 * ((i - 6 * DAY) / DAY) : 0) : undefined,
      )) {
        const ts = new Date(r.tsMs).toISOString();
        rows.push({
          reading_id: stableId('r', device, ts, r.metric),
          device_id: device,
          ts,
          metric: r.metric,
          value: r.value,
          unit: 'x',
          original_value: null,
          original_unit: null,
          status: 'accepted',
          flags: [],
          message_id: 'm',
          seq: null,
          ingested_at: ts,
        });
      }
    }
    await warehouse.insert(readings, rows);
    deps = {
      warehouse,
      reads: new DuckDbMaintenanceReads(warehouse),
      incidents: new DuckDbIncidentReads(warehouse),
      rules,
      forecasted: () => false,
      now: () => END + DAY * MIN,
    };
  }, 60_000);

  afterAll(async () => {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one row per machine as of its newest reading, stored once however often it runs', async () => {
    const rows = await recommendMachines(deps, { asOf: 'latest', store: true });
    expect(rows.map((r) => [r.device_id, r.risk, r.urgency])).toEqual([
      ['p/healthy', 0, 'none'],
      ['p/worn', 2, 'days'],
    ]);
    const worn = rows[1];
    expect(worn?.as_of).toBe(new Date(END - MIN + 1).toISOString());
    expect(
      (JSON.parse(worn?.evidence as string) as { findings: Array<{ rule: string }> }).findings.map((f) => f.rule),
    ).toEqual(['vibration-rising', 'sensor-drift']);
    expect(recommendations.row.safeParse(worn).success).toBe(true);
    await recommendMachines(deps, { asOf: 'latest', store: true });
    expect(await warehouse.query('SELECT count(*)::INT AS n FROM recommendations')).toEqual([{ n: 2 }]);
  });

  it('one machine on demand at a given time; an unknown one is an error naming it; now (the default) finds nothing stale', async () => {
    const [row] = await recommendMachines(deps, {
      deviceId: 'p/worn',
      asOf: new Date(T0 + 6 * DAY * MIN).toISOString(),
      store: false,
    });
    expect(row).toMatchObject({ device_id: 'p/worn', risk: 0 });
    await expect(recommendMachines(deps, { deviceId: 'p/none', asOf: 'latest', store: false })).rejects.toThrow(
      /p\/none/,
    );
    await expect(recommendMachines(deps, { asOf: 'yesterday', store: false })).rejects.toThrow(/asOf/);
    // Two days after the data, the evidence window still has the last day's readings in its baseline only.
    expect((await recommendMachines(deps, { store: false })).map((r) => r.device_id)).toEqual(['p/healthy', 'p/worn']);
  });
});
