import { detectorParams, type DetectorModel } from '../anomaly/scoring.js';
import type { Bus } from '../bus/port.js';
import type { Config } from '../config/env.js';
import { championModel } from '../models/runtime.js';
import { ForecastCache, forecastedSeries } from '../scoring/forecast-residuals.js';
import { KeyedQueue, SeriesCache } from '../scoring/series-cache.js';
import type { ScoreDeps } from '../scoring/score-readings.js';
import type { Warehouse } from '../warehouse/port.js';
import { openBus, openWarehouse } from './adapters.js';
import { perProcess } from './per-process.js';

/**
 * Series one instance keeps detectors for. A detector's transition memories grow with the values it has seen:
 * measured after 20,000 values, about 0.3 MB for a periodic series and 4 MB for white noise (the worst case),
 * so 500 series stay within a 1 GiB instance for typical meters. Evicted series are rebuilt from the warehouse.
 */
export const SCORE_MAX_SERIES = 500;
/** Rows per metric a cold series is rebuilt from: past the detector's 388 learning rows, with room to spare. */
export const SCORE_WARMUP_ROWS = 1000;

export interface ScoreRuntimeOptions {
  /** Adapters to share (the local host's one DuckDB and bus); opened from the configuration otherwise. */
  readonly warehouse?: Warehouse;
  readonly bus?: Bus;
  readonly maxSeries?: number;
  readonly warmupRows?: number;
}

export async function createScoreDeps(config: Config, options: ScoreRuntimeOptions = {}): Promise<ScoreDeps> {
  const holder = await championModel(config.KILOWATCH_SCORE_MODEL, config);
  // Fail at start-up, not on the first message, when the configured model cannot be served per series.
  const first = (await holder.get()) as unknown as DetectorModel;
  const params = detectorParams(first);
  if (params.detector !== 'stream-univariate') {
    throw new Error(
      `KILOWATCH_SCORE_MODEL: ${config.KILOWATCH_SCORE_MODEL} is a ${params.detector} detector; the score function needs a stream-univariate one (one detector per device metric)`,
    );
  }
  const [warehouse, bus] = await Promise.all([
    options.warehouse ?? openWarehouse(config),
    options.bus ?? openBus(config),
  ]);
  return {
    warehouse,
    bus,
    model: async () => await holder.get(),
    series: new SeriesCache(options.maxSeries ?? SCORE_MAX_SERIES),
    queue: new KeyedQueue(),
    warmupRows: options.warmupRows ?? SCORE_WARMUP_ROWS,
    // The series the forecast function forecasts are the ones with forecasts to score residuals against.
    forecasted: forecastedSeries(config.KILOWATCH_FORECAST_TARGETS),
    // Forecasts are issued nightly for the day ahead: read a day ahead, again after 10 minutes.
    forecasts: new ForecastCache(warehouse, {
      ttlMs: 10 * 60_000,
      aheadMs: 86_400_000,
      maxSeries: options.maxSeries ?? SCORE_MAX_SERIES,
    }),
  };
}

const runtime = perProcess((config) => createScoreDeps(config));

/** The score function's dependencies in this process (a warm instance keeps its series states). */
export const scoreRuntime = runtime.get;
export const provideScoreRuntime = runtime.provide;
