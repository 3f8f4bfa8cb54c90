import type { ForecastTarget } from '../forecast/targets.js';
import type { Warehouse } from '../warehouse/port.js';
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

export interface ForecastCacheOptions {
  /** How long fetched forecasts are served before they are read again (a re-forecast shows up after it). */
  readonly ttlMs: number;
  /** How far past a message's last value a read reaches, so the next messages find their forecasts cached. */
  readonly aheadMs: number;
  /** Series held at most; the least recently used go first. */
  readonly maxSeries: number;
  readonly now?: () => number;
}

/**
 * The forecasts of each forecasted series, read once for a window ahead and served from memory while fresh:
 * without it every readings-clean message of a forecasted series costs a warehouse query, and with ordering
 * keys its latency holds up the messages behind it. A message with a value the cached window has no forecast
 * for reads again (forecasts issued since, or none yet: then every message reads, as without the cache).
 */
export class ForecastCache {
  private readonly series = new Map<
    string,
    { from: number; to: number; readAt: number; byTime: Map<number, ForecastRow> }
  >();

  constructor(
    private readonly warehouse: Pick<Warehouse, 'latestForecasts'>,
    private readonly options: ForecastCacheOptions,
  ) {}

  /** Forecasts by target time (ms) for every value time in `times` (ms, ascending) the warehouse has one for. */
  async forTimes(deviceId: string, metric: string, times: readonly number[]): Promise<Map<number, ForecastRow>> {
    const key = `${deviceId}\u0000${metric}`;
    const now = (this.options.now ?? Date.now)();
    const from = times[0] as number;
    const to = times[times.length - 1] as number;
    const held = this.series.get(key);
    if (
      held &&
      now - held.readAt < this.options.ttlMs &&
      from >= held.from &&
      to <= held.to &&
      times.every((t) => held.byTime.has(t))
    ) {
      this.series.delete(key);
      this.series.set(key, held);
      return held.byTime;
    }
    const until = Math.max(to, from + this.options.aheadMs);
    const rows = await this.warehouse.latestForecasts(
      deviceId,
      metric,
      new Date(from).toISOString(),
      new Date(until).toISOString(),
    );
    const entry = { from, to: until, readAt: now, byTime: forecastsByTime(rows) };
    this.series.delete(key);
    this.series.set(key, entry);
    if (this.series.size > this.options.maxSeries) this.series.delete(this.series.keys().next().value as string);
    return entry.byTime;
  }
}
