import { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { runRollups } from '../../rollup/run-rollups.js';
import { openWarehouse } from '../../runtime/adapters.js';
import { createRollupDeps } from '../../runtime/rollup-runtime.js';

export const rollupCommand = new Command('rollup')
  .description(
    "hourly, daily, ISO-weekly and monthly aggregates per device and metric (readings_hourly ... readings_monthly): closed buckets since each level's watermark, less the late window (KILOWATCH_ROLLUP_LATE_HOURS); what the rollup function does hourly in the cloud",
  )
  .option('--from <time>', 'recompute from this ISO time (after a backfill older than the late window)')
  .option('--now <time>', 'treat this ISO time as now (buckets ending after it stay open)')
  .action(async (flags: { from?: string; now?: string }) => {
    const config = loadConfig();
    for (const [flag, value] of Object.entries({ from: flags.from, now: flags.now }))
      if (value !== undefined && !Number.isFinite(Date.parse(value)))
        throw new Error(`rollup: --${flag} '${value}' is not an ISO 8601 date or time`);
    // Locally the roll-ups need the DuckDB file to itself: stop `npm start` first (opening it says so when it runs).
    const warehouse = await openWarehouse(config);
    try {
      const deps = await createRollupDeps(config, warehouse);
      const runs = await runRollups(deps.store, {
        now: flags.now ? new Date(flags.now) : new Date(deps.now()),
        lateHours: deps.lateHours,
        maxDays: deps.maxDays,
        ...(flags.from ? { from: new Date(flags.from).toISOString() } : {}),
      });
      process.stdout.write(`${JSON.stringify({ rollups: runs }, null, 2)}\n`);
    } finally {
      await warehouse.close();
    }
  });
