/**
 * `npm run bench`: every benchmark, one after the other, each next to a baseline measured in the same
 * run (machines are shared and noisy: compare the ratios). `npm run bench -- ingest` runs one group.
 */
import { measureImputation } from '../../shared/quality/imputation-quality.js';
import { measureSteelCleaning } from '../../shared/quality/steel-cleaning-quality.js';
import { anomalyBench } from './anomaly.bench.js';
import { endToEnd, inProcess, repeated, type Repeated } from './ingest.bench.js';

type Group = () => Promise<void> | void;

// `--seed N`: the corruption's seed for the cleaning and imputation groups (a held-out seed next to the reported one).
const args = process.argv.slice(2);
const seedAt = args.indexOf('--seed');
const seedArg = seedAt >= 0 ? Number(args[seedAt + 1]) : undefined;
if (seedArg !== undefined && !Number.isInteger(seedArg))
  throw new Error(`--seed: '${args[seedAt + 1]}' is not an integer`);

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(3));
const RUNS = 3;
/** A rate of repeated runs: the median, then the slowest and fastest run. */
const spread = (r: Repeated) => `${fmt(r.median.readingsPerS)} (${fmt(r.slowest)}–${fmt(r.fastest)})`;

const groups: Record<string, Group> = {
  async ingest() {
    const p = inProcess();
    console.log('\n## Ingest in process, one core (batches of 500 simulated machine readings, 5 metrics each)');
    console.log('| measure | value |\n| --- | --- |');
    console.log(`| JSON.parse only (baseline), readings/s | ${fmt(p.baselineReadingsPerS)} |`);
    console.log(`| decode + validate + normalise + clean + build rows, readings/s | ${fmt(p.ingestReadingsPerS)} |`);
    console.log(`| same, rows (metric values)/s | ${fmt(p.ingestRowsPerS)} |`);
    console.log(`| time ratio to JSON.parse | ${p.ratioToJsonParse.toFixed(1)}x |`);
    const batched = await repeated(RUNS, () => endToEnd());
    const e = batched.median;
    console.log('\n## Ingest end to end: local router → HTTP (functions framework) → ingest → DuckDB file');
    console.log(`Median of ${RUNS} runs, each on a fresh stack; in brackets the slowest and the fastest run.\n`);
    console.log('| measure | value |\n| --- | --- |');
    console.log(`| readings (5 metrics each) | ${fmt(e.readings)} |`);
    console.log(`| readings/s | ${spread(batched)} |`);
    console.log(`| rows/s into DuckDB | ${fmt(e.rowsPerS)} |`);
    console.log(`| end to end vs in process (readings/s) | ${(e.readingsPerS / p.ingestReadingsPerS).toFixed(2)} |`);
    console.log(`| CPU ms per message of 500 readings (whole process) | ${e.cpuMsPerMessage.toFixed(1)} |`);
    const s = await endToEnd(true);
    console.log('\n## The same with the score function subscribed to readings-clean (ends when every value is scored)');
    console.log('| measure | value |\n| --- | --- |');
    console.log(`| readings/s | ${fmt(s.readingsPerS)} |`);
    console.log(`| ratio to ingest alone | ${(s.readingsPerS / e.readingsPerS).toFixed(2)} |`);
    // One reading per message: messages/s equals readings/s.
    const single = await repeated(RUNS, () => endToEnd(false, 'single'));
    const singleScored = await repeated(RUNS, () => endToEnd(true, 'single'));
    const [one, oneScored] = [single.median, singleScored.median];
    console.log('\n## Single-reading messages (5 metrics each, 40 machines, 6,000 messages), end to end');
    console.log(`Median of ${RUNS} runs each; in brackets the slowest and the fastest run.\n`);
    console.log('| measure | ingest alone | with score subscribed |\n| --- | --- | --- |');
    console.log(`| messages/s | ${spread(single)} | ${spread(singleScored)} |`);
    console.log(
      `| ratio to batched readings/s above | ${(one.readingsPerS / e.readingsPerS).toFixed(3)} | ${(oneScored.readingsPerS / s.readingsPerS).toFixed(3)} |`,
    );
    console.log(
      `| CPU ms per message (whole process, every thread) | ${one.cpuMsPerMessage.toFixed(2)} | ${oneScored.cpuMsPerMessage.toFixed(2)} |`,
    );
  },
  cleaning() {
    const seed = seedArg ?? 1;
    const q = measureSteelCleaning({ seed, registryFile: 'data/devices.json' });
    console.log(
      `\n## Cleaning quality: the steel year (${fmt(q.readings)} readings x 6 metrics), independent corruption seed ${seed}, ${fmt(q.corrupted)} corrupted values`,
    );
    for (const p of q.paths) {
      console.log(
        `\n### ${p.path} path: false flags ${((100 * p.falseFlags) / p.cleanValues).toFixed(3)} % of ${fmt(p.cleanValues)} untouched values`,
      );
      console.log(
        '| fault | values | recall, any fault flag | recall, the flag that names it |\n| --- | ---: | ---: | ---: |',
      );
      for (const d of p.detection)
        console.log(`| ${d.fault} | ${d.values} | ${d.recallAny.toFixed(3)} | ${d.recallNamed.toFixed(3)} |`);
    }
    console.log(
      '\n### Imputation of dropped values (batch path) next to linear interpolation between uncorrupted neighbours',
    );
    console.log(
      '| values | count | RMSE, kilowatch clean | RMSE, linear interpolation | ratio |\n| --- | ---: | ---: | ---: | ---: |',
    );
    for (const r of [
      ...q.imputation,
      ...q.usageByLength.map((x) => ({ ...x, name: `usage_kwh, dropout ${x.name}` })),
      ...q.usageByScope.map((x) => ({ ...x, name: `usage_kwh, ${x.name}` })),
    ]) {
      console.log(
        `| ${r.name} | ${r.values}${r.unrepaired ? ` (${r.unrepaired} not repaired)` : ''} | ${r.rmse.toFixed(4)} | ${r.linearRmse.toFixed(4)} | ${(r.rmse / r.linearRmse).toFixed(3)} |`,
      );
    }
  },
  imputation() {
    const q = measureImputation({
      days: 365,
      share: 0.05,
      allColumnsShare: 0.01,
      seed: seedArg ?? 7,
      registryFile: 'data/devices.json',
    });
    console.log(
      `\n## Imputation: the steel plant year, 5 % of energy values masked (1 % with every electrical column), seed ${seedArg ?? 7}`,
    );
    console.log('| measure | value |\n| --- | --- |');
    console.log(`| masked values | ${fmt(q.masked)} (${q.unrepaired} not repaired) |`);
    console.log(`| RMSE, kilowatch clean (physics, profiles in time, KNN), kWh | ${q.imputedRmse.toFixed(3)} |`);
    console.log(
      `| same, where reactive energy and power factor are there, kWh | ${q.imputedRmseWithElectrical.toFixed(3)} |`,
    );
    console.log(`| same, where only CO2 is left, kWh | ${q.imputedRmseWithoutElectrical.toFixed(3)} |`);
    console.log(`| RMSE, linear interpolation between neighbours (baseline), kWh | ${q.linearRmse.toFixed(3)} |`);
    console.log('\n| scope | values | RMSE, kWh | RMSE of linear interpolation, kWh |\n| --- | ---: | ---: | ---: |');
    for (const g of q.byScope)
      console.log(`| ${g.name} | ${g.values} | ${g.rmse.toFixed(3)} | ${g.linearRmse.toFixed(3)} |`);
  },
};

groups.anomaly = anomalyBench;
groups.forecast = async () => {
  const { forecastBench, forecastBenchMarkdown } = await import('./forecast.bench.js');
  console.log(forecastBenchMarkdown(await forecastBench()));
};

groups.api = async () => {
  const { apiBench, apiBenchMarkdown } = await import('./api.bench.js');
  console.log(apiBenchMarkdown(await apiBench()));
};

// Needs a running api with demo data for its first-render figure (npm start; KILOWATCH_API_URL elsewhere).
groups.dashboard = async () => {
  const { dashboardBenchMarkdown } = await import('./dashboard.bench.js');
  console.log(await dashboardBenchMarkdown());
};

const wanted = args.filter((a, i) => !a.startsWith('--') && (seedAt < 0 || i !== seedAt + 1));
for (const [name, run] of Object.entries(groups)) {
  if (wanted.length && !wanted.includes(name)) continue;
  await run();
}
