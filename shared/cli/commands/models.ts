import { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { ModelRefusedError } from '../../models/errors.js';
import { verifyModel } from '../../models/loader.js';
import { committedModels, openRegistry } from '../../models/resolve.js';

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const verify = new Command('verify')
  .description(
    'load a model folder in onnxruntime-node and reproduce its golden outputs; prints JSON, exit 1 on failure',
  )
  .argument('<dir>', 'model folder: model.onnx + card.json')
  .action(async (dir: string) => {
    const { report } = await verifyModel(dir);
    print(report);
    if (!report.ok) process.exitCode = 1;
  });

const push = new Command('push')
  .description(
    "verify a model folder, upload it as a version, promote it to champion if its holdout metric beats the champion's",
  )
  .argument('<dir>', 'model folder: model.onnx + card.json')
  .option(
    '--force',
    'promote even if the primary metric does not beat the champion (never overwrites a version)',
    false,
  )
  .action(async (dir: string, options: { force: boolean }) => {
    const registry = await openRegistry(loadConfig());
    try {
      print({ ok: true, registry: registry.location, ...(await registry.push(dir, { force: options.force })) });
    } catch (error) {
      if (!(error instanceof ModelRefusedError)) throw error;
      print({ ok: false, registry: registry.location, error: error.message, problems: error.problems });
      process.exitCode = 1;
    }
  });

const list = new Command('list')
  .description('list models in the registry: versions, holdout metrics, champion; and the committed defaults')
  .argument('[name]', 'one model name')
  .action(async (name: string | undefined) => {
    const config = loadConfig();
    const registry = await openRegistry(config);
    const models = await registry.list(name);
    const committed = committedModels(config).filter((m) => name === undefined || m.name === name);
    print({ registry: registry.location, models, committed });
  });

export const modelsCommand = new Command('models')
  .description('model registry: verify, push and list ONNX models with their cards')
  .addCommand(verify)
  .addCommand(push)
  .addCommand(list);
