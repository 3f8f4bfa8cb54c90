import type { Bus } from '../bus/port.js';
import type { Config } from '../config/env.js';
import type { DriftDeps } from '../drift/watch.js';
import { championModel, openRegistry } from '../models/runtime.js';
import type { Warehouse } from '../warehouse/port.js';

/** Drift watch over the served forecast models (the champions of KILOWATCH_FORECAST_TARGETS, else the committed defaults). */
export async function createDriftDeps(config: Config, warehouse: Warehouse, bus: Bus): Promise<DriftDeps> {
  const registry = await openRegistry(config);
  return {
    warehouse,
    bus,
    card: async (model) => (await (await championModel(model, config)).get()).card,
    markHealth: (model, mark) => registry.markHealth(model, mark),
    targets: config.KILOWATCH_FORECAST_TARGETS,
    now: Date.now,
  };
}
