"""CSV reading and timestamps, written to match shared/forecast/series.ts exactly.

Timestamps: ISO 8601 with an offset or Z; ISO without an offset (read in `tz`); plant-local dd/mm/yyyy HH:MM
(read in `tz`); epoch seconds or milliseconds. Everything becomes UTC epoch milliseconds.
"""
import csv
import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$", re.I)
ISO_LOCAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$")
PLANT_LOCAL = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
EPOCH = re.compile(r"^\d{9,16}(\.\d+)?$")
UTC = dt.timezone.utc


class InputError(Exception):
    """A problem with the user's input: the message names the file, row or column and the fix."""


def parse_ts(text, zone):
    s = text.strip()
    if ISO_WITH_OFFSET.match(s):
        t = s.replace(" ", "T", 1)
        if t[-1] in "zZ":
            t = t[:-1] + "+00:00"
        m = re.match(r"^(.*[T]\d{2}:\d{2}(?::\d{2})?)(\.\d+)?([+-]\d{2}):?(\d{2})$", t)
        if not m:
            raise ValueError(f"'{s}' is not a valid date")
        base, frac, oh, om = m.groups()
        d = dt.datetime.fromisoformat(base)
        sign = -1 if oh.startswith("-") else 1
        offset = sign * (abs(int(oh)) * 60 + int(om))
        ms = int(round(float(frac or "0") * 1000))
        naive_ms = int((d - dt.datetime(1970, 1, 1)).total_seconds()) * 1000 + ms
        return naive_ms - offset * 60_000
    if EPOCH.match(s):
        v = float(s)
        return int(round(v * 1000 if v < 1e11 else v))
    m = PLANT_LOCAL.match(s)
    if m:
        d_, mo, y, h, mi, sec = m.groups()
        parts = (int(y), int(mo), int(d_), int(h), int(mi), int(sec or 0), 0)
    else:
        m = ISO_LOCAL.match(s)
        if not m:
            raise ValueError(f"unrecognised timestamp '{s[:40]}'")
        y, mo, d_, h, mi, sec, frac = m.groups()
        parts = (int(y), int(mo), int(d_), int(h), int(mi), int(sec or 0), int(round(float("0." + frac) * 1000)) if frac else 0)
    y, mo, d_, h, mi, sec, ms = parts
    local = dt.datetime(y, mo, d_, h, mi, sec, tzinfo=ZoneInfo(zone))
    # The offset of the local hour, as luxon resolves it (earlier offset in a fold, shifted in a gap).
    offset_min = int(local.utcoffset().total_seconds() // 60)
    naive = dt.datetime(y, mo, d_, h, mi, sec)
    return int((naive - dt.datetime(1970, 1, 1)).total_seconds()) * 1000 + ms - offset_min * 60_000


def read_csv(path, ts_col, columns, zone, optional=()):
    """Rows of a CSV as (ts_ms, {column: float or nan}, {column: raw text}); the columns must exist."""
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as e:
        raise InputError(f"cannot read --input {path}: {e.strerror}")
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise InputError(f"{path} is empty")
        header = [h.strip() for h in header]
        need = [ts_col] + list(columns)
        missing = [c for c in need if c not in header]
        if missing:
            raise InputError(f"{path}: no column {', '.join(repr(c) for c in missing)} (columns: {', '.join(header)}); "
                             "name them with --timestamp/--target")
        idx = {c: header.index(c) for c in list(need) + [c for c in optional if c in header]}
        out_ts, out_vals, out_raw = [], {c: [] for c in idx if c != ts_col}, {c: [] for c in idx if c != ts_col}
        for n, row in enumerate(reader, start=2):
            if not row or all(not x.strip() for x in row):
                continue
            try:
                ts = parse_ts(row[idx[ts_col]], zone)
            except (ValueError, IndexError) as e:
                raise InputError(f"{path}: row {n}: column {ts_col!r}: {e}; accepted: ISO 8601 (with an offset, or "
                                 f"local time in --tz), epoch seconds or milliseconds")
            out_ts.append(ts)
            for c in out_vals:
                raw = row[idx[c]].strip() if idx[c] < len(row) else ""
                out_raw[c].append(raw)
                try:
                    v = float(raw) if raw != "" else math.nan
                except ValueError:
                    v = math.nan
                out_vals[c].append(v if math.isfinite(v) else math.nan)
        return out_ts, out_vals, out_raw


FREQ = re.compile(r"^(\d+)\s*(s|sec|min|m|h|d)$", re.I)


def parse_freq(text):
    m = FREQ.match(text.strip())
    if not m:
        raise InputError(f"--freq {text!r}: expected a number and a unit, e.g. 15min, 1h, 30s, 1d")
    n, unit = int(m.group(1)), m.group(2).lower()
    seconds = n * {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "d": 86400}[unit]
    if seconds <= 0:
        raise InputError(f"--freq {text!r} must be positive")
    return seconds


def infer_step(ts_ms):
    diffs = {}
    for a, b in zip(ts_ms, ts_ms[1:]):
        if b > a:
            diffs[b - a] = diffs.get(b - a, 0) + 1
    if not diffs:
        raise InputError("cannot infer the frequency from fewer than two distinct timestamps; pass --freq")
    return max(diffs.items(), key=lambda kv: (kv[1], -kv[0]))[0] // 1000


def decimals(raw_values):
    """Largest number of decimals written in a column (the meter's rounding), at most 6."""
    best = 0
    for r in raw_values:
        if "e" in r.lower():
            continue
        if "." in r:
            best = max(best, len(r.split(".", 1)[1].rstrip()))
    return min(best, 6)
