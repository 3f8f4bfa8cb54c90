"""Day-ahead quantile forecaster: one small MLP shared by every step of the horizon, fed the step's lags and
calendar plus the origin's recent level; ensembled over seeds.

The file's end is cut into three: fitting origins, a validation slice (normalisation is fitted before it; early
stopping and the interval calibration use it: split conformal per day type of the target, workday, Saturday or
Sunday/holiday, whose spreads differ) and a final slice that nothing touches until the card is written. The
card's metrics come from the final slice, next to the trainer's own baselines (weekly seasonal naive, mean of
the last four weeks, a linear model on the last day's values in the style of NLinear) fitted in the same run;
a network whose final-slice MAE is worse than the best baseline's is not shipped: that baseline is."""
import datetime as dt
import math
import sys
import time

import numpy as np
import torch
from torch import nn

from . import common
from .calendar import check_zone, holiday_days, local_midnights
from .forecast_features import ORIGIN_FEATURES, STEP_FEATURES, FeatureBuilder, Layout, feature_specs
from .series import InputError, infer_step, parse_freq, read_csv

QUANTILES = (0.1, 0.5, 0.9)
BASE = STEP_FEATURES.index("week_mean")
LAG_DAY = STEP_FEATURES.index("lag_day")
BASELINE_COLUMNS = {"seasonal_naive_week": STEP_FEATURES.index("lag_week_1"), "mean_last4_weeks": BASE}
BASELINES = ("seasonal_naive_week", "mean_last4_weeks", "nlinear_last_day")


class StepNet(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 3))

    def forward(self, z):  # z: [B, H, Ps+G] normalised -> quantiles [B, H, 3], normalised
        o = self.body(z)
        p50 = z[:, :, BASE] + o[:, :, 1]
        lo = p50 - nn.functional.softplus(o[:, :, 0])
        hi = p50 + nn.functional.softplus(o[:, :, 2])
        return torch.stack([lo, p50, hi], 2)


def split(x, H, Ps):
    B = x.shape[0]
    step = x[:, : H * Ps].reshape(B, H, Ps)
    origin = x[:, H * Ps:].unsqueeze(1).expand(B, H, x.shape[1] - H * Ps)
    return torch.cat([step, origin], 2)


DAY_TYPES = ("workday", "saturday", "sunday_or_holiday")
SATURDAY, SUNDAY, HOLIDAY = (STEP_FEATURES.index(n) for n in ("dow_5", "dow_6", "holiday"))


def day_types(step):
    """One-hot day type [..., 3] of each target from its step features (dow_* and holiday are raw 0/1 in the input)."""
    rest = torch.maximum(step[..., SUNDAY], step[..., HOLIDAY])
    sat = step[..., SATURDAY] * (1 - step[..., HOLIDAY])
    return torch.stack([1 - sat - rest, sat, rest], -1)


class Served(nn.Module):
    """What model.onnx computes: features [B, F] -> p10, p50, p90 [B, H, 3] in the target's unit. The half-intervals
    are scaled per day type of the target (Mondrian split conformal: factors from the calibration slice)."""

    def __init__(self, members, H, Ps, center, scale, lower, upper, nonnegative):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.H, self.Ps = H, Ps
        self.register_buffer("center", torch.tensor(float(center)))
        self.register_buffer("scale", torch.tensor(float(scale)))
        self.register_buffer("lower", torch.tensor(np.broadcast_to(lower, 3).copy(), dtype=torch.float32))
        self.register_buffer("upper", torch.tensor(np.broadcast_to(upper, 3).copy(), dtype=torch.float32))
        self.nonnegative = nonnegative

    def raw(self, x):
        z = split(x, self.H, self.Ps)
        return torch.stack([m(z) for m in self.members], 0).mean(0)

    def forward(self, x):
        q = self.raw(x)
        types = day_types(x[:, : self.H * self.Ps].reshape(x.shape[0], self.H, self.Ps))
        p50 = q[:, :, 1]
        lo = p50 - (types @ self.lower) * (p50 - q[:, :, 0])
        hi = p50 + (types @ self.upper) * (q[:, :, 2] - p50)
        y = torch.stack([lo, p50, hi], 2) * self.scale + self.center
        return torch.relu(y) if self.nonnegative else y


