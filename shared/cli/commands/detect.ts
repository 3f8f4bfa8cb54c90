import { Command, InvalidArgumentError } from 'commander';
import { detectFile } from '../../anomaly/detect.js';

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of rows, 0 or more');
  return n;
}

export const detectCommand = new Command('detect')
  .description(
    "score a CSV of readings for anomalies, row by row (a row's score depends only on the rows before it and the model): " +
      "NAB's timestamp,value or SKAB's ';'-separated datetime + sensor columns in, timestamp,anomaly_score,is_anomaly out",
  )
  .requiredOption('--input <csv>', 'readings: a timestamp (or datetime) column and one or more numeric columns')
  .requiredOption('--output <csv>', 'where to write timestamp,anomaly_score,is_anomaly')
  .option(
    '--model <dir|name>',
    'model folder or name; default: stream-univariate for one column, the best multivariate detector for several',
  )
  .option(
    '--timestamp <col>',
    'timestamp column (default: the first of timestamp, datetime, ts); timestamps are copied to the output, not interpreted, so no --tz',
  )
  .option(
    '--fit-rows <n>',
    'fit the detector on the first n rows (SKAB protocol: 400) and score only the rows after them',
    nonNegativeInt,
  )
  .action(async (options: { input: string; output: string; model?: string; fitRows?: number; timestamp?: string }) => {
    const summary = await detectFile(options);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  });
