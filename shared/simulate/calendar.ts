import { DateTime } from 'luxon';

/** Plant-local calendar position of an instant: what shift schedules and the ambient cycle follow. */
export interface LocalTime {
  /** Hours since Monday 00:00 local, in [0, 168). */
  readonly weekHour: number;
  /** Hours since local midnight, in [0, 24). */
  readonly dayHour: number;
  /** Day of the year, 1-based, for the seasonal ambient cycle. */
  readonly dayOfYear: number;
  /** Offset from UTC in minutes. */
  readonly offsetMin: number;
}

const QUARTER_HOUR_MS = 900_000;

/**
 * Local time in an IANA zone. Offsets change only on quarter-hour boundaries, so they are looked up
 * once per quarter hour and the rest is arithmetic.
 */
export class PlantClock {
  private readonly offsets = new Map<number, number>();

  constructor(readonly zone: string) {
    if (!DateTime.local().setZone(zone).isValid) throw new Error(`timezone '${zone}' is not a valid IANA zone`);
  }

  offsetMin(ms: number): number {
    const key = Math.floor(ms / QUARTER_HOUR_MS);
    let offset = this.offsets.get(key);
    if (offset === undefined) {
      offset = DateTime.fromMillis(key * QUARTER_HOUR_MS, { zone: this.zone }).offset;
      if (this.offsets.size > 50_000) this.offsets.clear();
      this.offsets.set(key, offset);
    }
    return offset;
  }

  at(ms: number): LocalTime {
    const offsetMin = this.offsetMin(ms);
    const local = new Date(ms + offsetMin * 60_000);
    const dayHour = local.getUTCHours() + local.getUTCMinutes() / 60 + local.getUTCSeconds() / 3600;
    const weekday = (local.getUTCDay() + 6) % 7; // Monday 0
    const yearStart = Date.UTC(local.getUTCFullYear(), 0, 1);
    const dayOfYear = Math.floor((local.getTime() - yearStart) / 86_400_000) + 1;
    return { weekHour: weekday * 24 + dayHour, dayHour, dayOfYear, offsetMin };
  }

  /** Plant-local wall-clock text as devices send it: dd/mm/yyyy HH:MM, with :SS when not on the minute. */
  localText(ms: number): string {
    const local = new Date(ms + this.offsetMin(ms) * 60_000);
    const p = (n: number) => n.toString().padStart(2, '0');
    const seconds = local.getUTCSeconds();
    const base = `${p(local.getUTCDate())}/${p(local.getUTCMonth() + 1)}/${local.getUTCFullYear()} ${p(local.getUTCHours())}:${p(local.getUTCMinutes())}`;
    return seconds ? `${base}:${p(seconds)}` : base;
  }

  /** ISO 8601 with the plant's offset, e.g. 2026-03-02T07:15:00+01:00. */
  isoWithOffset(ms: number): string {
    const offsetMin = this.offsetMin(ms);
    const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, ms % 1000 ? 23 : 19);
    const sign = offsetMin < 0 ? '-' : '+';
    const abs = Math.abs(offsetMin);
    return `${local}${sign}${Math.floor(abs / 60)
      .toString()
      .padStart(2, '0')}:${(abs % 60).toString().padStart(2, '0')}`;
  }
}
