import { loadConfig, type Config } from '../config/env.js';
import type { ForecastTickDeps } from '../forecast/tick.js';
import { championModel } from '../models/runtime.js';
import type { Warehouse } from '../warehouse/port.js';
import { openWarehouse } from './adapters.js';

let runtime: Promise<ForecastTickDeps> | undefined;

/** Built from the environment; the local host passes its own warehouse (one DuckDB writer per file). */
export async function createForecastDeps(config: Config, warehouse?: Warehouse): Promise<ForecastTickDeps> {
  return {
    warehouse: warehouse ?? (await openWarehouse(config)),
    targets: config.KILOWATCH_FORECAST_TARGETS,
    model: async (name) => (await championModel(name, config)).get(),
  };
}

/** The forecast dependencies of this process, built once from the environment. */
export function forecastRuntime(): Promise<ForecastTickDeps> {
  runtime ??= createForecastDeps(loadConfig()).catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

/** Lets the local host share its warehouse (one DuckDB per process) with the forecast function. */
export function provideForecastRuntime(deps: ForecastTickDeps): void {
  runtime = Promise.resolve(deps);
}
