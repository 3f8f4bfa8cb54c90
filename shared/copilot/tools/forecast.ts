import { z } from 'zod';
import { latestForecast } from '../../query/forecast.js';
import { tool } from '../tool.js';
import { deviceId, isoTime, metric, queryCitation, round, type CopilotDeps } from './deps.js';

export function forecastTool(deps: CopilotDeps) {
  const args = z.object({
    deviceId,
    metric,
    from: isoTime.describe('first target time'),
    to: isoTime.describe('end of the targets (exclusive)'),
  });
  return tool({
    name: 'forecast',
    description:
      'The latest forecast of a series for target times in [from, to): total p10/p50/p90 (for energy: kWh), the peak interval by p50 with its interval, and the points.',
    args,
    async run(a) {
      const found = await latestForecast(deps.query, a);
      const run = found.forecast;
      if (!run)
        return {
          content: {
            found: false,
            note: `no forecast of ${a.deviceId} ${a.metric} has targets in [${found.from}, ${found.to})`,
          },
        };
      const points = run.points;
      const sum = (k: 'p10' | 'p50' | 'p90') =>
        round(
          points.reduce((s, p) => s + p[k], 0),
          3,
        );
      const peak = points.reduce<(typeof points)[number] | null>(
        (best, p) => (!best || p.p50 > best.p50 ? p : best),
        null,
      );
      return {
        content: {
          deviceId: run.deviceId,
          metric: run.metric,
          unit: run.unit,
          origin: run.origin,
          issuedAt: run.issuedAt,
          model: `${run.model}@${run.modelVersion}`,
          targets: points.length,
          total: {
            p10: sum('p10'),
            p50: sum('p50'),
            p90: sum('p90'),
            unit: run.unit,
            note: 'sums of per-interval quantiles: the p10/p90 totals bound the total loosely',
          },
          peak: peak ? { targetTs: peak.targetTs, p10: peak.p10, p50: peak.p50, p90: peak.p90, unit: run.unit } : null,
          points: points.slice(0, 192),
        },
        citations: [queryCitation('forecast', a, `forecast ${run.deviceId} ${run.metric} origin ${run.origin}`)],
      };
    },
  });
}
