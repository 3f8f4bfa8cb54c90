import type { Config } from '../config/env.js';
import type { ForecastTickDeps } from '../forecast/tick.js';
import { championModel } from '../models/runtime.js';
import type { Warehouse } from '../warehouse/port.js';
import { openWarehouse } from './adapters.js';
import { perProcess } from './per-process.js';

/** Built from the environment; the local host passes its own warehouse (one DuckDB writer per file). */
export async function createForecastDeps(config: Config, warehouse?: Warehouse): Promise<ForecastTickDeps> {
  return {
    warehouse: warehouse ?? (await openWarehouse(config)),
    targets: config.KILOWATCH_FORECAST_TARGETS,
    model: async (name) => (await championModel(name, config)).get(),
  };
}

const runtime = perProcess((config) => createForecastDeps(config));

/** The forecast function's dependencies in this process. */
export const forecastRuntime = runtime.get;
export const provideForecastRuntime = runtime.provide;
