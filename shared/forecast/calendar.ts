import { DateTime } from 'luxon';

/**
 * Plant-local calendar of intervals, matching training/kwtrain/calendar.py: an interval's calendar is that of its
 * middle instant (readings stamped at the interval's end, kilowatch's convention, or at its start).
 */
export type IntervalLabel = 'end' | 'start';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** UTC offset in ms at an instant, cached per zone and UTC hour (the same granularity as the Python side). */
const offsetCache = new Map<string, Map<number, number>>();

export function checkZone(zone: string): void {
  if (!DateTime.now().setZone(zone).isValid) {
    throw new Error(`time zone '${zone}' is not an IANA zone (e.g. Asia/Seoul, Europe/Berlin, UTC)`);
  }
}

export function offsetMs(ms: number, zone: string): number {
  let perZone = offsetCache.get(zone);
  if (!perZone) offsetCache.set(zone, (perZone = new Map<number, number>()));
  const hour = Math.floor(ms / HOUR_MS);
  let off = perZone.get(hour);
  if (off === undefined) {
    off = DateTime.fromMillis(hour * HOUR_MS, { zone }).offset * 60_000;
    if (perZone.size > 200_000) perZone.clear();
    perZone.set(hour, off);
  }
  return off;
}

export interface Calendar {
  /** Time of day of the interval's middle, as a fraction of the day. */
  readonly tod: Float64Array;
  /** Day of week, Monday 0. */
  readonly dow: Int8Array;
  /** 1 when the local date is a holiday. */
  readonly holiday: Float64Array;
}

/** ISO dates (YYYY-MM-DD) → local epoch day numbers. */
export function holidayDays(dates: readonly string[]): Set<number> {
  return new Set(
    dates.map((d) => {
      const ms = Date.parse(`${d}T00:00:00Z`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(ms))
        throw new Error(`holiday '${d}' is not a date (YYYY-MM-DD)`);
      return ms / DAY_MS;
    }),
  );
}

/** Calendar of the intervals stamped at the given UTC instants. */
export function calendarAt(
  stamps: ArrayLike<number>,
  stepSeconds: number,
  zone: string,
  label: IntervalLabel,
  holidays: ReadonlySet<number>,
): Calendar {
  const n = stamps.length;
  const shift = label === 'end' ? stepSeconds * 500 : -stepSeconds * 500;
  const tod = new Float64Array(n);
  const dow = new Int8Array(n);
  const holiday = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const inst = (stamps[i] as number) - shift;
    const local = inst + offsetMs(inst, zone);
    const day = Math.floor(local / DAY_MS);
    tod[i] = (local - day * DAY_MS) / DAY_MS;
    dow[i] = (((day + 3) % 7) + 7) % 7;
    holiday[i] = holidays.has(day) ? 1 : 0;
  }
  return { tod, dow, holiday };
}

/** Every local midnight m (UTC ms) with firstMs <= m <= lastMs. */
export function localMidnights(firstMs: number, lastMs: number, zone: string): number[] {
  const out: number[] = [];
  let d = DateTime.fromMillis(firstMs, { zone }).startOf('day');
  for (;;) {
    const ms = d.toMillis();
    if (ms > lastMs) break;
    if (ms >= firstMs) out.push(ms);
    d = d.plus({ days: 1 }).startOf('day');
  }
  return out;
}
