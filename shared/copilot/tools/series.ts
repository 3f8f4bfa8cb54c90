import { DateTime } from 'luxon';
import { z } from 'zod';
import { registeredMetric } from '../../query/series.js';
import { invalid } from '../../query/errors.js';
import type { SeriesPoint } from '../../warehouse/read-port.js';
import { tool } from '../tool.js';
import { deviceId, isoTime, metric, queryCitation, round, type CopilotDeps } from './deps.js';

const MAX_RANGE_MS = 92 * 86_400_000;
const GROUPS = ['none', 'hour', 'day', 'weekday'] as const;

export interface Stats {
  readonly points: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly sum: number;
  readonly peak: { ts: string; value: number } | null;
  readonly flagged: number;
  readonly anomalous: number;
}

export function stats(points: readonly SeriesPoint[]): Stats {
  const values = points.filter((p): p is SeriesPoint & { value: number } => p.value !== null);
  const sum = values.reduce((s, p) => s + p.value, 0);
  const peak = values.reduce<(SeriesPoint & { value: number }) | null>(
    (best, p) => (!best || p.value > best.value ? p : best),
    null,
  );
  return {
    points: points.length,
    mean: values.length ? round(sum / values.length, 4) : null,
    min: values.length ? Math.min(...values.map((p) => p.value)) : null,
    max: values.length ? Math.max(...values.map((p) => p.value)) : null,
    sum: round(sum, 4),
    peak: peak ? { ts: peak.ts, value: peak.value } : null,
    flagged: points.filter((p) => p.flags.length > 0).length,
    anomalous: points.filter((p) => p.isAnomaly).length,
  };
}

function groupKey(ts: string, by: (typeof GROUPS)[number], zone: string): string {
  const t = DateTime.fromISO(ts, { zone });
  if (by === 'hour') return String(t.hour).padStart(2, '0');
  if (by === 'day') return t.toISODate() as string;
  return t.weekdayLong as string;
}

const window = z.object({ from: isoTime, to: isoTime });

const args = z.object({
  deviceId,
  metric,
  from: isoTime,
  to: isoTime,
  groupBy: z.enum(GROUPS).describe('none, or per local hour of day, per local day, per weekday'),
  compareWith: window.nullable().describe('a second window to compare with (e.g. the week before), or null'),
});

/** Readings of a series over [from, to), bounded to MAX_RANGE_MS. */
export async function readSeries(
  deps: CopilotDeps,
  deviceIdValue: string,
  metricName: string,
  from: string,
  to: string,
): Promise<SeriesPoint[]> {
  if (Date.parse(to) - Date.parse(from) > MAX_RANGE_MS) throw invalid('to', 'a window may span at most 92 days');
  if (Date.parse(to) <= Date.parse(from)) throw invalid('from', 'from must be before to');
  return deps.query.reader.series({
    deviceId: deviceIdValue,
    metric: metricName,
    range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
  });
}

export function seriesStatsTool(deps: CopilotDeps) {
  return tool({
    name: 'series_stats',
    description:
      "Statistics of one device's metric over [from, to): count, mean, min, max, sum, peak, flagged and anomalous readings; optionally per local hour, day or weekday, and compared with a second window. Use for consumption questions (usage_kwh sums are energy in kWh).",
    args,
    async run(a) {
      const { device, unit } = registeredMetric(deps.query, a.deviceId, a.metric);
      const summarise = async (from: string, to: string) => {
        const points = await readSeries(deps, a.deviceId, a.metric, from, to);
        const groups: Record<string, Stats> = {};
        if (a.groupBy !== 'none') {
          const by = new Map<string, SeriesPoint[]>();
          for (const p of points) {
            const k = groupKey(p.ts, a.groupBy, device.timezone);
            by.set(k, [...(by.get(k) ?? []), p]);
          }
          for (const [k, ps] of [...by.entries()].sort()) groups[k] = stats(ps);
        }
        return { from, to, ...stats(points), ...(a.groupBy === 'none' ? {} : { groups }) };
      };
      const main = await summarise(a.from, a.to);
      const other = a.compareWith ? await summarise(a.compareWith.from, a.compareWith.to) : null;
      const comparison =
        other && main.mean !== null && other.mean !== null
          ? {
              deltaSum: round(main.sum - other.sum, 4),
              deltaMean: round(main.mean - other.mean, 4),
              ratioSum: other.sum ? round(main.sum / other.sum, 4) : null,
            }
          : null;
      return {
        content: {
          deviceId: a.deviceId,
          metric: a.metric,
          unit,
          timezone: device.timezone,
          window: main,
          ...(other ? { compareWith: other, comparison } : {}),
        },
        citations: [queryCitation('series_stats', a, `${a.deviceId} ${a.metric} [${a.from}, ${a.to})`)],
      };
    },
  });
}
