import { DateTime } from 'luxon';

/** Epoch numbers below this are seconds (it is 5138 AD in seconds, 1973 in milliseconds). */
const SECONDS_BELOW = 1e11;
/** The last millisecond of year 9999: what ISO 8601, BigQuery and DuckDB timestamps can hold. */
export const MAX_TS_MS = Date.UTC(10000, 0, 1) - 1;
const DAY_MS = 86_400_000;
const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/i;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const PLANT_LOCAL = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const EPOCH_STRING = /^\d{9,16}(\.\d+)?$/;

/** Whether a timestamp fixes its instant by itself (an offset or epoch time), so no zone is needed to read it. */
export function carriesOffset(ts: string): boolean {
  return ISO_WITH_OFFSET.test(ts) || EPOCH_STRING.test(ts);
}

/** Why a timestamp was refused: stored verbatim as the rejection reason. */
export type TsProblem = 'invalid_timestamp' | 'ambiguous_local_time';
export type ParsedTs = { ok: true; ms: number } | { ok: false; code: TsProblem; reason: string };

export const ACCEPTED_TS_FORMS =
  'ISO 8601 with offset (2018-01-01T00:15:00+09:00), epoch seconds or milliseconds, ' +
  "or plant-local 'dd/mm/yyyy HH:MM' / 'yyyy-mm-ddTHH:MM' in the device's timezone";

const invalid = (reason: string): ParsedTs => ({ ok: false, code: 'invalid_timestamp', reason });

interface Fields {
  readonly y: number;
  readonly mo: number;
  readonly d: number;
  readonly h: number;
  readonly mi: number;
  readonly s: number;
  readonly ms: number;
}

/** Date.UTC that reads years 0-99 as such rather than as 1900-1999 (400 Gregorian years are 146,097 days). */
function utcMs(f: Fields): number {
  if (f.y >= 100) return Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s, f.ms);
  return Date.UTC(f.y + 400, f.mo - 1, f.d, f.h, f.mi, f.s, f.ms) - 146_097 * DAY_MS;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validCalendar(f: Fields): boolean {
  if (f.mo < 1 || f.mo > 12 || f.d < 1 || f.h > 23 || f.mi > 59 || f.s > 59) return false;
  const leap = f.y % 4 === 0 && (f.y % 100 !== 0 || f.y % 400 === 0);
  return f.d <= (f.mo === 2 && leap ? 29 : MONTH_DAYS[f.mo - 1]!);
}

function fields(
  y: string,
  mo: string,
  d: string,
  h: string,
  mi: string,
  s: string | undefined,
  frac: string | undefined,
): Fields {
  return {
    y: Number(y),
    mo: Number(mo),
    d: Number(d),
    h: Number(h),
    mi: Number(mi),
    s: Number(s ?? 0),
    ms: frac ? Math.round(Number(`0.${frac}`) * 1000) : 0,
  };
}

function offsetAt(zone: string, ms: number): number {
  const dt = DateTime.fromMillis(ms, { zone });
  return dt.isValid ? dt.offset : NaN;
}

// A zone's offsets a day and a half either side of a local date: equal unless the clocks change near it.
const offsetCache = new Map<string, readonly [number, number]>();

function offsetsAround(zone: string, f: Fields, naive: number): readonly [number, number] {
  const key = `${zone}|${f.y}-${f.mo}-${f.d}`;
  let offsets = offsetCache.get(key);
  if (!offsets) {
    offsets = [offsetAt(zone, naive - 1.5 * DAY_MS), offsetAt(zone, naive + 1.5 * DAY_MS)];
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(key, offsets);
  }
  return offsets;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * A wall-clock time in `zone`. Around a change of the clocks a wall-clock time can name two instants (the
 * repeated hour in autumn) or none (the skipped hour in spring): both are refused, saying how to send it.
 */
function fromLocal(zone: string, f: Fields, text: string): ParsedTs {
  const naive = utcMs(f);
  const [before, after] = offsetsAround(zone, f, naive);
  if (!Number.isFinite(before) || !Number.isFinite(after))
    return invalid(`timezone '${zone}' of the device is not valid`);
  if (before === after) return { ok: true, ms: naive - before * 60_000 };
  const instants = [...new Set([before, after])]
    .map((offset) => ({ offset, ms: naive - offset * 60_000 }))
    .filter((c) => offsetAt(zone, c.ms) === c.offset)
    .sort((a, b) => a.ms - b.ms);
  if (instants.length === 1) return { ok: true, ms: instants[0]!.ms };
  const wall = text.replace(' ', 'T');
  if (instants.length === 0) {
    return invalid(
      `'${text}' does not exist in ${zone}: the clocks went forward over it; send the time with its offset, e.g. '${wall}${formatOffset(before)}'`,
    );
  }
  const [first, second] = instants as [(typeof instants)[0], (typeof instants)[0]];
  return {
    ok: false,
    code: 'ambiguous_local_time',
    reason:
      `'${text}' happened twice in ${zone} (the clocks went back): ${new Date(first.ms).toISOString()} (UTC${formatOffset(first.offset)}) ` +
      `or ${new Date(second.ms).toISOString()} (UTC${formatOffset(second.offset)}); send the offset, e.g. '${isoLocal(f)}${formatOffset(first.offset)}'`,
  };
}

function isoLocal(f: Fields): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(f.y, 4)}-${p(f.mo)}-${p(f.d)}T${p(f.h)}:${p(f.mi)}:${p(f.s)}`;
}

function fromEpoch(ts: number): ParsedTs {
  if (ts < 0) return invalid('epoch time must not be negative');
  const ms = Math.round(ts < SECONDS_BELOW ? ts * 1000 : ts);
  if (ms > MAX_TS_MS) {
    return invalid(
      `${ts} is after the year 9999; epoch seconds (below 1e11) or milliseconds up to ${MAX_TS_MS} are accepted`,
    );
  }
  return { ok: true, ms };
}

/** Parses every timestamp form devices send into UTC epoch milliseconds, up to the end of the year 9999. */
export function parseTimestamp(ts: string | number, zone: string): ParsedTs {
  if (typeof ts === 'number') return fromEpoch(ts);
  if (EPOCH_STRING.test(ts)) return fromEpoch(Number(ts));
  let m = ISO_WITH_OFFSET.exec(ts);
  if (m) {
    const f = fields(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6], m[7]);
    const [oh, om] = [Number(m[10] ?? 0), Number(m[11] ?? 0)];
    if (!validCalendar(f) || oh > 18 || om > 59)
      return invalid(`'${ts}' is not a valid calendar date, time and offset`);
    const ms = utcMs(f) - (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
    return ms <= MAX_TS_MS ? { ok: true, ms } : invalid(`'${ts}' is after the year 9999 in UTC`);
  }
  let f: Fields | undefined;
  if ((m = PLANT_LOCAL.exec(ts))) f = fields(m[3]!, m[2]!, m[1]!, m[4]!, m[5]!, m[6], undefined);
  else if ((m = ISO_LOCAL.exec(ts))) f = fields(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6], m[7]);
  if (!f) return invalid(`unrecognised timestamp '${ts.slice(0, 40)}'; accepted: ${ACCEPTED_TS_FORMS}`);
  if (!validCalendar(f)) return invalid(`'${ts}' is not a valid calendar date and time`);
  return fromLocal(zone, f, ts);
}
