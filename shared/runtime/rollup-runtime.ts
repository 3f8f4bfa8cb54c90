import type { Config } from '../config/env.js';
import { rollupStore } from '../rollup/open-store.js';
import type { RollupTickDeps } from '../rollup/handle-tick.js';
import type { Warehouse } from '../warehouse/port.js';
import { openWarehouse } from './adapters.js';
import { perProcess } from './per-process.js';

export async function createRollupDeps(config: Config, warehouse?: Warehouse): Promise<RollupTickDeps> {
  return {
    store: await rollupStore(warehouse ?? (await openWarehouse(config)), config),
    lateHours: config.KILOWATCH_ROLLUP_LATE_HOURS,
    maxDays: config.KILOWATCH_ROLLUP_MAX_DAYS,
    now: Date.now,
  };
}

const runtime = perProcess((config) => createRollupDeps(config));

export const rollupRuntime = () => runtime.get();
