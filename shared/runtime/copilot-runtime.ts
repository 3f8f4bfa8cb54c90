import type { Config } from '../config/env.js';
import { ask, type AskAnswer, type AskDeps, type AskInput } from '../copilot/ask.js';
import { Conversations, type TurnReader } from '../copilot/conversations.js';
import { CallerRateLimit, DailyTokenBudget } from '../copilot/limits.js';
import type { LoopEvent } from '../copilot/loop.js';
import { openSqlRunner } from '../copilot/sql/open.js';
import type { SqlRunner } from '../copilot/sql/runner.js';
import type { CopilotDeps } from '../copilot/tools/deps.js';
import { copilotTools } from '../copilot/tools/index.js';
import { bigQueryTurnReader, duckDbTurnReader } from '../copilot/turn-readers.js';
import { loadTariff } from '../energy/tariff.js';
import { CONFIGURE_LLM_HINT, openLlm } from '../llm/open.js';
import type { Llm } from '../llm/port.js';
import { loadCorpus, openProcedureStore } from '../procedures/corpus.js';
import { ProcedureIndex } from '../procedures/search.js';
import type { RecommendDeps } from '../maintenance/recommend-machines.js';
import type { QueryDeps } from '../query/deps.js';
import type { Warehouse } from '../warehouse/port.js';
import { openWarehouse } from './adapters.js';
import { createApiRuntime } from './api-runtime.js';
import { createRecommendDeps } from './recommend-runtime.js';
import { perProcess } from './per-process.js';

export interface CopilotRuntime {
  readonly ask: (caller: string, input: AskInput, onEvent?: (e: LoopEvent) => void) => Promise<AskAnswer>;
  readonly sql: SqlRunner;
  readonly config: Config;
}

/** The tools' dependencies: the query use-cases, guarded SQL, the procedure index (built once), tariffs. */
export function copilotDeps(
  config: Config,
  warehouse: Warehouse,
  query: QueryDeps,
  sql: SqlRunner,
  llm: Llm | undefined,
): CopilotDeps {
  let index: Promise<ProcedureIndex> | undefined;
  let maintenance: Promise<RecommendDeps> | undefined;
  return {
    query,
    sql,
    sqlMaxRows: config.KILOWATCH_SQL_MAX_ROWS,
    procedures: () =>
      (index ??= openProcedureStore(config).then(async ({ store, prefix }) =>
        ProcedureIndex.build(await loadCorpus(store, prefix), llm?.embed),
      )),
    maintenance: () => (maintenance ??= createRecommendDeps(config, warehouse).then((d) => ({ ...d, now: query.now }))),
    tariff: (site) => loadTariff(config.KILOWATCH_TARIFFS_DIR, site),
  };
}

function lazySqlRunner(dialect: SqlRunner['dialect'], open: () => Promise<SqlRunner>): SqlRunner {
  let runner: Promise<SqlRunner> | undefined;
  const get = () => (runner ??= open());
  return { dialect, refs: async (s) => (await get()).refs(s), run: async (s) => (await get()).run(s) };
}

export interface CopilotRuntimeOptions {
  readonly warehouse?: Warehouse;
  readonly llm?: Llm;
  readonly now?: () => number;
  /** Guarded SQL's runner, when the caller opens it (tests count what reaches it). */
  readonly sql?: SqlRunner;
}

/**
 * The copilot's dependencies. Locally the DuckDB instance of the process that owns the file (guarded SQL on
 * a locked read-only connection of it); in the cloud BigQuery, with SQL in the copilot views' dataset.
 */
export async function createCopilotRuntime(
  config: Config,
  options: CopilotRuntimeOptions = {},
): Promise<CopilotRuntime> {
  const warehouse = options.warehouse ?? (await openWarehouse(config));
  const now = options.now ?? Date.now;
  const api = await createApiRuntime(config, warehouse);
  const query: QueryDeps = { ...api.deps, now };
  let sql: SqlRunner;
  let readTurns: TurnReader;
  if (config.KILOWATCH_BACKEND === 'gcp') {
    sql = await openSqlRunner(config);
    readTurns = bigQueryTurnReader(
      {
        projectId: config.GOOGLE_CLOUD_PROJECT as string,
        dataset: config.KILOWATCH_BQ_DATASET,
        location: config.KILOWATCH_BQ_LOCATION,
        apiEndpoint: config.BIGQUERY_API_ENDPOINT,
      },
      now,
    );
  } else {
    const { DuckDbWarehouse } = await import('../warehouse/duckdb.js');
    if (!(warehouse instanceof DuckDbWarehouse))
      throw new Error('the local copilot reads the embedded warehouse: pass the DuckDbWarehouse itself');
    // Opened on first use: it locks the configuration of the whole instance (external access off).
    sql = options.sql ?? lazySqlRunner('duckdb', () => openSqlRunner(config, warehouse));
    readTurns = duckDbTurnReader(warehouse, now);
  }
  const llm = options.llm ?? (await openLlm(config));
  const deps: AskDeps = {
    llm,
    tools: copilotTools(copilotDeps(config, warehouse, query, sql, llm)),
    conversations: new Conversations(warehouse, readTurns),
    warehouse,
    rateLimit: new CallerRateLimit(config.KILOWATCH_COPILOT_RATE_PER_MIN, config.KILOWATCH_COPILOT_BURST),
    dailyTokens: new DailyTokenBudget(config.KILOWATCH_COPILOT_DAILY_TOKENS, now, async (from, to) => {
      const usage = await query.reader.copilotUsage({ from, to });
      return usage.tokensIn + usage.tokensOut;
    }),
    budget: { maxToolCalls: config.KILOWATCH_COPILOT_MAX_TOOL_CALLS, maxTokens: config.KILOWATCH_COPILOT_MAX_TOKENS },
    prices: {
      inputPerMillion: config.KILOWATCH_LLM_PRICE_IN_PER_MTOK,
      outputPerMillion: config.KILOWATCH_LLM_PRICE_OUT_PER_MTOK,
    },
    notConfigured: CONFIGURE_LLM_HINT,
    now,
  };
  return { ask: (caller, input, onEvent) => ask(deps, caller, input, onEvent), sql, config };
}

const runtime = perProcess((config) => createCopilotRuntime(config));

/** The copilot function's dependencies in this process. */
export const copilotRuntime = (): Promise<CopilotRuntime> => runtime.get();
export const provideCopilotRuntime: typeof runtime.provide = (value) => runtime.provide(value);
