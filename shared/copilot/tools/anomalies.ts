import { DateTime } from 'luxon';
import { z } from 'zod';
import { listAlerts, listScores } from '../../query/anomalies.js';
import { registeredMetric } from '../../query/series.js';
import { invalid } from '../../query/errors.js';
import type { AlertView } from '../../warehouse/read-port.js';
import { tool } from '../tool.js';
import { deviceId, isoTime, metric, queryCitation, round, type CopilotDeps } from './deps.js';
import { readSeries } from './series.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

export function listAnomaliesTool(deps: CopilotDeps) {
  const args = z.object({
    deviceId: deviceId.nullable().describe('one device, or null for all'),
    from: isoTime,
    to: isoTime,
  });
  return tool({
    name: 'list_anomalies',
    description:
      'Alerts over [from, to) grouped by local day (site timezone): per day the count by kind and severity, the metrics involved and a few messages. Use for "which days were abnormal".',
    args,
    async run(a) {
      const listing = await listAlerts(deps.query, {
        from: a.from,
        to: a.to,
        limit: 1000,
        ...(a.deviceId ? { deviceId: a.deviceId } : {}),
      });
      const days = new Map<string, AlertView[]>();
      for (const alert of listing.items) {
        const zone = deps.query.devices.get(alert.deviceId)?.timezone ?? 'UTC';
        const day = DateTime.fromISO(alert.ts, { zone }).toISODate() as string;
        days.set(day, [...(days.get(day) ?? []), alert]);
      }
      const count = (xs: AlertView[], key: (x: AlertView) => string) =>
        Object.fromEntries([...new Set(xs.map(key))].map((k) => [k, xs.filter((x) => key(x) === k).length]));
      const byDay = [...days.entries()]
        .map(([day, xs]) => ({
          day,
          alerts: xs.length,
          byKind: count(xs, (x) => x.kind),
          bySeverity: count(xs, (x) => x.severity),
          metrics: [...new Set(xs.map((x) => x.metric ?? 'all'))],
          examples: xs
            .slice(0, 3)
            .map((x) => ({ alertId: x.alertId, deviceId: x.deviceId, ts: x.ts, kind: x.kind, message: x.message })),
        }))
        .sort((x, y) => y.alerts - x.alerts);
      return {
        content: {
          from: listing.from,
          to: listing.to,
          totalAlerts: listing.items.length,
          truncated: listing.nextCursor !== null,
          days: byDay,
        },
        citations: [queryCitation('list_anomalies', a, `alerts [${listing.from}, ${listing.to})`)],
      };
    },
  });
}

export function explainAnomalyTool(deps: CopilotDeps) {
  const args = z.object({
    deviceId,
    ts: isoTime.describe('time of the anomaly'),
    metric: metric.nullable().describe('the metric, or null for every metric of the device'),
  });
  return tool({
    name: 'explain_anomaly',
    description:
      "Why a reading is anomalous: per metric, its value at ts against the same hour's median over the previous 7 days (deviation, robust z), the anomaly scores and forecast residual at ts, cleaning flags, and alerts on other devices within an hour.",
    args,
    async run(a) {
      const device = deps.query.devices.get(a.deviceId);
      if (!device) throw invalid('deviceId', `no registered device ${a.deviceId}`);
      const t = Date.parse(a.ts);
      const metrics = a.metric ? [a.metric] : [...device.metricSpecs.keys()];
      const perMetric = [];
      for (const m of metrics) {
        const { unit } = registeredMetric(deps.query, a.deviceId, m);
        const history = await readSeries(deps, a.deviceId, m, iso(t - 7 * 24 * HOUR), iso(t + 1));
        const at = history.filter((p) => Math.abs(Date.parse(p.ts) - t) <= device.intervalSeconds * 500).at(-1);
        const sameHour = history
          .filter((p) => p !== at && p.value !== null && new Date(p.ts).getUTCHours() === new Date(t).getUTCHours())
          .map((p) => p.value as number)
          .sort((x, y) => x - y);
        const median = sameHour.length
          ? (sameHour[Math.floor((sameHour.length - 1) / 2)]! + sameHour[Math.ceil((sameHour.length - 1) / 2)]!) / 2
          : null;
        const mad =
          median === null
            ? null
            : ([...sameHour.map((v) => Math.abs(v - median))].sort((x, y) => x - y)[Math.floor(sameHour.length / 2)] ??
              null);
        const forecast = await deps.query.reader
          .latestForecast({ deviceId: a.deviceId, metric: m, range: { from: iso(t - 1), to: iso(t + 1) } })
          .catch(() => null);
        const p50 = forecast?.points.find((p) => Date.parse(p.targetTs) === t)?.p50 ?? null;
        const value = at?.value ?? null;
        perMetric.push({
          metric: m,
          unit,
          value,
          readingTs: at?.ts ?? null,
          flags: at?.flags ?? [],
          score: at?.score ?? null,
          isAnomaly: at?.isAnomaly ?? false,
          sameHourMedian7d: median,
          deviation: value !== null && median !== null ? round(value - median, 4) : null,
          robustZ: value !== null && median !== null && mad ? round((value - median) / (1.4826 * mad), 2) : null,
          forecastP50: p50,
          forecastResidual: value !== null && p50 !== null ? round(value - p50, 4) : null,
        });
      }
      const scores = await listScores(deps.query, {
        deviceId: a.deviceId,
        from: iso(t - 1),
        to: iso(t + 1),
        limit: 50,
      });
      const nearby = await listAlerts(deps.query, { from: iso(t - HOUR), to: iso(t + HOUR), limit: 50 });
      return {
        content: {
          deviceId: a.deviceId,
          ts: a.ts,
          metrics: perMetric.sort((x, y) => Math.abs(y.robustZ ?? 0) - Math.abs(x.robustZ ?? 0)),
          scores: scores.items.map((s) => ({
            metric: s.metric,
            model: s.model,
            signal: s.signal,
            score: s.score,
            threshold: s.threshold,
            isAnomaly: s.isAnomaly,
          })),
          otherDevicesAlerts: nearby.items
            .filter((x) => x.deviceId !== a.deviceId)
            .map((x) => ({ deviceId: x.deviceId, ts: x.ts, kind: x.kind, metric: x.metric, message: x.message })),
          sameDeviceAlerts: nearby.items
            .filter((x) => x.deviceId === a.deviceId)
            .map((x) => ({ ts: x.ts, kind: x.kind, metric: x.metric, severity: x.severity, message: x.message })),
        },
        citations: [queryCitation('explain_anomaly', a, `${a.deviceId} around ${a.ts}`)],
      };
    },
  });
}
