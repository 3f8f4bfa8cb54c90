import { SqlRefusedError } from './refusal.js';

export const MAX_SQL_CHARS = 8_000;

/** Invisible and direction-changing characters: text that reads otherwise than it parses. */
const FORMAT_CHARS = /[\p{Cf}\p{Cc}]/u;
const ALLOWED_CONTROLS = new Set(['\n', '\r', '\t']);

/**
 * Checks made on the text before any parser sees it: a bounded size, no comments, nothing but ASCII outside
 * string literals (fullwidth semicolons and homoglyph keywords are refused, not normalised), no invisible
 * characters anywhere, and a statement that starts with SELECT or WITH.
 */
export function lexicalCheck(sql: string): void {
  if (sql.length > MAX_SQL_CHARS)
    throw new SqlRefusedError('size', `the statement has ${sql.length} characters; at most ${MAX_SQL_CHARS}`);
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i] as string;
    if (FORMAT_CHARS.test(ch) && !ALLOWED_CONTROLS.has(ch)) {
      throw new SqlRefusedError(
        'characters',
        `invisible or control character U+${ch.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')} at ${i}`,
      );
    }
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      continue;
    }
    if (ch.charCodeAt(0) > 0x7e) {
      throw new SqlRefusedError('characters', `non-ASCII character "${ch}" at ${i} outside a string literal`);
    }
    const two = sql.slice(i, i + 2);
    if (two === '--' || two === '/*' || ch === '#')
      throw new SqlRefusedError('comments', `comment at ${i}; write the statement without comments`);
  }
  if (quote) throw new SqlRefusedError('parse', `unterminated ${quote} literal`);
  if (!/^\s*\(*\s*(select|with)\b/i.test(sql))
    throw new SqlRefusedError('select_only', 'the statement must start with SELECT or WITH');
}
