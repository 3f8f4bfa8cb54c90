import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { DeviceRegistry } from '../../devices/registry.js';
import { cleanMessages } from '../../readings/clean/batch/clean-file.js';

function jsonLines(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join('\n') + (items.length ? '\n' : '');
}

export const cleanCommand = new Command('clean')
  .description(
    'clean a file of published messages (one per line) for training sets and backfills: flags plus imputation',
  )
  .requiredOption('--input <file>', 'JSON lines, one published message per line')
  .requiredOption('--output <file>', 'JSON lines, one stored row per line')
  .requiredOption('--rejected <file>', 'JSON lines, one rejection per line: { line, reason, detail, payload }')
  .option('--devices <file>', 'device registry (default: KILOWATCH_DEVICES_FILE)')
  .action((options: { input: string; output: string; rejected: string; devices?: string }) => {
    const config = loadConfig();
    const registry = DeviceRegistry.fromFile(options.devices ?? config.KILOWATCH_DEVICES_FILE);
    const lines = readFileSync(options.input, 'utf8').split('\n');
    const result = cleanMessages(lines, registry, {
      futureToleranceS: config.KILOWATCH_FUTURE_TOLERANCE_S,
      futureRejectS: config.KILOWATCH_FUTURE_REJECT_S,
      maxBatch: config.KILOWATCH_MAX_BATCH,
      maxMessageBytes: config.KILOWATCH_MAX_MESSAGE_BYTES,
    });
    writeFileSync(options.output, jsonLines(result.rows));
    writeFileSync(options.rejected, jsonLines(result.rejected));
    const repaired = result.rows.filter((r) => r.status === 'repaired').length;
    process.stdout.write(
      `${JSON.stringify({ rows: result.rows.length, repaired, rejected: result.rejected.length })}\n`,
    );
  });
