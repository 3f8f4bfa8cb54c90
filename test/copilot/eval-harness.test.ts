import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/env.js';
import { EVAL_CASES } from '../../shared/copilot/eval/cases.js';
import { DEMO, writeDemoWarehouse } from '../../shared/copilot/eval/demo-warehouse.js';
import { runEval, answerMatches } from '../../shared/copilot/eval/run.js';
import { scriptedEvalModel } from '../../shared/copilot/eval/scripted-eval.js';
import { ScriptedLlm } from '../../shared/copilot/eval/scripted-llm.js';
import { createCopilotRuntime } from '../../shared/runtime/copilot-runtime.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';

let dir: string;
let warehouse: DuckDbWarehouse;
const env = { KILOWATCH_COPILOT_RATE_PER_MIN: '100000', KILOWATCH_COPILOT_BURST: '100000' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-eval-'));
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await writeDemoWarehouse(warehouse);
});
afterAll(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function runtimeWith(llm: ScriptedLlm) {
  return createCopilotRuntime(loadConfig({ ...env, KILOWATCH_DATA_DIR: dir }), {
    warehouse,
    llm,
    now: () => Date.parse(DEMO.now),
  });
}

describe('npm run eval:copilot harness, against a scripted model', () => {
  it('has 40+ questions covering every family of the issue', () => {
    expect(EVAL_CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(EVAL_CASES.map((c) => c.id)).size).toBe(EVAL_CASES.length);
    expect(new Set(EVAL_CASES.map((c) => c.family))).toEqual(
      new Set([
        'explain',
        'forecast',
        'what-if',
        'anomalies',
        'operations',
        'observability',
        'maintenance',
        'incidents',
        'procedures',
        'sql',
        'series',
      ]),
    );
  });

  it('scores a model that calls the expected tools: every tool answer matches the ground truth read from the warehouse', async () => {
    const runtime = await runtimeWith(scriptedEvalModel(EVAL_CASES));
    const report = await runEval(
      'scripted',
      EVAL_CASES,
      (input) => runtime.ask('eval', input),
      (sql) => warehouse.query(sql),
    );
    const wrong = report.results
      .filter((r) => !r.answerOk || !r.toolChoiceOk)
      .map((r) => `${r.id}: ${r.answer} (truth ${r.truth}) ${r.error ?? ''}`);
    expect(wrong).toEqual([]);
    expect(report.toolChoiceAccuracy).toBe(1);
    expect(report.numericAccuracy).toBe(1);
    expect(report.results.filter((r) => !r.cited).map((r) => r.id)).toEqual(['procedure-outside']);
    expect(report.tokens.total).toBeGreaterThan(0);
  });

  it('marks wrong answers and wrong tools as wrong', async () => {
    const liar = new ScriptedLlm(() => ({
      turns: [() => [{ name: 'list_devices', args: { from: null, to: null } }]],
      answer: () => 'Answer: 42',
    }));
    const runtime = await runtimeWith(liar);
    const cases = EVAL_CASES.filter((c) => ['energy-march', 'spike-tuesday', 'forecast-total'].includes(c.id));
    const report = await runEval(
      'liar',
      cases,
      (input) => runtime.ask('eval', input),
      (sql) => warehouse.query(sql),
    );
    expect(report.toolChoiceAccuracy).toBe(0);
    expect(report.numericAccuracy).toBe(0);
  });

  it('matches numbers within tolerance and text case-insensitively', () => {
    expect(answerMatches('It used 12,345.6 kWh', 12_340)).toBe(true);
    expect(answerMatches('It used 12,000 kWh', 12_340)).toBe(false);
    expect(answerMatches('Δ -0.004 kg', 0)).toBe(true);
    expect(answerMatches('see Stuck-Or-Tampered-Meter.md#symptoms', 'stuck-or-tampered-meter.md')).toBe(true);
  });
});
