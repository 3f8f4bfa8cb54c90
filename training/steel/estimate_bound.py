"""How well can one reading's own columns pin its energy? The estimator's feasible set (kwtrain.estimate_features)
holds the true energy on every row; what is left is where inside the set it lies. This prints, for the steel train
part and test quarter: the RMSE of the set's middle, the RMSE expected when the position inside the set is uniform
(the Bayes risk of the middle under a flat prior), the chance that the test quarter's middle lands at or below a
target RMSE under that flat posterior, the histogram of the true position on wide sets, how far the energy moves
between neighbouring intervals there, whether a smoothed histogram of past energies is a better prior (scored on
September), and whether the reading, its neighbours and the calendar predict the position (least squares fitted
on January-April, scored on May-September of the train part). Nothing here is fitted on the test quarter.
  npx tsx training/steel/export.ts --part train --out train.csv
  npx tsx training/steel/export.ts --part test --out test.csv
  /usr/bin/python3 training/steel/estimate_bound.py train.csv test.csv [models/steel-estimate/card.json] [0.020]
"""
import csv
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kwtrain.estimate_features import feasible  # noqa: E402

WIDE = 0.05


def load(path, p):
    rows = list(csv.DictReader(open(path)))
    col = {k: np.array([float(r[k]) for r in rows]) for k in rows[0] if k != "ts"}
    sets = np.array([feasible(col["lagging_reactive_kvarh"][i], col["lagging_pf"][i], col["leading_reactive_kvarh"][i],
                              col["leading_pf"][i], col["co2_t"][i], p)[:2] for i in range(len(rows))])
    return col, sets[:, 0], sets[:, 1], [r["ts"] for r in rows]


def position_features(col, lo, hi, ts):
    mid, w = (lo + hi) / 2, hi - lo
    tod = np.array([int(t[11:13]) * 4 + int(t[14:16]) // 15 for t in ts]) / 96
    return np.stack([np.ones_like(w), w, mid, col["lagging_reactive_kvarh"], col["leading_reactive_kvarh"],
                     col["lagging_pf"], col["leading_pf"], np.roll(mid, 1) - mid, np.roll(mid, -1) - mid,
                     np.roll(w, 1), np.roll(w, -1), np.sin(2 * np.pi * tod), np.cos(2 * np.pi * tod)], 1)


def kde_prior(u, lo, hi, ts):
    """Posterior mean under a smoothed histogram of the energies before September as the prior, scored on September."""
    val = np.array([s >= "2018-08-31T15:00" for s in ts])
    ref = np.sort(u[~val])
    rows = np.flatnonzero(val & (hi - lo > 0.005))
    mid = (lo + hi) / 2
    out = []
    for h in (0.1, 0.5, 2.0):
        est = mid.copy()
        for i in rows:
            g = np.arange(lo[i], hi[i] + 1e-9, 0.01)
            near = ref[np.searchsorted(ref, lo[i] - 5 * h):np.searchsorted(ref, hi[i] + 5 * h)]
            wt = np.exp(-0.5 * ((g[:, None] - near[None, :]) / h) ** 2).sum(1) + 1e-3
            est[i] = (wt * g).sum() / wt.sum()
        out.append(f"bandwidth {h:g} kWh {np.sqrt(np.mean((est[val] - u[val]) ** 2)):.4f}")
    print(f"  smoothed-histogram prior, September RMSE: {', '.join(out)}; the middle {np.sqrt(np.mean((mid[val] - u[val]) ** 2)):.4f}")


def main(train_csv, test_csv, card="models/steel-estimate/card.json", target=0.020):
    p = json.load(open(card))["params"]
    rng = np.random.default_rng(1)
    for name, path in (("train part", train_csv), ("test quarter", test_csv)):
        col, lo, hi, ts = load(path, p)
        u, w = col["usage_kwh"], hi - lo
        k = np.round(w / p["resolution"]) + 1  # grid points in the set
        flat = np.sqrt(np.mean((k ** 2 - 1) / 12) * p["resolution"] ** 2)
        mid = (lo + hi) / 2
        # Energies drawn uniformly on each set's grid: the middle's RMSE over the slice, 2,000 draws.
        sims = [np.sqrt(np.mean((lo + rng.integers(0, k) * p["resolution"] - mid) ** 2)) for _ in range(2000)]
        inside = np.mean((u >= lo - 1e-9) & (u <= hi + 1e-9))
        print(f"{name}: {len(u)} rows, true energy inside the set {inside:.4f}, single-value sets {np.mean(k == 1):.3f}; "
              f"middle RMSE {np.sqrt(np.mean((mid - u) ** 2)):.4f}, flat-prior expected {flat:.4f}, "
              f"P(RMSE <= {target}) under the flat posterior {np.mean(np.array(sims) <= target):.3f}")
        m = w > WIDE
        t = (u[m] - lo[m]) / w[m]
        # The same histogram for energies drawn uniformly on each set's grid (the grid makes it U-shaped).
        drawn = np.mean([np.histogram(rng.integers(0, k[m]) / (k[m] - 1), bins=10, range=(0, 1))[0] for _ in range(20)], 0)
        print(f"  position of the true energy in sets wider than {WIDE} kWh ({int(m.sum())} rows), deciles: "
              f"{np.histogram(t, bins=10, range=(0, 1))[0].tolist()}, mean {t.mean():.3f}; drawn uniformly on the "
              f"grid: {np.round(drawn).astype(int).tolist()}")
        step = np.abs(np.diff(u))[m[1:]]
        print(f"  on those rows the energy moves a median {np.median(step):.2f} kWh from the previous interval; "
              f"median set width {np.median(w[m]):.2f} kWh")
        if name == "train part":
            kde_prior(u, lo, hi, ts)
            X = position_features(col, lo, hi, ts)
            fit = m & np.array([s < "2018-04-30T15:00" for s in ts])
            score = m & ~fit
            beta = np.linalg.lstsq(X[fit] * w[fit, None], (u[fit] - mid[fit]), rcond=None)[0]
            shift = np.clip(X[score] @ beta, -0.5, 0.5) * w[score]
            print(f"  learned shift (fit Jan-Apr, scored May-Sep, {int(score.sum())} wide rows): correlation with the "
                  f"true offset {np.corrcoef(shift, (u - mid)[score])[0, 1]:.3f}; squared error {np.sum((mid[score] + shift - u[score]) ** 2):.2f} "
                  f"vs the middle's {np.sum((mid[score] - u[score]) ** 2):.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:3], *sys.argv[3:4], *(float(x) for x in sys.argv[4:5]))
