import { SqlRefusedError, type StatementRefs } from './refusal.js';

type Json = Record<string, unknown>;

function walk(node: unknown, visit: (n: Json) => void): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (typeof node === 'object' && node !== null) {
    visit(node as Json);
    for (const v of Object.values(node)) walk(v, visit);
  }
}

const qualified = (...parts: unknown[]): string | null =>
  parts.filter((p) => typeof p === 'string' && p !== '').join('.') || null;

/** What DuckDB's own parser (json_serialize_sql) found in a statement; it serialises SELECT statements only. */
export function duckDbRefs(serialized: string): StatementRefs {
  const json = JSON.parse(serialized) as Json;
  if (json.error) {
    const message = typeof json.error_message === 'string' ? json.error_message : 'unparseable';
    if (/only select statements/i.test(message))
      throw new SqlRefusedError('select_only', 'only SELECT (and WITH ... SELECT) statements run');
    throw new SqlRefusedError('parse', message);
  }
  const statements = (json.statements as Json[] | undefined) ?? [];
  const refs = {
    tables: [] as Array<{ qualifier: string | null; name: string }>,
    tableFunctions: [] as string[],
    functions: [] as string[],
    ctes: [] as string[],
  };
  let recursive = false;
  walk(statements, (n) => {
    if (n.type === 'BASE_TABLE')
      refs.tables.push({ qualifier: qualified(n.catalog_name, n.schema_name), name: String(n.table_name) });
    else if (n.type === 'TABLE_FUNCTION')
      refs.tableFunctions.push(((n.function as Json | undefined)?.function_name as string | undefined) ?? 'unknown');
    else if (n.type === 'SHOW_REF') refs.tableFunctions.push('describe');
    else if (n.type === 'RECURSIVE_CTE_NODE') recursive = true;
    // DuckDB spells some built-ins in the default schema (EXTRACT is main.date_part): that qualifier is no reach.
    if (n.class === 'FUNCTION') {
      const builtin = n.schema === 'main' && (n.catalog === '' || n.catalog === 'system');
      refs.functions.push((builtin ? String(n.function_name) : qualified(n.catalog, n.schema, n.function_name)) ?? '');
    }
    const map = (n.cte_map as Json | undefined)?.map;
    if (Array.isArray(map)) for (const entry of map as Json[]) refs.ctes.push(String(entry.key));
  });
  const top = (statements[0]?.node as Json | undefined)?.modifiers as Json[] | undefined;
  const limit = top?.find((m) => m.type === 'LIMIT_MODIFIER')?.limit as Json | undefined;
  const value = limit?.class === 'CONSTANT' ? (limit.value as Json | undefined)?.value : undefined;
  return {
    statements: statements.length,
    kinds: statements.map(() => 'select'),
    ...refs,
    recursive,
    limit: typeof value === 'number' ? value : null,
  };
}
