import sqlParser from 'node-sql-parser';
import { SqlRefusedError, type StatementRefs } from './refusal.js';

type Json = Record<string, unknown>;
const parser = new sqlParser.Parser();
const OPTIONS = { database: 'BigQuery' };

function walk(node: unknown, visit: (n: Json, parentKey: string) => void, key = ''): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit, key);
  else if (typeof node === 'object' && node !== null) {
    visit(node as Json, key);
    for (const [k, v] of Object.entries(node)) walk(v, visit, k);
  }
}

function functionName(n: Json): string {
  if (typeof n.name === 'string') return n.name;
  const name = n.name as { name?: Array<{ value: string }>; schema?: { value: string } } | undefined;
  return [name?.schema?.value, ...(name?.name ?? []).map((p) => p.value)].filter(Boolean).join('.');
}

/** What node-sql-parser (BigQuery dialect) found in a statement. */
export function bigQueryRefs(sql: string): StatementRefs {
  let ast: unknown;
  let tableList: string[];
  try {
    ast = parser.astify(sql, OPTIONS);
    tableList = parser.tableList(sql, OPTIONS);
  } catch (error) {
    throw new SqlRefusedError('parse', (error as Error).message.split('\n')[0] ?? 'unparseable');
  }
  const statements = (Array.isArray(ast) ? ast : [ast]) as Json[];
  const functions: string[] = [];
  const tableFunctions: string[] = [];
  const ctes: string[] = [];
  walk(statements, (n, key) => {
    if ((n.type === 'function' || n.type === 'aggr_func') && n.name) {
      functions.push(functionName(n));
    }
    if (key === 'from' && n.type === 'expr' && (n.expr as Json | undefined)?.type === 'function') {
      tableFunctions.push(functionName(n.expr as Json));
    }
    if (key === 'with' && typeof (n.name as Json | undefined)?.value === 'string')
      ctes.push(String((n.name as Json).value));
  });
  const tables = tableList.map((entry) => {
    const [, db, table = ''] = entry.split('::');
    const dot = table.lastIndexOf('.');
    const qualifier = db && db !== 'null' ? db : dot > 0 ? table.slice(0, dot) : null;
    return { qualifier, name: dot > 0 ? table.slice(dot + 1) : table };
  });
  const limit = ((statements[0]?.limit as Json | undefined)?.value as Array<{ value: unknown }> | undefined)?.[0]
    ?.value;
  return {
    statements: statements.length,
    kinds: statements.map((s) => String(s.type)),
    tables,
    tableFunctions,
    functions,
    ctes,
    recursive: /\brecursive\b/i.test(sql),
    limit: typeof limit === 'number' ? limit : null,
  };
}
