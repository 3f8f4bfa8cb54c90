import { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { recommendOnDemand } from '../../maintenance/local-recommend.js';
import { openWarehouse } from '../../runtime/adapters.js';
import { createRecommendDeps } from '../../runtime/recommend-runtime.js';
import type { RecommendationRow } from '../../warehouse/schema/tables.js';

const RISK = ['none', 'low', 'elevated', 'high'];

function text(r: RecommendationRow): string {
  const head = `${r.device_id} as of ${r.as_of}: risk ${r.risk} (${RISK[r.risk]}), act within ${r.urgency === 'none' ? '— (no action)' : r.urgency}`;
  const { findings } = JSON.parse(r.evidence) as {
    findings: Array<{ rule: string; signal: string; value: number; threshold: string }>;
  };
  const why = findings.map(
    (f) => `    evidence: ${f.rule}: ${f.signal} = ${Number(f.value.toPrecision(3))} (${f.threshold})`,
  );
  return [head, ...r.actions.map((a) => `  - ${a}`), ...why].join('\n');
}

export const recommendCommand = new Command('recommend')
  .description(
    'maintenance recommendations per machine: risk 0-3, urgency, actions and evidence (rules in KILOWATCH_MAINTENANCE_RULES_FILE); stored in recommendations',
  )
  .option('--device <id>', 'one machine (default: every machine that reported in the evidence window)')
  .option(
    '--as-of <time>',
    'end of the evidence window: an ISO time, or latest (each machine as of its newest reading); default latest locally, now in the cloud',
  )
  .option('--no-store', 'print only, do not write to recommendations')
  .option('--json', 'JSON rows instead of text')
  .action(async (flags: { device?: string; asOf?: string; store: boolean; json?: boolean }) => {
    const config = loadConfig();
    const asOf = flags.asOf ?? (config.KILOWATCH_BACKEND === 'local' ? 'latest' : undefined);
    const rows = await recommendOnDemand(
      config,
      { ...(flags.device ? { deviceId: flags.device } : {}), ...(asOf ? { asOf } : {}), store: flags.store },
      async () => {
        const warehouse = await openWarehouse(config);
        return { deps: await createRecommendDeps(config, warehouse), close: () => warehouse.close() };
      },
    );
    if (flags.json)
      process.stdout.write(
        `${JSON.stringify(
          rows.map((r) => ({ ...r, evidence: JSON.parse(r.evidence) as unknown })),
          null,
          2,
        )}\n`,
      );
    else process.stdout.write(`${rows.map(text).join('\n\n')}\n`);
  });
