import { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { driftOnDemand } from '../../drift/local-drift.js';
import { openBus, openWarehouse } from '../../runtime/adapters.js';
import { createDriftDeps } from '../../runtime/drift-runtime.js';

export const driftCommand = new Command('drift')
  .description(
    'drift watch of the served forecast models: input drift (PSI, KS against the card reference) and performance drift (MAE vs the card, bias); stored in model_health, drift raises an alert and marks the model retrain-recommended in the registry',
  )
  .option('--model <name>', 'one model (default: every model of KILOWATCH_FORECAST_TARGETS)')
  .option('--as-of <time>', 'end of the window, ISO 8601 (default now)')
  .option('--window-days <n>', 'window length in days', '7')
  .option('--no-store', 'print only: no model_health rows, alerts or registry mark')
  .option('--json', 'JSON rows instead of lines')
  .action(async (flags: { model?: string; asOf?: string; windowDays: string; store: boolean; json?: boolean }) => {
    const windowDays = Number(flags.windowDays);
    if (!Number.isFinite(windowDays) || windowDays <= 0 || windowDays > 90)
      throw new Error(`--window-days: '${flags.windowDays}' is not a number of days from 0 to 90`);
    const config = loadConfig();
    const rows = await driftOnDemand(
      config,
      {
        ...(flags.model ? { model: flags.model } : {}),
        ...(flags.asOf ? { asOf: flags.asOf } : {}),
        windowDays,
        store: flags.store,
      },
      async () => {
        const [warehouse, bus] = await Promise.all([openWarehouse(config), openBus(config)]);
        return {
          deps: await createDriftDeps(config, warehouse, bus),
          close: async () => {
            await Promise.all([warehouse.close(), bus.close()]);
          },
        };
      },
    );
    if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else
      for (const r of rows)
        process.stdout.write(
          `${r.retrain_recommended ? 'RETRAIN RECOMMENDED' : 'ok'}  ${r.model} ${r.model_version} ${r.device_id} ${r.metric} ${r.window_from} → ${r.as_of}: ${r.detail}\n`,
        );
  });
