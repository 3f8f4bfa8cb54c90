import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/env.js';
import { DEMO, writeDemoWarehouse } from '../../shared/copilot/eval/demo-warehouse.js';
import { ScriptedLlm } from '../../shared/copilot/eval/scripted-llm.js';
import { recommendMachines } from '../../shared/maintenance/recommend-machines.js';
import { createCopilotRuntime } from '../../shared/runtime/copilot-runtime.js';
import { createRecommendDeps } from '../../shared/runtime/recommend-runtime.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';

let dir: string;
let warehouse: DuckDbWarehouse;
const config = () => loadConfig({ KILOWATCH_DATA_DIR: dir });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-maint-'));
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await writeDemoWarehouse(warehouse);
});
afterAll(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ToolRecommendation {
  deviceId: string;
  urgency: string;
  rules: { risk: number; actWithin: string; actions: string[]; findings: Array<{ rule: string }> } | null;
}

describe('maintenance_recommendations tool', () => {
  it("reports the maintenance rules' verdict (kilowatch recommend) for each machine beside its alerts", async () => {
    const args = { from: '2018-03-30T15:00:00Z', to: DEMO.now };
    const llm = new ScriptedLlm(() => ({
      turns: [() => [{ name: 'maintenance_recommendations', args }]],
      answer: (results) => JSON.stringify(results[0]?.content),
    }));
    const runtime = await createCopilotRuntime(config(), { warehouse, llm, now: () => Date.parse(DEMO.now) });
    const content = JSON.parse((await runtime.ask('test', { question: 'Which machines need attention?' })).answer) as {
      recommendations: ToolRecommendation[];
    };
    const rows = await recommendMachines(
      { ...(await createRecommendDeps(config(), warehouse)), now: () => Date.parse(DEMO.now) },
      { asOf: DEMO.now, store: false },
    );
    const flagged = rows.filter((r) => r.urgency !== 'none');
    expect(flagged.length).toBeGreaterThan(0);
    for (const row of flagged) {
      const rec = content.recommendations.find((r) => r.deviceId === row.device_id);
      expect(rec?.rules, row.device_id).toMatchObject({ risk: row.risk, actWithin: row.urgency, actions: row.actions });
      expect(rec?.rules?.findings.map((f) => f.rule)).toEqual(row.rules);
      if (row.urgency === 'hours') expect(rec?.urgency).toBe('now');
    }
    // A dry look: the tool does not write to recommendations.
    expect(await warehouse.query('SELECT count(*)::INTEGER AS n FROM recommendations')).toEqual([{ n: 0 }]);
  });
});
