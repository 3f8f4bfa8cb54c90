import type { ForecastRun } from '../warehouse/read-port.js';
import type { QueryDeps } from './deps.js';
import { registeredMetric } from './series.js';
import { DAY_MS, resolveRange, type RangeInput } from './time-range.js';

export const FORECAST_RANGE = { defaultMs: 8 * DAY_MS, maxMs: 400 * DAY_MS };
/** Without bounds, targets from a day ago to a week ahead are searched. */
const DEFAULT_AHEAD_MS = 7 * DAY_MS;

export interface ForecastInput extends RangeInput {
  readonly deviceId: string;
  readonly metric: string;
}

/**
 * The forecast of the latest origin with targets in [from, to), with p10/p50/p90 and the model version; null
 * when no forecast has targets there (a series that is not forecast, or a range before the first forecast).
 */
export async function latestForecast(
  deps: QueryDeps,
  input: ForecastInput,
): Promise<{ from: string; to: string; forecast: (ForecastRun & { unit: string }) | null }> {
  const { unit } = registeredMetric(deps, input.deviceId, input.metric);
  const range = resolveRange(input, FORECAST_RANGE, deps.now() + DEFAULT_AHEAD_MS);
  const run = await deps.reader.latestForecast({ deviceId: input.deviceId, metric: input.metric, range });
  return { ...range, forecast: run ? { ...run, unit } : null };
}
