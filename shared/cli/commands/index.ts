import type { Command } from 'commander';
import { alertsCommand } from './alerts.js';
import { cleanCommand } from './clean.js';
import { recommendCommand } from './recommend.js';
import { driftCommand } from './drift.js';
import { archiveCommand } from './archive.js';
import { rollupCommand } from './rollup.js';
import { detectCommand } from './detect.js';
import { estimateCommand } from './estimate.js';
import { exportTrainingSetCommand } from './export-training-set.js';
import { forecastCommand } from './forecast.js';
import { simulateCommand } from './simulate.js';
import { sqlCommand } from './sql.js';
import { askCommand } from './ask.js';
import { modelsCommand } from './models.js';
import { statsCommand } from './stats.js';
import { trainCommand } from './train.js';

/** Every CLI command; each lives in its own file and calls a use-case. */
export const commands: Command[] = [statsCommand, cleanCommand, simulateCommand];
commands.push(modelsCommand);
commands.push(detectCommand);
commands.push(exportTrainingSetCommand, trainCommand, estimateCommand, forecastCommand);
commands.push(alertsCommand, recommendCommand, driftCommand, archiveCommand, rollupCommand);
commands.push(sqlCommand, askCommand);