def conformal_factors(q, y, types, min_values=100):
    """Split conformal per day type: the factors on each half-interval that leave 10 % of the calibration values
    below p10 and 10 % above p90 (q, y normalised; types [B, H] in 0..2). A type with fewer than min_values
    calibration values takes the factors of all values. Clipped to [0.2, 5]."""
    p50 = q[:, :, 1]
    ok = np.isfinite(y)
    r_lo = (p50 - y) / np.maximum(p50 - q[:, :, 0], 1e-6)
    r_hi = (y - p50) / np.maximum(q[:, :, 2] - p50, 1e-6)

    def factor(r, m):
        return min(max(float(np.quantile(r[m], 0.9)), 0.2), 5.0)

    pooled = (factor(r_lo, ok), factor(r_hi, ok))
    lower, upper, counts = [], [], []
    for t in range(len(DAY_TYPES)):
        m = ok & (types == t)
        counts.append(int(m.sum()))
        lo, hi = (factor(r_lo, m), factor(r_hi, m)) if m.sum() >= min_values else pooled
        lower.append(lo)
        upper.append(hi)
    return np.array(lower), np.array(upper), counts


class ServedBaseline(nn.Module):
    """A baseline as model.onnx: p50 from the step features (one column, or a linear map of the last day's
    values around the last value), p10/p90 from fixed per-step offsets measured on the validation slice."""

    def __init__(self, H, Ps, column, weights, bias, lo_off, hi_off, center, scale, nonnegative):
        super().__init__()
        self.H, self.Ps, self.column = H, Ps, column
        self.linear = weights is not None
        self.register_buffer("weights", torch.tensor(weights if self.linear else np.zeros((1, 1)), dtype=torch.float32))
        self.register_buffer("bias", torch.tensor(bias if self.linear else np.zeros(1), dtype=torch.float32))
        self.register_buffer("lo_off", torch.tensor(lo_off, dtype=torch.float32))
        self.register_buffer("hi_off", torch.tensor(hi_off, dtype=torch.float32))
        self.register_buffer("center", torch.tensor(float(center)))
        self.register_buffer("scale", torch.tensor(float(scale)))
        self.nonnegative = nonnegative

    def forward(self, x):
        step = x[:, : self.H * self.Ps].reshape(x.shape[0], self.H, self.Ps)
        if self.linear:
            last = x[:, self.H * self.Ps + ORIGIN_FEATURES.index("last")].unsqueeze(1)
            p50 = last + (step[:, :, LAG_DAY] - last) @ self.weights.T + self.bias
        else:
            p50 = step[:, :, self.column]
        y = torch.stack([p50 + self.lo_off, p50, p50 + self.hi_off], 2) * self.scale + self.center
        return torch.relu(y) if self.nonnegative else y


def fit_nlinear(Xn, Yn, H, Ps, ridge=1.0):
    """NLinear on the last day's values (the lag_day step features) around the last value: y - last = A (lags - last) + b,
    ridge least squares in normalised units over the fitting origins."""
    last = Xn[:, H * Ps + ORIGIN_FEATURES.index("last")][:, None]
    lags = Xn[:, : H * Ps].reshape(len(Xn), H, Ps)[:, :, LAG_DAY] - last
    ok = np.isfinite(Yn).all(1)
    A = np.concatenate([lags[ok], np.ones((ok.sum(), 1))], 1)
    T = Yn[ok] - last[ok]
    reg = ridge * np.eye(A.shape[1])
    reg[-1, -1] = 0
    coef = np.linalg.solve(A.T @ A + reg, A.T @ T)
    return coef[:-1].T, coef[-1]


