"""What bounds imputing an energy whose reading lost every electrical register but kept its CO2 (issue 14)?
CO2 is the energy times an emission factor, rounded to two decimals: it says in which interval of about 22 kWh the
energy lies, nothing about where inside. This scores, on the test quarter, estimators of the energy of one such
reading with both neighbours known, fitted on the train part only (before 2018-10-01): the interval's middle, the
line on where linear interpolation lies in the interval (`kilowatch clean`'s rule, which it fits on the file being
cleaned; here on the train part), least squares and 50 nearest neighbours on 35 features (the usage, reactive
energy and position of three readings each side, the four-week profile, the time of day, the weekday), and the
same least squares fitted on the test rows themselves (an optimistic limit). It also prints how much the position in the interval follows its neighbour's.
  /usr/bin/python3 training/steel/imputation_bound.py [data/steel/Steel_industry_data.csv]
"""
import csv
import sys

import numpy as np

FACTOR = 0.0004585  # tCO2/kWh: the factor every rounded reading agrees with (shared/readings/clean/batch/co2-witness.ts)
ROUNDING = 0.005
WEEK = 672
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

path = sys.argv[1] if len(sys.argv) > 1 else "data/steel/Steel_industry_data.csv"
rows = list(csv.reader(open(path, encoding="utf-8-sig")))[1:]
usage = np.array([float(r[1]) for r in rows])
lagging = np.array([float(r[2]) for r in rows])
co2 = np.array([float(r[4]) for r in rows])
seconds = np.array([int(r[7]) for r in rows])
weekday = np.array([DAYS.index(r[9]) for r in rows])
split = next(i for i, r in enumerate(rows) if r[0].startswith("01/10/2018 00:15"))

lo = np.maximum(0, (co2 - ROUNDING) / FACTOR)
hi = (co2 + ROUNDING) / FACTOR


def position(v, i):
    return np.clip((v - lo[i]) / (hi[i] - lo[i]), 0, 1)


def rmse(e):
    return float(np.sqrt(np.mean(np.square(e))))


idx = np.arange(4 * WEEK, len(rows) - 4 * WEEK)
loaded = co2[idx] > 0
train = loaded & (idx < split)
test = loaded & (idx >= split)
y = usage[idx]
where = position(y, idx)
width = hi[idx] - lo[idx]


def energy(p):
    return lo[idx] + width * np.clip(p, 0, 1)


print(f"test-quarter readings with CO2 > 0: {test.sum()}; interval {width[loaded].mean():.2f} kWh wide, "
      f"a flat position in it: {width[loaded].mean() / np.sqrt(12):.2f} kWh")
print(f"linear interpolation of the one reading: {rmse(((usage[idx - 1] + usage[idx + 1]) / 2 - y)[test]):.2f} kWh")
print(f"interval middle: {rmse((energy(0.5) - y)[test]):.2f} kWh")
fill = position((usage[idx - 1] + usage[idx + 1]) / 2, idx)
a, b = np.linalg.lstsq(np.c_[np.ones(len(idx)), fill][train], where[train], rcond=None)[0]
print(f"line on where linear interpolation lies (kilowatch clean's rule): {rmse((energy(a + b * fill) - y)[test]):.2f} kWh")
features = [np.ones(len(idx)), fill]
for k in (1, 2, 3):
    for j in (idx - k, idx + k):
        features += [position(usage[j], idx), usage[j] / 100, position(usage[j], j), lagging[j] / 50]
weeks = np.mean([usage[idx + d * WEEK * s] for d in (1, 2, 3, 4) for s in (-1, 1)], 0)
features += [position(weeks, idx), np.sin(2 * np.pi * seconds[idx] / 86400), np.cos(2 * np.pi * seconds[idx] / 86400)]
features += [(weekday[idx] == d) * 1.0 for d in range(6)]
X = np.stack(features, 1)
w = np.linalg.lstsq(X[train], where[train], rcond=None)[0]
print(f"least squares on {X.shape[1]} features: {rmse((energy(X @ w) - y)[test]):.2f} kWh")
scale = X[train][:, 1:].std(0) + 1e-9
near = []
for q in X[test][:, 1:]:
    d = (((X[train][:, 1:] - q) / scale) ** 2).sum(1)
    near.append(where[train][np.argpartition(d, 50)[:50]].mean())
print(f"50 nearest neighbours on the same features: {rmse(lo[idx][test] + width[test] * np.array(near) - y[test]):.2f} kWh")
w = np.linalg.lstsq(X[test], where[test], rcond=None)[0]
print(f"least squares fitted on the test rows themselves (optimistic): {rmse((energy(X @ w) - y)[test]):.2f} kWh")
prev = position(usage[idx - 1], idx - 1)
print(f"correlation of the position with the previous reading's own: {np.corrcoef(where[loaded], prev[loaded])[0, 1]:.3f}")
