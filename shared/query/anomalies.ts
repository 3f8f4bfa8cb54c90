import type { AlertFilter, AlertView, ScoreFilter, ScoreView } from '../warehouse/read-port.js';
import type { QueryDeps } from './deps.js';
import { listPage, type Listing, type PageInput } from './pages.js';
import { DAY_MS, resolveRange, type RangeInput } from './time-range.js';

export const LISTING_RANGE = { defaultMs: 7 * DAY_MS, maxMs: 400 * DAY_MS };

export type ScoresInput = RangeInput & PageInput & Omit<ScoreFilter, 'range'>;
export type AlertsInput = RangeInput & PageInput & Omit<AlertFilter, 'range'>;

/** Anomaly scores newest first over [from, to) (default: the last 7 days), filtered, a page at a time. */
export async function listScores(
  deps: QueryDeps,
  input: ScoresInput,
): Promise<Listing<ScoreView> & { from: string; to: string }> {
  const { from, to, limit, cursor, ...rest } = input;
  const range = resolveRange({ from, to }, LISTING_RANGE, deps.now());
  const filter: ScoreFilter = { ...rest, range };
  const page = await listPage<ScoreView>(
    { limit, cursor },
    { ...rest, ...range },
    (s) => ({ ts: s.ts, id: s.scoreId }),
    (p) => deps.reader.anomalyScores(filter, p),
  );
  return { ...range, ...page };
}

/** Alerts newest first over [from, to) (default: the last 7 days) with their latest acknowledgement. */
export async function listAlerts(
  deps: QueryDeps,
  input: AlertsInput,
): Promise<Listing<AlertView> & { from: string; to: string }> {
  const { from, to, limit, cursor, ...rest } = input;
  const range = resolveRange({ from, to }, LISTING_RANGE, deps.now());
  const filter: AlertFilter = { ...rest, range };
  const page = await listPage<AlertView>(
    { limit, cursor },
    { ...rest, ...range },
    (a) => ({ ts: a.ts, id: a.alertId }),
    (p) => deps.reader.alerts(filter, p),
  );
  return { ...range, ...page };
}
