/**
 * `npm run eval:forecast`: the steel protocol for the committed (or given) forecaster and estimator, next to the
 * baselines computed in the same run. Prints markdown; exits 1 when a floor of issue 3 is missed.
 *
 *   npx tsx training/eval/forecast.ts [--forecast-model <dir>] [--estimate-model <dir>] [--json <file>]
 */
import { writeFileSync } from 'node:fs';
import { evaluateSteel, FLOORS, markdown } from './steel.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

const result = await evaluateSteel({ forecastModel: arg('--forecast-model'), estimateModel: arg('--estimate-model') });
process.stdout.write(`${markdown(result)}\n`);
const json = arg('--json');
if (json) writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
const f = result.forecast.rows[0]!.metrics;
const e = result.estimate.rows[0]!.metrics;
const ok =
  e.rmse <= FLOORS.estimateRmse &&
  f.mae <= FLOORS.forecastMae &&
  f.mase <= FLOORS.forecastMase &&
  (f.coverage80 ?? 0) >= FLOORS.coverageMin &&
  (f.coverage80 ?? 1) <= FLOORS.coverageMax;
process.exitCode = ok ? 0 : 1;
