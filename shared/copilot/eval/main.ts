import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/env.js';
import { openLlm } from '../../llm/open.js';
import { createCopilotRuntime } from '../../runtime/copilot-runtime.js';
import { DuckDbWarehouse } from '../../warehouse/duckdb.js';
import { EVAL_CASES } from './cases.js';
import { DEMO, writeDemoWarehouse } from './demo-warehouse.js';
import { runEval } from './run.js';
import { scriptedEvalModel } from './scripted-eval.js';

/**
 * `npm run eval:copilot`: the 52 questions against the configured model (KILOWATCH_LLM), over the evaluation
 * plant written into a fresh DuckDB file; `--scripted` (or no model configured) runs the scripted model, which
 * proves the harness and the tools, not a model. Prints the report as JSON.
 */
const scripted = process.argv.includes('--scripted');
const config = loadConfig({
  ...process.env,
  KILOWATCH_COPILOT_RATE_PER_MIN: '100000',
  KILOWATCH_COPILOT_BURST: '100000',
});
const configured = scripted ? undefined : await openLlm(config);
const dir = mkdtempSync(join(tmpdir(), 'kilowatch-eval-copilot-'));
const warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
try {
  await warehouse.init();
  await writeDemoWarehouse(warehouse);
  const llm = configured ?? scriptedEvalModel(EVAL_CASES);
  const runtime = await createCopilotRuntime(
    { ...config, KILOWATCH_DATA_DIR: dir },
    { warehouse, llm, now: () => Date.parse(DEMO.now) },
  );
  const label = configured
    ? `${configured.provider}:${configured.model}`
    : 'scripted (proves the harness; no model was run)';
  const report = await runEval(
    label,
    EVAL_CASES,
    (input) => runtime.ask('eval', input),
    (sql) => warehouse.query(sql),
  );
  const { results, ...summary } = report;
  process.stdout.write(
    `${JSON.stringify({ ...summary, failures: results.filter((r) => !r.answerOk || !r.toolChoiceOk).map((r) => ({ id: r.id, tools: r.toolsUsed, truth: r.truth, answer: r.answer.slice(0, 300), error: r.error })) }, null, 2)}\n`,
  );
} finally {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
}