def baseline_p50(name, Xn, H, Ps, nlinear):
    step = Xn[:, : H * Ps].reshape(len(Xn), H, Ps)
    if name == "nlinear_last_day":
        last = Xn[:, H * Ps + ORIGIN_FEATURES.index("last")][:, None]
        return last + (step[:, :, LAG_DAY] - last) @ nlinear[0].T + nlinear[1]
    return step[:, :, BASELINE_COLUMNS[name]]


def pinball(pred, y):
    q = torch.tensor(QUANTILES, device=pred.device)
    mask = ~torch.isnan(y)
    e = torch.nan_to_num(y).unsqueeze(2) - pred
    loss = torch.maximum(q * e, (q - 1) * e) * mask.unsqueeze(2)
    return loss.sum() / (mask.sum() * 3).clamp(min=1)


def read_holidays(path):
    if not path:
        return []
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        raise InputError(f"cannot read --holidays {path}: {e.strerror}")
    out = []
    for n, line in enumerate(lines, 1):
        s = line.split("#", 1)[0].strip()
        if not s:
            continue
        try:
            dt.date.fromisoformat(s)
        except ValueError:
            raise InputError(f"{path}: line {n}: '{s}' is not a date (YYYY-MM-DD)")
        out.append(s)
    return sorted(set(out))


def regular_series(ts, values, step_s, path):
    order = sorted(range(len(ts)), key=lambda i: ts[i])
    ts = [ts[i] for i in order]
    values = [values[i] for i in order]
    anchor = ts[0]
    step_ms = step_s * 1000
    n = (ts[-1] - anchor) // step_ms + 1
    out = np.full(n, np.nan)
    seen = set()
    for t, v in zip(ts, values):
        off = t - anchor
        if off % step_ms:
            raise InputError(f"{path}: timestamp {common.iso_utc(t)} is not on the {step_s} s grid that starts at "
                             f"{common.iso_utc(anchor)}; resample the file or pass the right --freq")
        i = off // step_ms
        if i in seen:
            raise InputError(f"{path}: timestamp {common.iso_utc(t)} appears more than once")
        seen.add(i)
        out[i] = v
    return anchor, out


def evaluate(pred, y, scale_mase):
    """pred [B,H,3] and y [B,H] in the target's unit -> metrics over finite y."""
    m = np.isfinite(y)
    e = pred[:, :, 1][m] - y[m]
    yy = y[m]
    cov = np.mean((yy >= pred[:, :, 0][m]) & (yy <= pred[:, :, 2][m]))
    rmse = float(np.sqrt(np.mean(e ** 2)))
    return {"mae": float(np.mean(np.abs(e))), "rmse": rmse, "mase": float(np.mean(np.abs(e)) / scale_mase),
            "cv_rmse_pct": float(100 * rmse / np.mean(yy)), "coverage80": float(cov), "n": int(m.sum())}


def reference_of(values):
    """The 0th..100th percentiles (linear interpolation) of the finite values, as shared/drift/statistics.ts computes them."""
    finite = values[np.isfinite(values)]
    return {"n": int(finite.size), "quantiles": [float(q) for q in np.quantile(finite, np.linspace(0, 1, 101))]}


