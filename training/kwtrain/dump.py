"""Feature dump for the TypeScript parity tests: the features a card's trainer would build for a CSV."""
import json

import numpy as np

from .calendar import holiday_days
from .estimate_features import raw_features
from .forecast import regular_series
from .forecast_features import FeatureBuilder, Layout
from .series import InputError, parse_ts, read_csv


def run(a):
    card = json.load(open(a.card))
    p = card["params"]
    zone = a.tz or "UTC"
    if a.kind == "forecast":
        ts, vals, _ = read_csv(a.input, p["timestamp"], [p["target"]], zone)
        anchor, values = regular_series(ts, vals[p["target"]], p["stepSeconds"], a.input)
        layout = Layout(p["stepSeconds"], p["horizon"])
        b = FeatureBuilder(values, anchor, layout, p["timezone"], p["intervalLabel"], holiday_days(p["holidays"]),
                           p["center"], p["scale"])
        if not a.origins:
            raise InputError("features forecast: --origins is required")
        origins = []
        for line in open(a.origins).read().splitlines():
            s = line.strip()
            if s and s != "origin":
                origins.append((parse_ts(s, zone) - anchor) // (p["stepSeconds"] * 1000))
        step, origin = b.raw(origins)
        B = step.shape[0]
        raw = np.concatenate([step.reshape(B, -1), origin], 1)
        out = {"origins": [int(o) for o in origins], "raw": raw.tolist()}
    else:
        cols = p["columns"]
        names = [cols[k] for k in ("lagging_kvarh", "lagging_pf", "leading_kvarh", "leading_pf")]
        ts, vals, _ = read_csv(a.input, p["timestamp"], names, zone, optional=[cols["co2"]])
        data = {k: np.asarray(vals[c], dtype=np.float64) if c in vals else np.full(len(ts), np.nan) for k, c in cols.items()}
        raw, status = raw_features(data, ts, p)
        out = {"raw": raw.tolist(), "status": status}
    with open(a.output, "w") as f:
        json.dump(out, f)
