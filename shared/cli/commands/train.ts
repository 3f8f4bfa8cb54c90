import { Command, InvalidArgumentError } from 'commander';
import { runTrainer } from '../../forecast/python.js';
import { loadModel } from '../../models/runtime.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return n;
}

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

type Options = Record<string, string | number | undefined>;

/** commander option (camelCase) → trainer flag. */
const FLAGS: Record<string, string> = {
  input: '--input',
  timestamp: '--timestamp',
  target: '--target',
  tz: '--tz',
  out: '--out',
  seed: '--seed',
  device: '--device',
  name: '--name',
  version: '--version',
  dataName: '--data-name',
  intervalLabel: '--interval-label',
  holidays: '--holidays',
  freq: '--freq',
  horizon: '--horizon',
  valDays: '--val-days',
  finalDays: '--final-days',
  members: '--members',
  epochs: '--epochs',
  hidden: '--hidden',
  stride: '--stride',
  laggingKvarh: '--lagging-kvarh',
  leadingKvarh: '--leading-kvarh',
  laggingPf: '--lagging-pf',
  leadingPf: '--leading-pf',
  co2: '--co2',
};

async function train(task: 'forecast' | 'estimate', options: Options): Promise<void> {
  const args: string[] = [task];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const flag = FLAGS[key];
    if (flag) args.push(flag, String(value));
  }
  const { code, stderr } = await runTrainer(args);
  if (code !== 0) {
    const last = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${code}`;
    throw new Error(`the ${task} trainer failed: ${last.replace(/^kilowatch train: /, '')}`);
  }
  // The parity check between PyTorch and onnxruntime: the card's golden outputs, reproduced here.
  const model = await loadModel(String(options.out));
  const summary = {
    model: model.name,
    version: model.version,
    out: model.dir,
    sha256: model.sha256,
    metrics: model.card.metrics.values,
    golden: {
      pairs: model.report.goldenPairs,
      values: model.report.goldenValues,
      maxAbsError: model.report.maxAbsError,
      tolerance: model.card.goldenTolerance,
    },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

function common(c: Command): Command {
  return c
    .requiredOption('--input <csv>', 'training set in the export format (kilowatch export-training-set)')
    .requiredOption('--out <dir>', 'model folder to write (model.onnx + card.json)')
    .option('--timestamp <col>', 'timestamp column', 'ts')
    .requiredOption(
      '--tz <zone>',
      'plant time zone (IANA, e.g. Asia/Seoul): the calendar features use it and timestamps without an offset are read in it',
    )
    .option('--seed <n>', 'random seed (same seed, machine and thread count: same model)', int, 1)
    .option('--device <device>', 'auto (CUDA when PyTorch sees one), cpu or cuda', 'auto')
    .option('--name <name>', 'model name for the card')
    .option('--version <version>', 'model version for the card (default: UTC time of training)')
    .option('--data-name <text>', 'what the training data is, for the card')
    .option('--interval-label <end|start>', 'readings are stamped at the end (default) or start of their interval');
}

const forecast = common(
  new Command('forecast').description('train a day-ahead quantile forecaster (p10/p50/p90) for one series'),
)
  .option('--target <col>', 'column to forecast', 'usage_kwh')
  .option('--freq <step>', 'sampling step, e.g. 15min, 1h (default: the most common step in the file)')
  .option('--horizon <n>', 'steps ahead (default: one day)', positiveInt)
  .option('--holidays <file>', 'plant holidays, one YYYY-MM-DD a line')
  .option('--val-days <n>', 'days before the final slice kept for early stopping and interval calibration', positiveInt)
  .option(
    '--final-days <n>',
    "days at the end kept untouched until the card's metrics are written (default 28)",
    positiveInt,
  )
  .option('--members <n>', 'ensemble members (seeds)', positiveInt)
  .option('--epochs <n>', 'most epochs per member', positiveInt)
  .option('--hidden <n>', 'hidden units', positiveInt)
  .option('--stride <n>', 'steps between training origins (default: two hours)', positiveInt)
  .action((options: Options) => train('forecast', options));

const estimate = common(
  new Command('estimate').description(
    "train an energy estimator from the interval's reactive energies, power factors, CO2 and calendar",
  ),
)
  .option('--target <col>', 'energy column', 'usage_kwh')
  .option('--lagging-kvarh <col>', 'lagging reactive energy column')
  .option('--leading-kvarh <col>', 'leading reactive energy column')
  .option('--lagging-pf <col>', 'lagging power factor column (%)')
  .option('--leading-pf <col>', 'leading power factor column (%)')
  .option('--co2 <col>', 'CO2 column (used when present)')
  .option('--val-days <n>', 'days at the end of the data kept for validation', positiveInt)
  .option('--epochs <n>', 'epochs of the prior', positiveInt)
  .action((options: Options) => train('estimate', options));

export const trainCommand = new Command('train')
  .description(
    'train a model with the Python trainer (training/; PyTorch, CUDA when present) and verify its ONNX export',
  )
  .addCommand(forecast)
  .addCommand(estimate);