def train(a):
    t_start = time.time()
    check_zone(a.tz)
    if a.label not in ("end", "start"):
        raise InputError("--interval-label must be 'end' or 'start'")
    ts, vals, _ = read_csv(a.input, a.timestamp, [a.target], a.tz)
    if len(ts) < 3:
        raise InputError(f"{a.input}: fewer than 3 rows")
    step_s = parse_freq(a.freq) if a.freq else infer_step(ts)
    anchor, values = regular_series(ts, vals[a.target], step_s, a.input)
    if 86400 % step_s:
        raise InputError(f"the frequency ({step_s} s) must divide a day (e.g. 15min, 30min, 1h, 2h)")
    try:
        layout = Layout(step_s, a.horizon or 86400 // step_s)
    except ValueError as e:
        raise InputError(str(e))
    D, W, H = layout.D, layout.W, layout.H
    N = len(values)
    finite_vals = values[np.isfinite(values)]
    if len(finite_vals) < 3 * D:
        raise InputError(f"{a.input}: {len(finite_vals)} values of {a.target!r}; the forecaster needs at least three days")
    D_ms = step_s * 1000
    last_ms = anchor + (N - 1) * D_ms

    def midnight_origins(first_ms, end_ms, last_target):
        """Local-midnight origin indices in [first_ms, end_ms] whose H targets end at or before index last_target."""
        mids = local_midnights(first_ms, end_ms, a.tz)
        out = [int((m - anchor) // D_ms) for m in mids if (m - anchor) % D_ms == 0]
        return [o for o in out if o >= 1 and o + H <= last_target]

    # Final slice: the daily origins of the last final_days; nothing below reads a value at or after its first target.
    final_days = min(a.final_days, max(1, (N // D) // 8))
    final_o = midnight_origins(last_ms - final_days * 86400 * 1000, last_ms, N - 1)
    if not final_o:
        raise InputError(f"{a.input}: no final origin (local midnight on the {step_s} s grid) in the last {final_days} days")
    final_start = final_o[0] + 1
    before_final = values[:final_start]
    # Validation: the daily origins of the val_days before the final slice; fitting origins end before it.
    val_days = min(a.val_days, max(1, (final_start // D) // 4))
    final_start_ms = anchor + final_start * D_ms
    val_o = midnight_origins(final_start_ms - val_days * 86400 * 1000, final_start_ms, final_start - 1)
    if not val_o:
        raise InputError(f"{a.input}: no validation origin (local midnight on the {step_s} s grid) in the {val_days} days "
                         "before the final slice")
    val_start = val_o[0] + 1
    fit_vals = values[:val_start][np.isfinite(values[:val_start])]
    if len(fit_vals) < 3 * D:
        raise InputError(f"{a.input}: {len(fit_vals)} values of {a.target!r} before the validation slice; the forecaster "
                         "needs at least three days")
    # Normalisation from the fitting part only.
    center = float(np.mean(fit_vals))
    scale = float(np.std(fit_vals)) or 1.0
    holidays = read_holidays(a.holidays)
    builder = FeatureBuilder(values, anchor, layout, a.tz, a.label, holiday_days(holidays), center, scale)
    specs = feature_specs(center, scale)
    Ps, G = len(STEP_FEATURES), len(ORIGIN_FEATURES)

    io_min = min(4 * W, max(1, (val_start - H) // 3))
    stride = a.stride or max(1, D // 12)
    fit_o = list(range(io_min, val_start - H, stride))
    if len(fit_o) < 10:
        raise InputError(f"{a.input}: only {len(fit_o)} training origins before the validation slice; give more history")
    device = common.setup(a.seed, a.device)
    print(f"forecast: {N} steps of {step_s} s from {common.iso_utc(anchor)}; horizon {H}; {len(fit_o)} fitting origins "
          f"(stride {stride}), {len(val_o)} validation origins (daily, {val_days} days), {len(final_o)} final origins "
          f"(daily, last {final_days} days, untouched until the card); device {common.device_name(device)}", file=sys.stderr)

    Xf_np = builder.normalised(fit_o, specs)
    Yf_np = (builder.targets(fit_o) - center) / scale
    Xf = torch.tensor(Xf_np, dtype=torch.float32)
    Yf = torch.tensor(Yf_np, dtype=torch.float32)
    Xv_np = builder.normalised(val_o, specs)
    Xv = torch.tensor(Xv_np, dtype=torch.float32)
    yv = builder.targets(val_o)
    Yv = torch.tensor((yv - center) / scale, dtype=torch.float32)
    Xf_d, Yf_d, Xv_d, Yv_d = Xf.to(device), Yf.to(device), Xv.to(device), Yv.to(device)

    members, best_epochs = [], []
    for m in range(a.members):
        torch.manual_seed(a.seed + 1000 * m)
        net = StepNet(Ps + G, a.hidden).to(device)
        opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
        gen = torch.Generator().manual_seed(a.seed + 1000 * m)
        best, best_state, best_ep, waited = math.inf, None, 0, 0
        for ep in range(1, a.epochs + 1):
            net.train()
            perm = torch.randperm(len(Xf), generator=gen)
            for s in range(0, len(perm), a.batch):
                b = perm[s:s + a.batch].to(device)
                loss = pinball(net(split(Xf_d[b], H, Ps)), Yf_d[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
            net.eval()
            with torch.no_grad():
                vl = pinball(net(split(Xv_d, H, Ps)), Yv_d).item()
            if vl < best - 1e-6:
                best, best_ep, waited = vl, ep, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                waited += 1
                if waited >= a.patience:
                    break
        net.load_state_dict(best_state)
        members.append(net.cpu().eval())
        best_epochs.append(best_ep)
        print(f"  member {m + 1}/{a.members}: best validation pinball {best:.5f} at epoch {best_ep}", file=sys.stderr)

    nonneg = bool(np.min(fit_vals) >= 0)
    with torch.no_grad():
        q = Served(members, H, Ps, center, scale, 1.0, 1.0, nonneg).eval().raw(Xv).numpy()
    # Mondrian split conformal on validation, per day type of the target.
    yvn = (yv - center) / scale
    ok = np.isfinite(yvn)
    types_v = day_types(torch.tensor(Xv_np[:, : H * Ps].reshape(len(Xv_np), H, Ps))).argmax(-1).numpy()
    lower, upper, type_counts = conformal_factors(q, yvn, types_v)
    network = Served(members, H, Ps, center, scale, lower, upper, nonneg).eval()

    # Baselines: NLinear fitted on the fitting origins; every baseline's interval offsets from validation residuals.
    nlinear = fit_nlinear(Xf_np, Yf_np, H, Ps)
    baselines = {}
    for name in BASELINES:
        pv = baseline_p50(name, Xv_np, H, Ps, nlinear)
        r = np.where(ok, yvn - pv, np.nan)
        lo = np.nan_to_num(np.nanquantile(r, 0.1, axis=0)) if ok.any() else np.zeros(H)
        hi = np.nan_to_num(np.nanquantile(r, 0.9, axis=0)) if ok.any() else np.zeros(H)
        col = BASELINE_COLUMNS.get(name, 0)
        w, b = (nlinear if name == "nlinear_last_day" else (None, None))
        baselines[name] = ServedBaseline(H, Ps, col, w, b, lo, hi, center, scale, nonneg).eval()

    # MASE scale: in-sample MAE of the weekly seasonal naive forecast over the fitting part.
    fit_part = values[:val_start]
    d = np.abs(fit_part[W:] - fit_part[:-W])
    mase_scale = float(np.nanmean(d)) if np.isfinite(d).any() else scale

    def scored(model, X, y):
        with torch.no_grad():
            return evaluate(model(X).numpy().astype(np.float64), y, mase_scale)

    validation = {"network": scored(network, Xv, yv)}
    # The final slice, read for the first time: every candidate on the same origins.
    Xt = torch.tensor(builder.normalised(final_o, specs), dtype=torch.float32)
    yt = builder.targets(final_o)
    final = {"network": scored(network, Xt, yt)}
    for name, model in baselines.items():
        validation[name] = scored(model, Xv, yv)
        final[name] = scored(model, Xt, yt)
    best_baseline = min(BASELINES, key=lambda n: final[n]["mae"])
    shipped = "network" if final["network"]["mae"] <= final[best_baseline]["mae"] else best_baseline
    served = network if shipped == "network" else baselines[shipped]
    for name in ("network",) + BASELINES:
        v, f = validation[name], final[name]
        print(f"  {name:>20}: validation MAE {v['mae']:.3f}; final MAE {f['mae']:.3f}, MASE {f['mase']:.3f}, "
              f"coverage80 {f['coverage80']:.3f}", file=sys.stderr)
    if shipped != "network":
        print(f"  the network's final-slice MAE is worse than {shipped}'s: shipping {shipped}", file=sys.stderr)

    F = H * Ps + G
    onnx_bytes = common.export_onnx(served, Xv[:2], "features", "quantiles")
    golden_idx = sorted(set([0, len(val_o) // 2, len(val_o) - 1]))
    with torch.no_grad():
        golden = [{"inputs": {"features": common.finite(Xv[i].numpy())},
                   "outputs": {"quantiles": common.finite(served(Xv[i:i + 1]).numpy())}} for i in golden_idx]
    values_out = common.rounded({k: v for k, v in final[shipped].items() if k != "n"})
    for name in ("network",) + BASELINES:
        values_out.update(common.rounded({f"{name}_{k}": final[name][k] for k in ("mae", "mase", "coverage80")}))
    validation_out = common.rounded({f"{name}_mae": validation[name]["mae"] for name in ("network",) + BASELINES})
    validation_out["network_coverage80"] = round(validation["network"]["coverage80"], 6)
    slice_range = lambda o: {"from": common.iso_utc(anchor + (o[0] + 1) * D_ms), "to": common.iso_utc(anchor + (o[-1] + H) * D_ms),
                             "origins": len(o)}
    algorithm = "mlp-quantile-per-step" if shipped == "network" else f"baseline-{shipped.replace('_', '-')}"
    card = {
        "name": a.name,
        "version": a.version or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S"),
        "task": "forecast",
        "description": f"Day-ahead forecast of {a.target}: p10/p50/p90 of the next {H} steps of {step_s} s at an origin, "
                       f"from the history strictly before it and the calendar ({a.tz}).",
        "algorithm": algorithm,
        "inputs": [{"name": "features", "shape": ["batch", F], "type": "float32"}],
        "outputs": [{"name": "quantiles", "shape": ["batch", H, 3], "type": "float32"}],
        "features": [{"name": n, "center": float(c), "scale": float(s)} for n, c, s in specs],
        "outputMeaning": f"p10, p50, p90 of {a.target} at origin + k steps, k = 1..{H}",
        "quantiles": list(QUANTILES),
        "params": {
            "target": a.target, "timestamp": a.timestamp, "stepSeconds": step_s, "horizon": H, "timezone": a.tz,
            "intervalLabel": a.label, "holidays": holidays,
            "stepFeatures": len(STEP_FEATURES), "originFeatures": len(ORIGIN_FEATURES),
            "inputLayout": "for k = 1..horizon the step.* features of target k, then the origin.* features",
            "center": center, "scale": scale, "minHistorySteps": W,
            "intervalScale": {"dayTypes": list(DAY_TYPES), "lower": [float(v) for v in lower],
                              "upper": [float(v) for v in upper], "calibrationValues": type_counts},
            "nonNegative": nonneg,
            "members": a.members, "hidden": a.hidden, "bestEpochs": best_epochs, "stride": stride,
            "shipped": shipped,
            "validation": {**slice_range(val_o), "rule": "daily local-midnight origins of the validation days before the "
                           "final slice: early stopping, interval calibration and baseline intervals",
                           "metrics": validation_out},
            "maseScale": mase_scale,
            "trainSeconds": round(time.time() - t_start, 1),
        },
        "training": {"data": a.data_name or a.input, "from": common.iso_utc(anchor), "to": common.iso_utc(last_ms),
                     "rows": int(np.isfinite(values).sum()), "seed": a.seed, "device": common.device_name(device)},
        "metrics": {"primary": "mae", "higherIsBetter": False, "values": values_out,
                    "holdout": {**slice_range(final_o), "untouched": True,
                                "rule": "daily local-midnight origins of the last final days; read once, after fitting, "
                                        "calibration and early stopping, to write these figures and to ship the network "
                                        "only where it beats every baseline"}},
        "codeVersion": common.code_version(),
        "createdAt": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "golden": golden,
        "goldenTolerance": 2e-3,
        # The training distribution of the input series: drift watch (shared/drift) compares live inputs with it.
        "reference": {a.target: reference_of(values)},
    }
    card = common.write_model(a.out, onnx_bytes, card)
    print(f"forecast: wrote {a.out}/model.onnx ({len(onnx_bytes)} bytes, {shipped}) and card.json in "
          f"{time.time() - t_start:.0f} s", file=sys.stderr)
    return card
