"""Energy estimator: the rounding-consistent feasible set of the interval's energy (both reactive sides and CO2,
see estimate_features) with a learned prior over it; the estimate is the posterior mean. The prior (an MLP from
reactive energies, CO2 and the calendar to a Gaussian) is fitted on the training rows before a validation slice;
its width is calibrated on that slice."""
import datetime as dt
import math
import sys
import time

import numpy as np
import torch
from torch import nn

from . import common
from .calendar import check_zone
from .estimate_features import CONTEXT_FEATURES, FEATURES, feasible, physics, raw_features
from .series import InputError, decimals, infer_step, read_csv

GRID = 64
# A prior this many times wider than fitted is flat over any feasible set: the estimate is the set's middle.
FLAT = 1e6


class Prior(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 2))

    def forward(self, ctx):
        o = self.body(ctx)
        return o[:, 0], o[:, 1]


class Served(nn.Module):
    """features [B, F] (normalised as the card says) -> estimate [B, 1]: posterior mean over the feasible set."""

    def __init__(self, prior, mean_u, sd_u, tau):
        super().__init__()
        self.prior = prior
        self.register_buffer("mean_u", torch.tensor(float(mean_u)))
        self.register_buffer("sd_u", torch.tensor(float(sd_u)))
        self.register_buffer("tau", torch.tensor(float(tau)))
        self.register_buffer("grid", (torch.arange(GRID, dtype=torch.float32) + 0.5) / GRID)

    def forward(self, x):
        lo, hi = x[:, 0:1], x[:, 1:2]
        mu_n, log_sd = self.prior(x[:, 2:])
        mu = mu_n.unsqueeze(1) * self.sd_u + self.mean_u
        sd = torch.exp(log_sd).unsqueeze(1) * self.sd_u * self.tau
        u = lo + (hi - lo) * self.grid.unsqueeze(0)
        w = torch.softmax(-0.5 * ((u - mu) / sd) ** 2, dim=1)
        return (w * u).sum(1, keepdim=True)


def fit_emission_factor(u, co2, co2_tol):
    ok = np.isfinite(u) & np.isfinite(co2) & (u > 0) & (co2 > 2 * co2_tol)
    if ok.sum() < 20:
        return None, 0.0
    ef0 = float(np.median(co2[ok] / u[ok]))
    consistent = np.isfinite(u) & np.isfinite(co2) & (u > 0) & (np.abs(u * ef0 - co2) <= co2_tol * 1.5)
    lo = float(np.max((co2[consistent] - co2_tol) / u[consistent]))
    hi = float(np.min((co2[consistent] + co2_tol) / u[consistent]))
    ef = (lo + hi) / 2 if lo <= hi else ef0
    share = float(np.mean(np.abs(u[np.isfinite(u) & np.isfinite(co2)] * ef - co2[np.isfinite(u) & np.isfinite(co2)]) <= co2_tol + 1e-9))
    return ef, share


def metrics(pred, y):
    m = np.isfinite(pred) & np.isfinite(y)
    e = pred[m] - y[m]
    rmse = float(np.sqrt(np.mean(e ** 2)))
    return {"rmse": rmse, "mae": float(np.mean(np.abs(e))), "cv_rmse_pct": float(100 * rmse / np.mean(y[m])), "n": int(m.sum())}


