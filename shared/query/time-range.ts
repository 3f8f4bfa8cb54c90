import type { TimeRange } from '../warehouse/read-port.js';
import { invalid, overLimit } from './errors.js';

export const DAY_MS = 86_400_000;

export interface RangeInput {
  readonly from?: string;
  readonly to?: string;
}

export interface RangeRules {
  /** Length of the range when neither end is given (ending now) or when one is missing. */
  readonly defaultMs: number;
  /** Longest range a query may ask for. */
  readonly maxMs: number;
}

/**
 * A bounded [from, to): both ends given, one given and the other `defaultMs` away, or the last `defaultMs`
 * up to now. Every read query goes through it, so no scan is unbounded.
 */
export function resolveRange(input: RangeInput, rules: RangeRules, nowMs: number): TimeRange {
  const given = (name: 'from' | 'to'): number | undefined => {
    const text = input[name];
    if (text === undefined) return undefined;
    const ms = Date.parse(text);
    if (Number.isNaN(ms))
      throw invalid(name, `${name} must be an RFC 3339 timestamp with an offset, e.g. 2024-03-01T00:00:00Z`);
    return ms;
  };
  let from = given('from');
  let to = given('to');
  if (to === undefined) to = from === undefined ? nowMs : from + rules.defaultMs;
  if (from === undefined) from = to - rules.defaultMs;
  if (from >= to) throw invalid('from', `from must be before to (got [${input.from}, ${input.to}))`);
  if (to - from > rules.maxMs) {
    throw overLimit(
      'to',
      `the range [from, to) may span at most ${rules.maxMs / DAY_MS} days; narrow it or page through it`,
    );
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
