import { Command } from 'commander';
import { DEFAULT_ESTIMATE_MODEL, estimateFile } from '../../estimate/estimate.js';
import { loadConfig } from '../../config/env.js';
import { inputZoneOf } from '../../forecast/input-zone.js';
import { resolveModel } from '../../models/runtime.js';

interface EstimateCliOptions {
  input: string;
  output: string;
  model?: string;
  timestamp?: string;
  tz?: string;
  device?: string;
  laggingKvarh?: string;
  leadingKvarh?: string;
  laggingPf?: string;
  leadingPf?: string;
  co2?: string;
}

export const estimateCommand = new Command('estimate')
  .description(
    "estimate each interval's energy from its reactive energies, power factors, CO2 and calendar; writes ts,estimate",
  )
  .requiredOption('--input <csv>', 'readings in the export format (ts + metric columns named as in the warehouse)')
  .requiredOption('--output <csv>', 'where to write ts,estimate (empty where a row has no electrical reading)')
  .option('--model <dir|name>', `model folder or name (default: ${DEFAULT_ESTIMATE_MODEL}, the demo plant's champion)`)
  .option('--timestamp <col>', "timestamp column (default: the card's, ts)")
  .option('--tz <zone>', 'IANA zone of timestamps without an offset; required for such timestamps unless --device')
  .option('--device <id>', "read timestamps without an offset in this device's registry timezone")
  .option('--lagging-kvarh <col>', "lagging reactive energy column (default: the card's, lagging_reactive_kvarh)")
  .option('--leading-kvarh <col>', "leading reactive energy column (default: the card's)")
  .option('--lagging-pf <col>', "lagging power factor column, % (default: the card's)")
  .option('--leading-pf <col>', "leading power factor column, % (default: the card's)")
  .option('--co2 <col>', "CO2 column, used when present (default: the card's)")
  .action(async (options: EstimateCliOptions) => {
    const zone = inputZoneOf(options, loadConfig().KILOWATCH_DEVICES_FILE);
    const model = await resolveModel(options.model ?? DEFAULT_ESTIMATE_MODEL);
    const columns = Object.fromEntries(
      Object.entries({
        lagging_kvarh: options.laggingKvarh,
        leading_kvarh: options.leadingKvarh,
        lagging_pf: options.laggingPf,
        leading_pf: options.leadingPf,
        co2: options.co2,
      }).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const summary = await estimateFile(model, { ...options, ...(zone ? { zone } : {}), columns });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  });
