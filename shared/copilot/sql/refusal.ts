/** Guard rules, by name: a refusal names the one that failed. */
export type GuardRule =
  | 'size'
  | 'characters'
  | 'comments'
  | 'select_only'
  | 'parse'
  | 'single_statement'
  | 'allow_list'
  | 'system_catalog'
  | 'qualified_name'
  | 'cte_name'
  | 'recursive_cte'
  | 'table_function'
  | 'denied_function'
  | 'byte_cap';

export class SqlRefusedError extends Error {
  override readonly name = 'SqlRefusedError';
  constructor(
    readonly rule: GuardRule,
    detail: string,
  ) {
    super(`refused by rule ${rule}: ${detail}`);
  }
}

/** What a parser found in a statement, whatever the dialect. */
export interface StatementRefs {
  readonly statements: number;
  /** Statement kinds, lower case (select, insert, ...). */
  readonly kinds: readonly string[];
  readonly tables: ReadonlyArray<{ readonly qualifier: string | null; readonly name: string }>;
  readonly tableFunctions: readonly string[];
  /** Scalar and aggregate functions, qualified as written (ml.predict). */
  readonly functions: readonly string[];
  readonly ctes: readonly string[];
  readonly recursive: boolean;
  /** The outermost LIMIT when it is a constant. */
  readonly limit: number | null;
}