def train(a):
    t_start = time.time()
    check_zone(a.tz)
    names = {"lagging_kvarh": a.lagging_kvarh, "lagging_pf": a.lagging_pf, "leading_kvarh": a.leading_kvarh,
             "leading_pf": a.leading_pf, "co2": a.co2}
    required = [a.target] + [names[k] for k in ("lagging_kvarh", "lagging_pf", "leading_kvarh", "leading_pf")]
    ts, vals, raw = read_csv(a.input, a.timestamp, required, a.tz, optional=[a.co2])
    order = np.argsort(np.asarray(ts), kind="stable")
    ts = [ts[i] for i in order]
    cols = {k: np.asarray(vals[c], dtype=np.float64)[order] if c in vals else np.full(len(ts), np.nan) for k, c in names.items()}
    u = np.asarray(vals[a.target], dtype=np.float64)[order]
    have = np.isfinite(u)
    if have.sum() < 100:
        raise InputError(f"{a.input}: {int(have.sum())} rows with {a.target!r}; the estimator needs at least 100")
    step_s = infer_step(ts)
    # The meter's rounding, from the decimals written in the file.
    res = 10.0 ** -decimals(raw[a.target])
    pf_tol = 0.5 * 10.0 ** -max(decimals(raw[a.lagging_pf]), decimals(raw[a.leading_pf]))
    q_half = 0.5 * 10.0 ** -max(decimals(raw[a.lagging_kvarh]), decimals(raw[a.leading_kvarh]))
    co2_tol = 0.5 * 10.0 ** -decimals(raw[a.co2]) if a.co2 in raw else 0.0
    ef, ef_share = fit_emission_factor(u, cols["co2"], co2_tol) if a.co2 in raw else (None, 0.0)
    cap = float(2 * np.nanmax(u))
    params = {"resolution": res, "pfTol": pf_tol, "qTol": 0.0, "co2Tol": co2_tol, "emissionFactor": ef, "cap": cap,
              "stepSeconds": step_s, "timezone": a.tz, "intervalLabel": a.label,
              "contextCenters": {k: float(np.nanmean(cols[k])) if np.isfinite(cols[k]).any() else 0.0
                                 for k in ("lagging_kvarh", "leading_kvarh", "co2")}}

    def inside_share(p):
        ok = 0
        total = 0
        for i in np.flatnonzero(have)[:: max(1, int(have.sum()) // 5000)]:
            lo, hi, st = feasible(cols["lagging_kvarh"][i], cols["lagging_pf"][i], cols["leading_kvarh"][i],
                                  cols["leading_pf"][i], math.nan, p)
            total += 1
            ok += st == "ok" and lo - 1e-9 <= u[i] <= hi + 1e-9
        return ok / max(total, 1)
    # Power factors computed from the reported (rounded) reactive energies leave no rounding on Q; else allow it.
    share_exact = inside_share(params)
    if share_exact < 0.995:
        params["qTol"] = q_half
    share = inside_share(params)
    print(f"estimate: {len(ts)} rows; energy resolution {res:g}, PF +-{pf_tol:g}, Q +-{params['qTol']:g} "
          f"(reported-Q consistency {share_exact:.4f}, with the chosen tolerance {share:.4f}); emission factor "
          f"{ef if ef is None else f'{ef:.8f}'} (consistent rows {ef_share:.4f})", file=sys.stderr)

    X, status = raw_features(cols, ts, params)
    centers = np.zeros(len(FEATURES))
    scales = np.ones(len(FEATURES))
    for j, name in enumerate(FEATURES):
        if name in ("lagging_kvarh", "leading_kvarh", "co2"):
            v = X[:, j]
            centers[j] = float(np.mean(v))
            scales[j] = float(np.std(v)) or 1.0
    Xn = (X - centers) / scales
    mean_u, sd_u = float(np.mean(u[have])), float(np.std(u[have])) or 1.0

    ts_arr = np.asarray(ts, dtype=np.float64)
    val_from = ts_arr[-1] - a.val_days * 86400 * 1000
    if np.sum(ts_arr <= val_from) < 0.5 * len(ts):
        val_from = float(np.quantile(ts_arr, 0.75))
    fit = have & (ts_arr <= val_from)
    val = have & (ts_arr > val_from)
    device = common.setup(a.seed, a.device)
    print(f"  prior: {int(fit.sum())} fitting rows, {int(val.sum())} validation rows (after {common.iso_utc(val_from)}); "
          f"device {common.device_name(device)}", file=sys.stderr)

    ctx = torch.tensor(Xn[:, 2:], dtype=torch.float32)
    ut = torch.tensor((u - mean_u) / sd_u, dtype=torch.float32)
    fi = torch.tensor(np.flatnonzero(fit))
    vi = torch.tensor(np.flatnonzero(val))
    prior = Prior(len(CONTEXT_FEATURES), a.hidden).to(device)
    opt = torch.optim.Adam(prior.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(a.seed)
    ctx_d, ut_d = ctx.to(device), ut.to(device)

    def nll(idx):
        mu, ls = prior(ctx_d[idx])
        return (0.5 * ((ut_d[idx] - mu) / ls.exp()) ** 2 + ls).mean()
    best, best_state = math.inf, None
    for ep in range(a.epochs):
        prior.train()
        perm = fi[torch.randperm(len(fi), generator=gen)]
        for s in range(0, len(perm), 512):
            loss = nll(perm[s:s + 512].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
        prior.eval()
        with torch.no_grad():
            vl = nll(vi.to(device)).item()
        if vl < best:
            best, best_state = vl, {k: v.detach().clone() for k, v in prior.state_dict().items()}
    prior.load_state_dict(best_state)
    prior = prior.cpu().eval()
    with torch.no_grad():
        mu, ls = prior(ctx[vi])
        z = (ut[vi] - mu) / ls.exp()
    # The prior's width, calibrated: standardised validation residuals should have unit spread.
    tau_cal = float(max(1.0, torch.sqrt((z ** 2).mean()).item()))
    Xt = torch.tensor(Xn, dtype=torch.float32)
    # The prior only helps where it is sharper than the feasible set is wide; choose its width on validation, a
    # flat prior (the middle of the feasible set) included, so a poor prior cannot make things worse.
    candidates = {}
    for tau in (tau_cal, 2 * tau_cal, 4 * tau_cal, FLAT):
        with torch.no_grad():
            e = Served(prior, mean_u, sd_u, tau).eval()(Xt[vi]).numpy()[:, 0].astype(np.float64)
        candidates[tau] = metrics(e, u[val])["rmse"]
    tau = min(candidates, key=lambda t: (candidates[t], t))
    served = Served(prior, mean_u, sd_u, tau).eval()
    with torch.no_grad():
        est = served(Xt).numpy()[:, 0].astype(np.float64)
    phys = np.array([physics(cols["lagging_kvarh"][i], cols["lagging_pf"][i], cols["leading_kvarh"][i], cols["leading_pf"][i])
                     for i in range(len(ts))])
    mid = (X[:, 0] + X[:, 1]) / 2
    mv = metrics(est[val], u[val])
    mp = metrics(phys[val], u[val])
    mm = metrics(mid[val], u[val])
    print(f"  validation RMSE: model {mv['rmse']:.5f}, feasible-set middle {mm['rmse']:.5f}, physics formula "
          f"(better side) {mp['rmse']:.5f}; prior width x{tau:g} (validation RMSE by width: "
          f"{', '.join(f'x{t:g} {r:.5f}' for t, r in candidates.items())})", file=sys.stderr)

    onnx_bytes = common.export_onnx(served, Xt[:2], "features", "estimate")
    gi = np.flatnonzero(val)
    widths = X[gi, 1] - X[gi, 0]
    pick = list(gi[np.argsort(-widths)[:4]]) + list(gi[:: max(1, len(gi) // 4)][:4])
    with torch.no_grad():
        golden = [{"inputs": {"features": common.finite(Xt[pick].numpy())},
                   "outputs": {"estimate": common.finite(served(Xt[pick]).numpy())}}]
    values = {"rmse": mv["rmse"], "mae": mv["mae"], "cv_rmse_pct": mv["cv_rmse_pct"], "physics_rmse": mp["rmse"],
              "physics_mae": mp["mae"], "feasible_mid_rmse": mm["rmse"]}
    card = {
        "name": a.name,
        "version": a.version or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S"),
        "task": "estimate",
        "description": f"Energy of an interval ({a.target}) from the same interval's reactive energies, power factors, "
                       "CO2 and calendar: posterior mean over the rounding-consistent feasible set under a learned prior.",
        "algorithm": "physics-feasible-set-bayes-mlp-prior",
        "inputs": [{"name": "features", "shape": ["batch", len(FEATURES)], "type": "float32"}],
        "outputs": [{"name": "estimate", "shape": ["batch", 1], "type": "float32"}],
        "features": [{"name": n, "center": float(c), "scale": float(s)} for n, c, s in zip(FEATURES, centers, scales)],
        "outputMeaning": f"estimated {a.target} of the interval",
        "params": dict(params, target=a.target, timestamp=a.timestamp, columns=names, priorWidth=tau,
                       priorWidthValidationRmse={f'{t:g}': r for t, r in candidates.items()},
                       meanTarget=mean_u, sdTarget=sd_u, grid=GRID, emissionFactorConsistency=ef_share,
                       reportedQConsistency=share_exact,
                       validation={"from": common.iso_utc(val_from), "to": common.iso_utc(ts[-1]), "rows": int(val.sum())},
                       trainSeconds=round(time.time() - t_start, 1)),
        "training": {"data": a.data_name or a.input, "from": common.iso_utc(ts[0]), "to": common.iso_utc(ts[-1]),
                     "rows": int(have.sum()), "seed": a.seed, "device": common.device_name(device)},
        "metrics": {"primary": "rmse", "higherIsBetter": False, "values": common.rounded(values, 7)},
        "codeVersion": common.code_version(),
        "createdAt": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "golden": golden,
        "goldenTolerance": 1e-3,
    }
    card = common.write_model(a.out, onnx_bytes, card)
    print(f"estimate: wrote {a.out}/model.onnx ({len(onnx_bytes)} bytes) and card.json in {time.time() - t_start:.0f} s",
          file=sys.stderr)
    return card
