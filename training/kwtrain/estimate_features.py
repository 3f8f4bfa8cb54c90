"""Estimator features, matching shared/estimate/features.ts value for value.

Meters report energy, reactive energy and power factor rounded to a few decimals, and the power factor of a side
is computed from the reported energy u and that side's reported reactive energy Q: PF = 100 u / sqrt(u^2 + Q^2),
rounded. Each side therefore confines u to an interval, u = Q PF / sqrt(100^2 - PF^2) over the rounding box of
(Q, PF); CO2 (u times an emission factor, rounded) confines it to another. Their intersection, snapped to the
grid of the reported energy, is the feasible set; the model puts a learned prior over it.
"""
import math

import numpy as np

from .calendar import calendar_at

CONTEXT_FEATURES = ["lagging_kvarh", "leading_kvarh", "co2", "tod_sin1", "tod_cos1", "tod_sin2", "tod_cos2"] + \
    [f"dow_{d}" for d in range(7)]
FEATURES = ["feasible_lo", "feasible_hi"] + CONTEXT_FEATURES
TWO_PI = 2 * math.pi
EPS = 1e-9


def _g(q, p):
    if p >= 100:
        return math.inf
    return q * p / math.sqrt((100 - p) * (100 + p))


def side_interval(q, pf, q_tol, pf_tol):
    if math.isnan(q) or math.isnan(pf) or q < 0 or pf < 0 or pf > 100:
        return None
    pflo = max(pf - pf_tol - EPS, 0.0)
    pfhi = min(pf + pf_tol + EPS, 100.0)
    return _g(max(q - q_tol, 0.0), pflo), _g(q + q_tol, pfhi)


def physics(q_lag, pf_lag, q_lead, pf_lead):
    """shared/readings/clean/energy-meter.ts estimateEnergy: the better-conditioned side's u = Q PF / sqrt(100^2 - PF^2)."""
    def side(q, pf):
        if math.isnan(q) or math.isnan(pf) or not (pf > 0) or not (pf < 100) or not (q >= 0):
            return None
        rest = 1e4 - pf * pf
        root = math.sqrt(rest)
        return q * pf / root, (pf / root) * 0.005 + ((q * 1e4) / (rest * root)) * 0.005
    lag, lead = side(q_lag, pf_lag), side(q_lead, pf_lead)
    if lag is None:
        return lead[0] if lead else math.nan
    if lead is None:
        return lag[0]
    return lag[0] if lag[1] <= lead[1] else lead[0]


def feasible(q_lag, pf_lag, q_lead, pf_lead, co2, p):
    """(lo, hi, status) with status 'ok', 'inconsistent' (the sides contradict: physics fallback) or 'none'."""
    sides = [s for s in (side_interval(q_lag, pf_lag, p["qTol"], p["pfTol"]),
                         side_interval(q_lead, pf_lead, p["qTol"], p["pfTol"])) if s is not None]
    cap = p["cap"]
    have_co2 = p["emissionFactor"] is not None and not math.isnan(co2) and co2 >= 0
    status = "ok"
    if sides:
        lo = max(s[0] for s in sides)
        hi = min(s[1] for s in sides)
        if lo > hi:
            status = "inconsistent"
            ph = physics(q_lag, pf_lag, q_lead, pf_lead)
            lo = hi = min(ph if not math.isnan(ph) else lo, cap)
    elif have_co2:
        lo, hi = 0.0, math.inf
    else:
        return 0.0, cap, "none"
    if have_co2 and status == "ok":
        ef = p["emissionFactor"]
        clo = max(co2 - p["co2Tol"], 0.0) / ef
        chi = (co2 + p["co2Tol"]) / ef
        if max(lo, clo) <= min(hi, chi):
            lo, hi = max(lo, clo), min(hi, chi)
    hi = min(hi, cap)
    if lo > hi:
        hi = lo
    res = p["resolution"]
    klo = math.ceil(lo / res - 1e-6)
    khi = math.floor(hi / res + 1e-6)
    if klo <= khi:
        return klo * res, khi * res, status
    mid = round((lo + hi) / 2 / res) * res
    return mid, mid, status


def raw_features(cols, ts_ms, p):
    """cols: dict of float arrays (lagging_kvarh, lagging_pf, leading_kvarh, leading_pf, co2); -> [N, F], statuses."""
    n = len(ts_ms)
    out = np.zeros((n, len(FEATURES)))
    status = []
    for i in range(n):
        lo, hi, st = feasible(cols["lagging_kvarh"][i], cols["lagging_pf"][i], cols["leading_kvarh"][i],
                              cols["leading_pf"][i], cols["co2"][i], p)
        out[i, 0], out[i, 1] = lo, hi
        status.append(st)
    centers = p["contextCenters"]
    for j, name in enumerate(["lagging_kvarh", "leading_kvarh", "co2"]):
        v = np.asarray(cols[name], dtype=np.float64)
        out[:, 2 + j] = np.where(np.isnan(v), centers[name], v)
    tod, dow, _, _ = calendar_at(ts_ms, p["stepSeconds"], p["timezone"], p["intervalLabel"], set())
    a1 = TWO_PI * tod
    a2 = 2 * TWO_PI * tod
    out[:, 5], out[:, 6], out[:, 7], out[:, 8] = np.sin(a1), np.cos(a1), np.sin(a2), np.cos(a2)
    for d in range(7):
        out[:, 9 + d] = (dow == d).astype(np.float64)
    return out, status
