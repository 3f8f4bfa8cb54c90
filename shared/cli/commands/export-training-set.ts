import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/env.js';
import { openWarehouse } from '../../runtime/adapters.js';
import { exportTrainingSet, type ExportQuality } from '../../forecast/training-set.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',')];
}

function quality(value: string): ExportQuality {
  if (value !== 'clean' && value !== 'all') throw new InvalidArgumentError("expected 'clean' or 'all'");
  return value;
}

export const exportTrainingSetCommand = new Command('export-training-set')
  .description(
    'write a training set CSV (ts + one column per metric) of a device from the warehouse (DuckDB locally, BigQuery in the cloud)',
  )
  .requiredOption('--device <id>', 'device id, e.g. steel-plant/main-meter')
  .requiredOption('--metric <name...>', 'metric(s), repeated or comma-separated, e.g. usage_kwh', collect)
  .requiredOption('--from <iso>', 'first timestamp (inclusive; UTC when without an offset)')
  .requiredOption('--to <iso>', 'end timestamp (exclusive)')
  .requiredOption('--output <csv>', 'where to write the CSV')
  .option(
    '--quality <clean|all>',
    'clean: repaired, imputed and untrusted (out_of_range, stuck, inconsistent) values become empty cells; all: values as stored',
    quality,
    'clean',
  )
  .action(
    async (options: {
      device: string;
      metric: string[];
      from: string;
      to: string;
      output: string;
      quality: ExportQuality;
    }) => {
      const source = await openWarehouse(loadConfig());
      try {
        const summary = await exportTrainingSet(source, {
          deviceId: options.device,
          metrics: options.metric,
          from: options.from,
          to: options.to,
          output: options.output,
          quality: options.quality,
        });
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } finally {
        await source.close();
      }
    },
  );
