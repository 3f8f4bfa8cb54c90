"""Plant-local calendar of a regular series, matching shared/forecast/calendar.ts.

An interval's calendar is that of its middle instant: readings are stamped at the end of the interval they
describe (intervalLabel 'end', kilowatch's convention) or at its start ('start').
"""
import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np

DAY_MS = 86_400_000


def check_zone(zone):
    try:
        ZoneInfo(zone)
    except Exception:
        from .series import InputError
        raise InputError(f"--tz {zone!r} is not an IANA time zone (e.g. Asia/Seoul, Europe/Berlin, UTC)")


def offsets_ms(instants_ms, zone):
    """UTC offset in ms at each instant (cached per UTC hour, as the TS side does)."""
    tz = ZoneInfo(zone)
    cache = {}
    out = np.empty(len(instants_ms), dtype=np.float64)
    for i, ms in enumerate(instants_ms):
        hour = int(ms // 3_600_000)
        off = cache.get(hour)
        if off is None:
            d = dt.datetime.fromtimestamp(hour * 3600, tz=dt.timezone.utc).astimezone(tz)
            off = d.utcoffset().total_seconds() * 1000
            cache[hour] = off
        out[i] = off
    return out


def holiday_days(dates):
    """ISO dates (YYYY-MM-DD) -> epoch day numbers."""
    out = set()
    for s in dates:
        d = dt.date.fromisoformat(s)
        out.add((d - dt.date(1970, 1, 1)).days)
    return out


def calendar(anchor_ms, step_s, index, zone, label, holidays):
    """Per index: time of day as a fraction of the day, day of week (Monday 0), local epoch day, holiday flag."""
    return calendar_at(anchor_ms + np.asarray(index, dtype=np.float64) * step_s * 1000, step_s, zone, label, holidays)


def calendar_at(stamps_ms, step_s, zone, label, holidays):
    """Calendar of the intervals stamped at stamps_ms (UTC ms)."""
    shift = step_s * 500 if label == "end" else -step_s * 500
    inst = np.asarray(stamps_ms, dtype=np.float64) - shift
    local = inst + offsets_ms(inst, zone)
    day = np.floor(local / DAY_MS)
    tod = (local - day * DAY_MS) / DAY_MS
    dow = np.mod(day + 3, 7).astype(np.int64)
    hol = np.array([1.0 if int(d) in holidays else 0.0 for d in day])
    return tod, dow, day.astype(np.int64), hol


def local_midnights(first_ms, last_ms, zone):
    """Every local midnight m with first_ms <= m <= last_ms, as UTC ms."""
    tz = ZoneInfo(zone)
    start = dt.datetime.fromtimestamp(first_ms / 1000, tz=dt.timezone.utc).astimezone(tz).date()
    out = []
    d = start
    while True:
        m = dt.datetime(d.year, d.month, d.day, tzinfo=tz)
        ms = int(round(m.timestamp() * 1000))
        if ms > last_ms:
            break
        if ms >= first_ms:
            out.append(ms)
        d += dt.timedelta(days=1)
    return out
