import { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { warehouseStats } from '../../stats/warehouse-stats.js';

export const statsCommand = new Command('stats')
  .description('print, as JSON, the row counts of every warehouse table and of the dead-letter sink')
  .action(async () => {
    process.stdout.write(`${JSON.stringify(await warehouseStats(loadConfig()), null, 2)}\n`);
  });
