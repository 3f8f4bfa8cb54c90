import type { ForecastTarget } from '../forecast/targets.js';
import type { ForecastRow } from '../warehouse/schema/tables.js';

/**
 * A series with forecasts is also scored on its forecast residual (reading − p50 of the latest forecast
 * made for that time): a value usual for the machine but unusual for the hour (consumption at night like
 * at midday) is ordinary to the value's own detector and stands out in the residual.
 */
export type ScoredSignal = 'value' | 'forecast_residual';

/** The series-cache name of a metric's residual series; metric names cannot contain ':' (registry rule). */
export function residualSeries(metric: string): string {
  return `${metric}:forecast_residual`;
}

/** Which (device, metric) series have forecasts to score against: the forecast function's targets. */
export function forecastedSeries(targets: readonly ForecastTarget[]): (deviceId: string, metric: string) => boolean {
  const keys = new Set(targets.map((t) => `${t.deviceId}\u0000${t.metric}`));
  return (deviceId, metric) => keys.has(`${deviceId}\u0000${metric}`);
}

/** Forecast rows by target time in ms, for matching readings whose ISO strings may be spelled differently. */
export function forecastsByTime(rows: readonly ForecastRow[]): Map<number, ForecastRow> {
  return new Map(rows.map((f) => [Date.parse(f.target_ts), f]));
}
