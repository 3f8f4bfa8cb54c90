/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call --
   Each case reads the JSON a tool returned by its known shape; the harness test checks every read against the warehouse. */
import { loadTariff } from '../../energy/tariff.js';
import { bill, compareBills, powerFactorWhatIf, shiftLoad } from '../../energy/what-if.js';
import { DEMO } from './demo-warehouse.js';

/** Reads the warehouse directly: the ground truth never goes through a tool. */
export type TruthQuery = (sql: string) => Promise<Array<Record<string, unknown>>>;

export interface EvalCase {
  readonly id: string;
  readonly family: string;
  readonly question: string;
  /** Tools a good answer uses (any of them counts as the right choice). */
  readonly tools: readonly string[];
  /** The call a scripted model makes, and what it reads from the result to write its answer. */
  readonly call: { readonly tool: string; readonly args: Record<string, unknown> };
  readonly pick: (content: any) => number | string;
  readonly truth: (q: TruthQuery) => Promise<number | string>;
  /** Relative tolerance of a numeric answer (default 1 %), absolute below 1. */
  readonly tolerance?: number;
}

const M = DEMO.meter;
const SEOUL_DAY = (d: string) => ({ from: `${d}T00:00:00+09:00`, to: `${next(d)}T00:00:00+09:00` });
function next(d: string): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
const MARCH = { from: '2018-03-01T00:00:00+09:00', to: '2018-04-01T00:00:00+09:00' };
const utc = (t: string) => new Date(t).toISOString();
const num = (rows: Array<Record<string, unknown>>, k = 'v') => Number(rows[0]?.[k] ?? NaN);
/** The latest row of each incident: its current state. */
const LATEST_INCIDENTS = `SELECT * FROM incidents QUALIFY row_number() OVER (PARTITION BY incident_id ORDER BY version DESC) = 1`;
const between = (r: { from: string; to: string }) =>
  `ts >= '${utc(r.from)}'::TIMESTAMPTZ AND ts < '${utc(r.to)}'::TIMESTAMPTZ`;
const sumOf = (metric: string, r: { from: string; to: string }) => (q: TruthQuery) =>
  q(`SELECT sum(value) AS v FROM readings WHERE device_id = '${M}' AND metric = '${metric}' AND ${between(r)}`).then(
    (x) => num(x),
  );

async function intervals(q: TruthQuery, metric: string) {
  const rows = await q(
    `SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.000Z') AS ts, value FROM readings WHERE device_id = '${M}' AND metric = '${metric}' AND ${between(MARCH)} ORDER BY ts`,
  );
  return rows.map((r) => ({ ts: String(r.ts), kwh: Number(r.value) }));
}
const tariff = () => loadTariff('data/tariffs', 'steel-plant');
const DAY_SHIFT = { startHour: 8, endHour: 18 };
const NIGHT = { startHour: 22, endHour: 6 };
const shiftDayToNight = (share: number) => ({
  tool: 'what_if_shift_load',
  args: { deviceId: M, ...MARCH, fromHours: DAY_SHIFT, toHours: NIGHT, share },
});
async function shiftTruth(q: TruthQuery, share: number, key: 'deltaEnergyCost' | 'deltaPeakKw' | 'deltaCo2Kg') {
  const base = await intervals(q, 'usage_kwh');
  const t = tariff();
  return compareBills(bill(t, base, 0.25), bill(t, shiftLoad(t, base, DAY_SHIFT, NIGHT, share), 0.25))[key];
}
async function pfTruth(q: TruthQuery, key: 'deltaDemandChargePerMonth' | 'averagePfBefore') {
  const usage = await intervals(q, 'usage_kwh');
  const reactive = new Map((await intervals(q, 'lagging_reactive_kvarh')).map((r) => [r.ts, r.kwh]));
  const t = tariff();
  const w = powerFactorWhatIf(
    t,
    usage.map((u) => ({ ...u, kvarh: reactive.get(u.ts) ?? 0 })),
    0.95,
    bill(t, usage, 0.25).peakKw,
    0.25,
  );
  return w[key];
}

