import { DateTime } from 'luxon';

/** Epoch numbers below this are seconds (it is 5138 AD in seconds, 1973 in milliseconds). */
const SECONDS_BELOW = 1e11;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const PLANT_LOCAL = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const EPOCH_STRING = /^\d{9,16}(\.\d+)?$/;

/** Whether a timestamp fixes its instant by itself (an offset or epoch time), so no zone is needed to read it. */
export function carriesOffset(ts: string): boolean {
  return ISO_WITH_OFFSET.test(ts) || EPOCH_STRING.test(ts);
}

export type ParsedTs = { ok: true; ms: number } | { ok: false; reason: string };

export const ACCEPTED_TS_FORMS =
  'ISO 8601 with offset (2018-01-01T00:15:00+09:00), epoch seconds or milliseconds, ' +
  "or plant-local 'dd/mm/yyyy HH:MM' / 'yyyy-mm-ddTHH:MM' in the device's timezone";

// Offsets of a zone change at most a few times a year: cache them per zone and local hour.
const offsetCache = new Map<string, number>();

function localToUtcMs(zone: string, y: number, mo: number, d: number, h: number, mi: number, s: number, frac: number): number {
  const key = `${zone}|${y}-${mo}-${d}-${h}`;
  let offsetMin = offsetCache.get(key);
  if (offsetMin === undefined) {
    const dt = DateTime.fromObject({ year: y, month: mo, day: d, hour: h }, { zone });
    if (!dt.isValid) return NaN;
    offsetMin = dt.offset;
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(key, offsetMin);
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, frac) - offsetMin * 60_000;
}

function validCalendar(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** Parses every timestamp form devices send into UTC epoch milliseconds. */
export function parseTimestamp(ts: string | number, zone: string): ParsedTs {
  if (typeof ts === 'number') {
    const ms = ts < SECONDS_BELOW ? ts * 1000 : ts;
    return ms >= 0 ? { ok: true, ms: Math.round(ms) } : { ok: false, reason: 'epoch time must not be negative' };
  }
  if (ISO_WITH_OFFSET.test(ts)) {
    const ms = Date.parse(ts.replace(' ', 'T'));
    return Number.isFinite(ms) ? { ok: true, ms } : { ok: false, reason: `'${ts}' is not a valid date` };
  }
  if (EPOCH_STRING.test(ts)) return parseTimestamp(Number(ts), zone);
  let parts: number[] | undefined;
  let m = PLANT_LOCAL.exec(ts);
  if (m) parts = [m[3], m[2], m[1], m[4], m[5], m[6] ?? '0'].map(Number);
  else if ((m = ISO_LOCAL.exec(ts))) parts = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  if (!parts) return { ok: false, reason: `unrecognised timestamp '${ts.slice(0, 40)}'; accepted: ${ACCEPTED_TS_FORMS}` };
  const [y, mo, d, h, mi, s] = parts as [number, number, number, number, number, number];
  if (!validCalendar(y, mo, d, h, mi, s)) return { ok: false, reason: `'${ts}' is not a valid calendar date and time` };
  const fracDigits = m?.[7];
  const frac = fracDigits ? Math.round(Number(`0.${fracDigits}`) * 1000) : 0;
  const ms = localToUtcMs(zone, y, mo, d, h, mi, s, frac);
  return Number.isFinite(ms) ? { ok: true, ms } : { ok: false, reason: `timezone '${zone}' of the device is not valid` };
}
