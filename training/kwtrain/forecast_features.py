"""Forecast features at an origin, matching shared/forecast/features.ts value for value.

A series is a regular grid: index i is the reading stamped anchor + i*step. A forecast at origin index `io`
(timestamp anchor + io*step) uses only indices < io (readings stamped strictly before the origin) and predicts
indices io+1 .. io+H (the next H steps after the origin).

Missing readings are filled in time order: the value one week earlier, else one day earlier, else the previous
value, else the training mean. Indices before the first reading count as the training mean.
"""
import math

import numpy as np

from .calendar import calendar

STEP_FEATURES = (
    ["lag_day"] + [f"lag_week_{j}" for j in range(1, 5)] + ["week_mean", "week_median", "hol_lag_day"]
    + [f"hol_lag_week_{j}" for j in range(1, 5)]
    + ["tod_sin1", "tod_cos1", "tod_sin2", "tod_cos2"] + [f"dow_{d}" for d in range(7)] + ["holiday", "horizon_frac"]
)
ORIGIN_FEATURES = ["last", "mean_4h", "mean_1d", "mean_7d", "day_change"]
LEVEL_FEATURES = {"lag_day", "lag_week_1", "lag_week_2", "lag_week_3", "lag_week_4", "week_mean", "week_median",
                  "last", "mean_4h", "mean_1d", "mean_7d"}
TWO_PI = 2 * math.pi


class Layout:
    def __init__(self, step_s, horizon):
        if 86400 % step_s != 0:
            raise ValueError(f"the frequency ({step_s} s) must divide a day")
        self.step_s = step_s
        self.D = 86400 // step_s
        self.W = 7 * self.D
        if not 1 <= horizon <= self.W:
            raise ValueError(f"--horizon must be between 1 and one week ({self.W} steps at this frequency)")
        self.H = horizon
        self.n4h = max(1, round(4 * 3600 / step_s))
        self.pad = 5 * self.W + self.D + 1


def feature_specs(center, scale):
    """Card features: (name, center, scale) in input order: step features then origin features."""
    specs = []
    for n in STEP_FEATURES:
        specs.append((f"step.{n}", center, scale) if n in LEVEL_FEATURES else (f"step.{n}", 0.0, 1.0))
    for n in ORIGIN_FEATURES:
        if n in LEVEL_FEATURES:
            specs.append((f"origin.{n}", center, scale))
        elif n == "day_change":
            specs.append((f"origin.{n}", 0.0, scale))
        else:
            specs.append((f"origin.{n}", 0.0, 1.0))
    return specs




def fill_series(values, length, D, W, center):
    v = np.full(length, np.nan)
    n = min(len(values), length)
    v[:n] = values[:n]
    out = np.empty(length)
    for i in range(length):
        x = v[i]
        if not math.isnan(x):
            out[i] = x
        elif i >= W:
            out[i] = out[i - W]
        elif i >= D:
            out[i] = out[i - D]
        elif i >= 1:
            out[i] = out[i - 1]
        else:
            out[i] = center
    return out


class FeatureBuilder:
    def __init__(self, values, anchor_ms, layout, zone, label, holidays, center, scale):
        self.L = layout
        self.anchor = anchor_ms
        self.zone, self.label, self.holidays = zone, label, holidays
        self.center, self.scale = center, scale
        self.values = np.asarray(values, dtype=np.float64)

    def raw(self, origins):
        """Raw (unnormalised) features [B, H, Ps] and [B, G] for origin indices (each >= 1)."""
        L = self.L
        io = np.asarray(origins, dtype=np.int64)
        length = int(io.max())
        filled = fill_series(self.values, length, L.D, L.W, self.center)
        P = L.pad
        padded = np.concatenate([np.full(P, self.center), filled])
        k = np.arange(1, L.H + 1)
        t = io[:, None] + k[None, :]
        idx_day = t - L.D * (k // L.D + 1)[None, :]
        idx_week = [t - L.W * (k // L.W + j)[None, :] for j in range(1, 5)]
        lag_day = padded[idx_day + P]
        weeks = [padded[ix + P] for ix in idx_week]
        week_mean = (((weeks[0] + weeks[1]) + weeks[2]) + weeks[3]) / 4
        srt = np.sort(np.stack(weeks, 2), axis=2)
        week_median = (srt[:, :, 1] + srt[:, :, 2]) / 2
        lo = int(min(idx_day.min(), min(ix.min() for ix in idx_week)))
        hi = int(t.max())
        cal_index = np.arange(lo, hi + 1)
        tod, dow, _, hol = calendar(self.anchor, L.step_s, cal_index, self.zone, self.label, self.holidays)
        hol_lag_day = hol[idx_day - lo]
        hol_weeks = [hol[ix - lo] for ix in idx_week]
        tt = tod[t - lo]
        a1 = TWO_PI * tt
        a2 = 2 * TWO_PI * tt
        dw = dow[t - lo]
        dow_onehot = [(dw == d).astype(np.float64) for d in range(7)]
        frac = np.broadcast_to((k / L.H)[None, :], t.shape)
        step = np.stack(
            [lag_day] + weeks + [week_mean, week_median, hol_lag_day] + hol_weeks
            + [np.sin(a1), np.cos(a1), np.sin(a2), np.cos(a2)] + dow_onehot + [hol[t - lo], frac], 2)
        csum = np.concatenate([[0.0], np.cumsum(padded)])

        def window_mean(n):
            # mean of indices io-n .. io-1, i.e. padded positions io-n+P .. io-1+P
            return (csum[io + P] - csum[io - n + P]) / n

        last = padded[io - 1 + P]
        m4 = window_mean(L.n4h)
        m1 = window_mean(L.D)
        m7 = window_mean(L.W)
        prev = (csum[io - L.W + P] - csum[io - L.W - L.D + P]) / L.D
        origin = np.stack([last, m4, m1, m7, m1 - prev], 1)
        return step, origin

    def normalised(self, origins, specs):
        step, origin = self.raw(origins)
        Ps = step.shape[2]
        cs = np.array([c for _, c, _ in specs]); ss = np.array([s for _, _, s in specs])
        step = (step - cs[:Ps]) / ss[:Ps]
        origin = (origin - cs[Ps:]) / ss[Ps:]
        B = step.shape[0]
        return np.concatenate([step.reshape(B, -1), origin], 1)

    def targets(self, origins):
        io = np.asarray(origins, dtype=np.int64)
        t = io[:, None] + np.arange(1, self.L.H + 1)[None, :]
        v = np.full(t.shape, np.nan)
        ok = t < len(self.values)
        v[ok] = self.values[t[ok]]
        return v
