import { parseArgs } from 'node:util';
import { runChaos, runFlood } from './chaos.js';

/**
 * `npm run chaos`: the crash test (≥ 50,000 values, ≥ 5 SIGKILLs of the whole stack, one while it starts) and
 * the flood test (4 publishers at full speed for 60 s). Exits 1 unless every value is accounted for exactly once
 * and the flood stayed under 1 GiB with publishers told to slow down.
 */
const { values } = parseArgs({
  options: {
    values: { type: 'string', default: '50000' },
    kills: { type: 'string', default: '5' },
    'flood-seconds': { type: 'string', default: '60' },
    skip: { type: 'string', default: '' },
  },
});
const say = (line: string) => console.log(line);
let failed = false;

if (values.skip !== 'crash') {
  const report = await runChaos({ values: Number(values.values), kills: Number(values.kills), log: say });
  console.log(JSON.stringify({ crash: report }, null, 2));
  if (
    report.lost > 0 ||
    report.duplicated > 0 ||
    report.altered > 0 ||
    report.kills.length < Number(values.kills) ||
    !report.kills[0]?.duringStart
  )
    failed = true;
}
if (values.skip !== 'flood') {
  const report = await runFlood({ seconds: Number(values['flood-seconds']), log: say });
  console.log(JSON.stringify({ flood: report }, null, 2));
  if (
    report.lost > 0 ||
    report.duplicated > 0 ||
    report.altered > 0 ||
    report.maxRssBytes >= 2 ** 30 ||
    report.publish.slowDown === 0
  )
    failed = true;
}
console.log(failed ? 'CHAOS FAILED' : 'chaos: every value accounted for');
process.exit(failed ? 1 : 0);
