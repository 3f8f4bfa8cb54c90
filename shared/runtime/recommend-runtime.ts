import { incidentReads } from '../alerting/open-reads.js';
import type { Config } from '../config/env.js';
import { maintenanceReads } from '../maintenance/open-reads.js';
import type { RecommendDeps } from '../maintenance/recommend-machines.js';
import { loadRules } from '../maintenance/rules.js';
import { forecastedSeries } from '../scoring/forecast-residuals.js';
import type { Warehouse } from '../warehouse/port.js';
import { openBus, openWarehouse } from './adapters.js';
import { createDriftDeps } from './drift-runtime.js';
import type { MaintenanceTickDeps } from '../maintenance/handle-tick.js';
import { perProcess } from './per-process.js';

export async function createRecommendDeps(config: Config, warehouse?: Warehouse): Promise<RecommendDeps> {
  // A bad rules file fails the start, naming the field.
  const rules = loadRules(config.KILOWATCH_MAINTENANCE_RULES_FILE);
  const wh = warehouse ?? (await openWarehouse(config));
  return {
    warehouse: wh,
    reads: await maintenanceReads(wh),
    incidents: await incidentReads(wh),
    rules,
    forecasted: forecastedSeries(config.KILOWATCH_FORECAST_TARGETS),
    now: Date.now,
  };
}

const runtime = perProcess(async (config): Promise<MaintenanceTickDeps> => {
  const recommend = await createRecommendDeps(config);
  return { recommend, drift: await createDriftDeps(config, recommend.warehouse, await openBus(config)) };
});

export const recommendRuntime = () => runtime.get();
export const provideRecommendRuntime = (value: MaintenanceTickDeps | Promise<MaintenanceTickDeps>) =>
  runtime.provide(value);
