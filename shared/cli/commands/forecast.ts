import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_FORECAST_MODEL, forecastFile } from '../../forecast/forecast.js';
import { loadConfig } from '../../config/env.js';
import { inputZoneOf } from '../../forecast/input-zone.js';
import { resolveModel } from '../../models/runtime.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of steps, 1 or more');
  return n;
}

export const forecastCommand = new Command('forecast')
  .description(
    'forecast p10/p50/p90 at each origin from the input rows strictly before it; writes origin,target_ts,p10,p50,p90',
  )
  .requiredOption('--input <csv>', 'history in the export format (ts + metric columns)')
  .requiredOption(
    '--origins <file|daily>',
    "file of origin timestamps (one a line), or 'daily' for every plant-local midnight",
  )
  .requiredOption('--output <csv>', 'where to write origin,target_ts,p10,p50,p90')
  .option('--model <dir|name>', `model folder or name (default: ${DEFAULT_FORECAST_MODEL}, the demo plant's champion)`)
  .option('--horizon <n>', "steps to write (default: the model's horizon)", positiveInt)
  .option('--timestamp <col>', "timestamp column (default: the card's, ts)")
  .option('--target <col>', "series column (default: the card's target)")
  .option(
    '--tz <zone>',
    'IANA zone of timestamps without an offset (input and origins); required for such timestamps unless --device',
  )
  .option('--device <id>', "read timestamps without an offset in this device's registry timezone")
  .action(
    async (options: {
      input: string;
      origins: string;
      output: string;
      model?: string;
      horizon?: number;
      timestamp?: string;
      target?: string;
      tz?: string;
      device?: string;
    }) => {
      const zone = inputZoneOf(options, loadConfig().KILOWATCH_DEVICES_FILE);
      const model = await resolveModel(options.model ?? DEFAULT_FORECAST_MODEL);
      const summary = await forecastFile(model, { ...options, ...(zone ? { zone } : {}) });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    },
  );