const series = (
  id: string,
  question: string,
  metric: string,
  range: { from: string; to: string },
  pickKey: 'sum' | 'max' | 'mean',
  truth: EvalCase['truth'],
  deviceId = M,
): EvalCase => ({
  id,
  family: 'series',
  question,
  tools: ['series_stats', 'run_sql'],
  call: { tool: 'series_stats', args: { deviceId, metric, ...range, groupBy: 'none', compareWith: null } },
  pick: (c) => c.window[pickKey],
  truth,
});

const weeks = [
  ['2018-03-05', '2018-03-12'],
  ['2018-03-12', '2018-03-19'],
  ['2018-03-19', '2018-03-26'],
] as const;
const days = ['2018-03-02', '2018-03-07', '2018-03-13', '2018-03-20', '2018-03-27'];

export const EVAL_CASES: readonly EvalCase[] = [
  {
    id: 'spike-tuesday',
    family: 'explain',
    question: 'Why did consumption spike on Tuesday 6 March at 10:00?',
    tools: ['explain_anomaly'],
    call: { tool: 'explain_anomaly', args: { deviceId: M, ts: '2018-03-06T10:00:00+09:00', metric: null } },
    pick: (c) => c.metrics.find((m: { metric: string }) => m.metric === 'usage_kwh').value,
    truth: async (q) =>
      num(
        await q(
          `SELECT value AS v FROM readings WHERE device_id = '${M}' AND metric = 'usage_kwh' AND ts = '${DEMO.spike}'::TIMESTAMPTZ`,
        ),
      ),
  },
  {
    id: 'spike-deviation',
    family: 'explain',
    question: 'How far above its usual level was usage at 10:00 on 6 March?',
    tools: ['explain_anomaly'],
    call: { tool: 'explain_anomaly', args: { deviceId: M, ts: '2018-03-06T10:00:00+09:00', metric: 'usage_kwh' } },
    pick: (c) => c.metrics[0].sameHourMedian7d,
    truth: async (q) => {
      const rows = await q(
        `SELECT value FROM readings WHERE device_id = '${M}' AND metric = 'usage_kwh' AND ts >= '${utc('2018-02-27T10:00:00+09:00')}'::TIMESTAMPTZ AND ts < '${DEMO.spike}'::TIMESTAMPTZ AND hour(ts AT TIME ZONE 'UTC') = 1 ORDER BY value`,
      );
      const v = rows.map((r) => Number(r.value));
      return (v[Math.floor((v.length - 1) / 2)]! + v[Math.ceil((v.length - 1) / 2)]!) / 2;
    },
  },
  {
    id: 'forecast-total',
    family: 'forecast',
    question: 'What will we use tomorrow?',
    tools: ['forecast'],
    call: { tool: 'forecast', args: { deviceId: M, metric: 'usage_kwh', ...DEMO.tomorrow } },
    pick: (c) => c.total.p50,
    truth: async (q) =>
      num(
        await q(
          `SELECT sum(p50) AS v FROM forecasts WHERE target_ts > '${DEMO.tomorrow.from}'::TIMESTAMPTZ AND target_ts <= '${DEMO.tomorrow.to}'::TIMESTAMPTZ`,
        ),
      ),
  },
  {
    id: 'forecast-peak',
    family: 'forecast',
    question: "When is tomorrow's peak?",
    tools: ['forecast'],
    call: { tool: 'forecast', args: { deviceId: M, metric: 'usage_kwh', ...DEMO.tomorrow } },
    pick: (c) => c.peak.targetTs,
    truth: async (q) =>
      String(
        (
          await q(
            `SELECT strftime(target_ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.000Z') AS v FROM forecasts ORDER BY p50 DESC, target_ts LIMIT 1`,
          )
        )[0]?.v,
      ),
  },
  {
    id: 'forecast-p90',
    family: 'forecast',
    question: 'What is the upper bound (p90) of tomorrow’s consumption?',
    tools: ['forecast'],
    call: { tool: 'forecast', args: { deviceId: M, metric: 'usage_kwh', ...DEMO.tomorrow } },
    pick: (c) => c.total.p90,
    truth: async (q) => num(await q(`SELECT sum(p90) AS v FROM forecasts`)),
  },
  ...([0.2, 0.1, 0.3] as const).flatMap((share): EvalCase[] => [
    {
      id: `shift-${share * 100}-cost`,
      family: 'what-if',
      question: `What if we move ${share * 100} % of the day shift's load (08:00-18:00) to the night (22:00-06:00)? What does it save in March?`,
      tools: ['what_if_shift_load'],
      call: shiftDayToNight(share),
      pick: (c) => c.deltaEnergyCost,
      truth: (q) => shiftTruth(q, share, 'deltaEnergyCost'),
    },
    {
      id: `shift-${share * 100}-peak`,
      family: 'what-if',
      question: `If ${share * 100} % of the day shift's load moved to the night, how would the peak demand change?`,
      tools: ['what_if_shift_load'],
      call: shiftDayToNight(share),
      pick: (c) => c.deltaPeakKw,
      truth: (q) => shiftTruth(q, share, 'deltaPeakKw'),
    },
  ]),
  {
    id: 'shift-co2',
    family: 'what-if',
    question: "What is the change in CO2 if 20 % of the day shift's load moves to the night?",
    tools: ['what_if_shift_load'],
    call: shiftDayToNight(0.2),
    pick: (c) => c.deltaCo2Kg,
    truth: (q) => shiftTruth(q, 0.2, 'deltaCo2Kg'),
  },
  {
    id: 'pf-saving',
    family: 'what-if',
    question: 'How much would correcting the lagging power factor to 0.95 save?',
    tools: ['what_if_power_factor'],
    call: { tool: 'what_if_power_factor', args: { deviceId: M, ...MARCH, targetPf: 0.95 } },
    pick: (c) => c.deltaDemandChargePerMonth,
    truth: (q) => pfTruth(q, 'deltaDemandChargePerMonth'),
  },
  {
    id: 'pf-average',
    family: 'what-if',
    question: 'What was our average lagging power factor in March under the tariff rule?',
    tools: ['what_if_power_factor'],
    call: { tool: 'what_if_power_factor', args: { deviceId: M, ...MARCH, targetPf: 0.95 } },
    pick: (c) => c.averagePfBefore,
    truth: (q) => pfTruth(q, 'averagePfBefore'),
  },
  {
    id: 'abnormal-days',
    family: 'anomalies',
    question: 'Which days last month were abnormal and why?',
    tools: ['list_anomalies'],
    call: { tool: 'list_anomalies', args: { deviceId: null, ...MARCH } },
    pick: (c) => c.days.length,
    truth: async (q) =>
      num(
        await q(
          `SELECT count(DISTINCT (ts AT TIME ZONE CASE WHEN device_id LIKE 'sim-plant/%' THEN 'Europe/Berlin' ELSE 'Asia/Seoul' END)::DATE) AS v FROM alerts WHERE ${between(MARCH)}`,
        ),
      ),
  },
  {
    id: 'abnormal-top-day',
    family: 'anomalies',
    question: 'Which day in March had the most alerts?',
    tools: ['list_anomalies'],
    call: { tool: 'list_anomalies', args: { deviceId: M, ...MARCH } },
    pick: (c) => c.days[0].day,
    truth: async (q) =>
      String(
        (
          await q(
            `SELECT strftime((ts AT TIME ZONE 'Asia/Seoul')::DATE, '%Y-%m-%d') AS v, count(*) AS n FROM alerts WHERE device_id = '${M}' GROUP BY 1 ORDER BY n DESC, v LIMIT 1`,
          )
        )[0]?.v,
      ),
  },
  {
    id: 'silent-devices',
    family: 'operations',
    question: 'Which devices stopped reporting?',
    tools: ['list_devices', 'pipeline_health'],
    call: { tool: 'list_devices', args: { from: null, to: null } },
    pick: (c) =>
      c.devices
        .filter((d: { status: string }) => d.status === 'silent')
        .map((d: { deviceId: string }) => d.deviceId)
        .join(', '),
    truth: async (q) =>
      String(
        (
          await q(
            `SELECT device_id AS v FROM readings GROUP BY device_id HAVING max(ts) < '${DEMO.now}'::TIMESTAMPTZ - INTERVAL 1 HOUR AND max(ts) > '${DEMO.now}'::TIMESTAMPTZ - INTERVAL 1 DAY`,
          )
        )[0]?.v,
      ),
  },
  {
    id: 'rejected-yesterday',
    family: 'operations',
    question: 'How many readings were rejected yesterday and why?',
    tools: ['pipeline_health', 'run_sql'],
    call: { tool: 'pipeline_health', args: {} },
    pick: (c) => Object.values(c.lastDay.rejectedByReason as Record<string, number>).reduce((s, n) => s + n, 0),
    truth: async (q) =>
      num(
        await q(`SELECT count(*) AS v FROM rejected WHERE received_at >= '${DEMO.now}'::TIMESTAMPTZ - INTERVAL 1 DAY`),
      ),
  },
  {
    id: 'rejected-reason',
    family: 'operations',
    question: 'What was the most common reason readings were rejected yesterday?',
    tools: ['pipeline_health', 'run_sql'],
    call: { tool: 'pipeline_health', args: {} },
    pick: (c) =>
      Object.entries(c.lastDay.rejectedByReason as Record<string, number>).sort((a, b) => b[1] - a[1])[0]![0],
    truth: async (q) =>
      String(
        (await q(`SELECT reason AS v, count(*) AS n FROM rejected GROUP BY reason ORDER BY n DESC LIMIT 1`))[0]?.v,
      ),
  },
  {
    id: 'pipeline-lag',
    family: 'operations',
    question: 'Is any function lagging or dead-lettering? What is the p95 delay to storage?',
    tools: ['pipeline_health'],
    call: { tool: 'pipeline_health', args: {} },
    pick: (c) => c.lastDay.storeDelay.p95Ms,
    truth: async (q) =>
      num(
        await q(
          `SELECT quantile_cont(epoch_ms(ingested_at) - epoch_ms(ts), 0.95) AS v FROM readings WHERE ingested_at >= '${DEMO.now}'::TIMESTAMPTZ - INTERVAL 1 DAY AND ingested_at < '${DEMO.now}'::TIMESTAMPTZ`,
        ),
      ),
  },
  {
    id: 'copilot-cost',
    family: 'observability',
    question: 'How much did the copilot cost this week?',
    tools: ['copilot_usage'],
    call: {
      tool: 'copilot_usage',
      args: { from: new Date(Date.parse(DEMO.now) - 7 * 86_400_000).toISOString(), to: DEMO.now },
    },
    pick: (c) => c.usage.estimated_cost_usd,
    truth: async (q) =>
      num(
        await q(
          `SELECT sum(estimated_cost_usd) AS v FROM copilot_calls WHERE started_at >= '${DEMO.now}'::TIMESTAMPTZ - INTERVAL 7 DAY AND started_at < '${DEMO.now}'::TIMESTAMPTZ`,
        ),
      ),
  },
  {
    id: 'copilot-tokens',
    family: 'observability',
    question: 'How many tokens did the copilot use this week?',
    tools: ['copilot_usage'],
    call: {
      tool: 'copilot_usage',
      args: { from: new Date(Date.parse(DEMO.now) - 7 * 86_400_000).toISOString(), to: DEMO.now },
    },
    pick: (c) => Number(c.usage.tokens_in) + Number(c.usage.tokens_out),
    truth: async (q) =>
      num(
        await q(
          `SELECT sum(tokens_in + tokens_out) AS v FROM copilot_calls WHERE started_at >= '${DEMO.now}'::TIMESTAMPTZ - INTERVAL 7 DAY AND started_at < '${DEMO.now}'::TIMESTAMPTZ`,
        ),
      ),
  },
  {
    id: 'maintenance-first',
    family: 'maintenance',
    question: 'Which machines need attention and how urgently?',
    tools: ['maintenance_recommendations'],
    call: { tool: 'maintenance_recommendations', args: { from: utc('2018-03-31T00:00:00+09:00'), to: DEMO.now } },
    pick: (c) => c.recommendations[0].deviceId,
    truth: async (q) =>
      String((await q(`SELECT device_id AS v FROM alerts WHERE severity = 'critical' ORDER BY ts DESC LIMIT 1`))[0]?.v),
  },
  {
    id: 'maintenance-vibration',
    family: 'maintenance',
    question: 'What was the highest vibration of machine-01 in its last hour?',
    tools: ['series_stats', 'explain_anomaly', 'run_sql'],
    call: {
      tool: 'series_stats',
      args: {
        deviceId: DEMO.machines[0],
        metric: 'vibration_mm_s',
        from: utc('2018-03-31T14:00:00Z'),
        to: DEMO.now,
        groupBy: 'none',
        compareWith: null,
      },
    },
    pick: (c) => c.window.max,
    truth: async (q) =>
      num(
        await q(
          `SELECT max(value) AS v FROM readings WHERE device_id = '${DEMO.machines[0]}' AND metric = 'vibration_mm_s' AND ts >= '2018-03-31T14:00:00Z'::TIMESTAMPTZ`,
        ),
      ),
  },
  {
    id: 'incidents-open',
    family: 'incidents',
    question: 'How many incidents are open right now?',
    tools: ['list_incidents'],
    call: { tool: 'list_incidents', args: { states: ['open'], deviceId: null, limit: null } },
    pick: (c) => c.counts.open,
    truth: async (q) => num(await q(`SELECT count(*) AS v FROM (${LATEST_INCIDENTS}) WHERE state = 'open'`)),
  },
  {
    id: 'incidents-storm-acknowledged',
    family: 'incidents',
    question: 'Who acknowledged the storm at sim-plant?',
    tools: ['list_incidents'],
    call: { tool: 'list_incidents', args: { states: null, deviceId: 'sim-plant/*', limit: null } },
    pick: (c) => c.incidents.find((i: { kind: string }) => i.kind === 'storm').lastChange.by,
    truth: async (q) =>
      String(
        (await q(`SELECT actor AS v FROM incidents WHERE kind = 'storm' AND change = 'acknowledged' LIMIT 1`))[0]?.v,
      ),
  },
  {
    id: 'incidents-storm-devices',
    family: 'incidents',
    question: 'Which devices are in the storm at sim-plant?',
    tools: ['list_incidents'],
    call: { tool: 'list_incidents', args: { states: ['open', 'acknowledged'], deviceId: null, limit: null } },
    pick: (c) =>
      [...(c.incidents.find((i: { kind: string }) => i.kind === 'storm').devices as string[])].sort().join(', '),
    truth: async (q) =>
      String(
        (
          await q(
            `SELECT array_to_string(list_sort(devices), ', ') AS v FROM (${LATEST_INCIDENTS}) WHERE kind = 'storm'`,
          )
        )[0]?.v,
      ),
  },
  {
    id: 'incidents-resolved-week',
    family: 'incidents',
    question: 'How many incidents were resolved this week?',
    tools: ['list_incidents'],
    call: { tool: 'list_incidents', args: { states: ['resolved'], deviceId: null, limit: null } },
    pick: (c) => c.counts.resolved,
    truth: async (q) =>
      num(
        await q(
          `SELECT count(*) AS v FROM (${LATEST_INCIDENTS}) WHERE state = 'resolved' AND changed_at >= '${DEMO.now}'::TIMESTAMPTZ - INTERVAL 7 DAY`,
        ),
      ),
  },
  ...(
    [
      ['procedure-stuck-meter', 'What is the procedure for a stuck meter?', 'stuck-or-tampered-meter.md'],
      ['procedure-valve', 'How do we carry out a valve inspection?', 'pump-and-valve-inspection.md'],
      [
        'procedure-pf',
        'What does our procedure say about sizing a capacitor bank for power-factor correction?',
        'power-factor-correction.md',
      ],
      ['procedure-outage', 'What is the runbook when a site stops sending data?', 'data-outage-runbook.md'],
      ['procedure-peak', 'How do we shave the peak demand?', 'peak-shaving.md'],
    ] as const
  ).map(([id, question, source]): EvalCase => ({
    id,
    family: 'procedures',
    question,
    tools: ['search_procedures'],
    call: { tool: 'search_procedures', args: { question } },
    pick: (c) => String(c.chunks?.[0]?.id ?? 'none').split('#')[0] as string,
    truth: () => Promise.resolve(source),
  })),
  {
    id: 'procedure-outside',
    family: 'procedures',
    question: 'What is the procedure for replacing a transformer bushing?',
    tools: ['search_procedures'],
    call: {
      tool: 'search_procedures',
      args: { question: 'What is the procedure for replacing a transformer bushing?' },
    },
    pick: (c) => (c.found ? 'found' : 'no procedure'),
    truth: () => Promise.resolve('no procedure'),
  },
  {
    id: 'sql-night-monday',
    family: 'sql',
    question: 'What was the average night load (22:00-06:00) on Mondays in March, in kWh per 15 minutes?',
    tools: ['run_sql'],
    call: {
      tool: 'run_sql',
      args: {
        sql: `SELECT avg(value) AS avg_kwh FROM copilot_readings WHERE device_id = '${M}' AND metric = 'usage_kwh' AND dayname((ts - INTERVAL 1 MINUTE) AT TIME ZONE 'Asia/Seoul') = 'Monday' AND (hour((ts - INTERVAL 1 MINUTE) AT TIME ZONE 'Asia/Seoul') >= 22 OR hour((ts - INTERVAL 1 MINUTE) AT TIME ZONE 'Asia/Seoul') < 6)`,
      },
    },
    pick: (c) => c.rows[0].avg_kwh,
    truth: async (q) => {
      const rows = await q(
        `SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ts, value FROM readings WHERE device_id = '${M}' AND metric = 'usage_kwh'`,
      );
      const night = rows.filter((r) => {
        const local = new Date(Date.parse(String(r.ts)) + 9 * 3_600_000 - 60_000);
        return local.getUTCDay() === 1 && (local.getUTCHours() >= 22 || local.getUTCHours() < 6);
      });
      return night.reduce((s, r) => s + Number(r.value), 0) / night.length;
    },
  },
  {
    id: 'sql-critical-alerts',
    family: 'sql',
    question: 'How many critical alerts were raised in March?',
    tools: ['run_sql', 'list_anomalies'],
    call: { tool: 'run_sql', args: { sql: `SELECT count(*) AS n FROM copilot_alerts WHERE severity = 'critical'` } },
    pick: (c) => c.rows[0].n,
    truth: async (q) => num(await q(`SELECT count(*) AS v FROM alerts WHERE severity = 'critical'`)),
  },
  {
    id: 'sql-unknown-device',
    family: 'sql',
    question: 'How many readings came from unknown devices?',
    tools: ['run_sql', 'pipeline_health'],
    call: {
      tool: 'run_sql',
      args: { sql: `SELECT count(*) AS n FROM copilot_rejected WHERE reason = 'unknown_device'` },
    },
    pick: (c) => c.rows[0].n,
    truth: async (q) => num(await q(`SELECT count(*) AS v FROM rejected WHERE reason = 'unknown_device'`)),
  },
  series(
    'energy-march',
    'How much energy did the plant use in March?',
    'usage_kwh',
    MARCH,
    'sum',
    sumOf('usage_kwh', MARCH),
  ),
  series('co2-march', 'How much CO2 did the plant emit in March?', 'co2_t', MARCH, 'sum', sumOf('co2_t', MARCH)),
  series(
    'reactive-march',
    'How much lagging reactive energy did we draw in March?',
    'lagging_reactive_kvarh',
    MARCH,
    'sum',
    sumOf('lagging_reactive_kvarh', MARCH),
  ),
  series('peak-march', 'What was the highest 15-minute consumption in March?', 'usage_kwh', MARCH, 'max', async (q) =>
    num(
      await q(
        `SELECT max(value) AS v FROM readings WHERE device_id = '${M}' AND metric = 'usage_kwh' AND ${between(MARCH)}`,
      ),
    ),
  ),
  ...weeks.map(([a, b], i) =>
    series(
      `week-${i + 1}`,
      `How much energy did we use in the week from ${a}?`,
      'usage_kwh',
      { from: `${a}T00:00:00+09:00`, to: `${b}T00:00:00+09:00` },
      'sum',
      sumOf('usage_kwh', { from: `${a}T00:00:00+09:00`, to: `${b}T00:00:00+09:00` }),
    ),
  ),
  ...days.map((d) =>
    series(
      `day-${d}`,
      `What was the consumption on ${d}?`,
      'usage_kwh',
      SEOUL_DAY(d),
      'sum',
      sumOf('usage_kwh', SEOUL_DAY(d)),
    ),
  ),
  series(
    'mean-pf-march',
    'What was the mean lagging power factor reading in March?',
    'lagging_pf',
    MARCH,
    'mean',
    async (q) =>
      num(
        await q(
          `SELECT avg(value) AS v FROM readings WHERE device_id = '${M}' AND metric = 'lagging_pf' AND ${between(MARCH)}`,
        ),
      ),
  ),
  {
    id: 'compare-weeks',
    family: 'series',
    question: 'How did the second week of March compare with the first?',
    tools: ['series_stats', 'run_sql'],
    call: {
      tool: 'series_stats',
      args: {
        deviceId: M,
        metric: 'usage_kwh',
        from: '2018-03-12T00:00:00+09:00',
        to: '2018-03-19T00:00:00+09:00',
        groupBy: 'none',
        compareWith: { from: '2018-03-05T00:00:00+09:00', to: '2018-03-12T00:00:00+09:00' },
      },
    },
    pick: (c) => c.comparison.deltaSum,
    truth: async (q) =>
      (await sumOf('usage_kwh', { from: '2018-03-12T00:00:00+09:00', to: '2018-03-19T00:00:00+09:00' })(q)) -
      (await sumOf('usage_kwh', { from: '2018-03-05T00:00:00+09:00', to: '2018-03-12T00:00:00+09:00' })(q)),
  },
  {
    id: 'weekday-sunday',
    family: 'series',
    question: 'What is the average 15-minute consumption on Sundays in March?',
    tools: ['series_stats', 'run_sql'],
    call: {
      tool: 'series_stats',
      args: { deviceId: M, metric: 'usage_kwh', ...MARCH, groupBy: 'weekday', compareWith: null },
    },
    pick: (c) => c.window.groups.Sunday.mean,
    truth: async (q) =>
      num(
        await q(
          `SELECT avg(value) AS v FROM readings WHERE device_id = '${M}' AND metric = 'usage_kwh' AND ${between(MARCH)} AND dayname(ts AT TIME ZONE 'Asia/Seoul') = 'Sunday'`,
        ),
      ),
  },
];
