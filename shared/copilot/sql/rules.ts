import { TABLES } from '../../warehouse/schema/tables.js';
import { COPILOT_VIEW_NAMES } from '../../warehouse/schema/copilot-views.js';
import { SqlRefusedError, type StatementRefs } from './refusal.js';

const CATALOGS =
  /^(information_schema|pg_catalog|sqlite_master|sqlite_schema|sqlite_temp_master|duckdb_\w*|pg_\w*|region-[\w-]+|system|temp|main)$/i;

/** Functions that reach outside the query (files, network, environment, settings, other databases) or into catalogs. */
const DENIED_PREFIXES = [
  'read_',
  'parquet_',
  'duckdb_',
  'pragma_',
  'iceberg_',
  'delta_',
  'postgres_',
  'mysql_',
  'sqlite_',
  'http_',
  'st_read',
  'json_execute',
  'current_setting',
  'pg_',
];
const DENIED = new Set([
  'external_query',
  'glob',
  'query',
  'query_table',
  'getenv',
  'sniff_csv',
  'which_secret',
  'load_extension',
  'checkpoint',
  'force_checkpoint',
  'install',
  'load',
  'copy',
  'attach',
  'detach',
  'export_database',
  'import_database',
  'set_config',
  'session_user',
  'current_user',
  'vector_search',
  'session_id',
  'system',
  'shell',
  'enable_logging',
  'has_table_privilege',
  'current_database',
  'current_schema',
  'current_schemas',
  'version',
  'pragma',
  'set',
  'reset',
]);

/** Names a CTE may not take: they would shadow a table the guard cannot tell apart from it. */
const RESERVED_NAMES = new Set(TABLES.flatMap((t) => [t.name, `${t.name}_dedup`]).map((n) => n.toLowerCase()));

function deniedFunction(name: string): boolean {
  const n = name.toLowerCase();
  return n.includes('.') || DENIED.has(n) || DENIED_PREFIXES.some((p) => n.startsWith(p));
}

/** The allow-list and deny-list over what the parser found; throws the first broken rule. */
export function checkRefs(refs: StatementRefs): void {
  if (refs.statements !== 1)
    throw new SqlRefusedError('single_statement', `${refs.statements} statements; send exactly one`);
  const other = refs.kinds.find((k) => k !== 'select');
  if (other)
    throw new SqlRefusedError(
      'select_only',
      `${other.toUpperCase()} is not a read; only SELECT (and WITH ... SELECT) run`,
    );
  if (refs.recursive) throw new SqlRefusedError('recursive_cte', 'WITH RECURSIVE is not allowed');
  const ctes = new Set(refs.ctes.map((c) => c.toLowerCase()));
  for (const cte of ctes) {
    if (RESERVED_NAMES.has(cte) || COPILOT_VIEW_NAMES.has(cte) || CATALOGS.test(cte)) {
      throw new SqlRefusedError('cte_name', `a WITH query may not be named ${cte}, the name of a table or view`);
    }
  }
  if (refs.tableFunctions.length > 0) {
    throw new SqlRefusedError(
      'table_function',
      `table function ${refs.tableFunctions[0]}(...) is not allowed; read the copilot_* views`,
    );
  }
  for (const t of refs.tables) {
    if (t.qualifier !== null) {
      if (CATALOGS.test(t.qualifier) || /information_schema/i.test(t.qualifier)) {
        throw new SqlRefusedError('system_catalog', `${t.qualifier}.${t.name} is a system catalog`);
      }
      throw new SqlRefusedError(
        'qualified_name',
        `${t.qualifier}.${t.name}: name the copilot_* views without a dataset or schema`,
      );
    }
    const name = t.name.toLowerCase();
    if (ctes.has(name) || COPILOT_VIEW_NAMES.has(name)) continue;
    if (CATALOGS.test(name)) throw new SqlRefusedError('system_catalog', `${t.name} is a system catalog`);
    throw new SqlRefusedError(
      'allow_list',
      `${t.name} is not readable; the readable views are ${[...COPILOT_VIEW_NAMES].join(', ')}`,
    );
  }
  const denied = refs.functions.find(deniedFunction);
  if (denied)
    throw new SqlRefusedError(
      'denied_function',
      `function ${denied}() is not allowed (it reaches outside the views or into settings)`,
    );
}
