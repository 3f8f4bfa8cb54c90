#!/usr/bin/env python3
"""kilowatch trainers. Usually run through `kilowatch train forecast|estimate ...`, which picks the interpreter.

  python3 training/train.py forecast --input my.csv --timestamp ts --target usage_kwh --out models/my-forecast
  python3 training/train.py estimate --input my.csv --out models/my-estimate
  python3 training/train.py features forecast|estimate ...   (feature dump for the TypeScript parity tests)
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kwtrain.series import InputError  # noqa: E402


def common_args(p):
    p.add_argument("--input", required=True, help="CSV in the export format (a timestamp column and value columns)")
    p.add_argument("--timestamp", default="ts", help="timestamp column (default ts)")
    p.add_argument("--tz", default="UTC", help="plant time zone: timestamps without an offset are read in it, and the calendar uses it (default UTC)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda")
    p.add_argument("--name", help="model name for the card")
    p.add_argument("--version", help="model version for the card (default: UTC time of training)")
    p.add_argument("--data-name", help="what the training data is, for the card (default: the input path)")
    p.add_argument("--interval-label", dest="label", default="end", help="readings are stamped at the 'end' (default) or 'start' of their interval")
    p.add_argument("--holidays", help="file of plant holidays, one YYYY-MM-DD a line")


def forecast_args(p):
    p.add_argument("--target", default="usage_kwh")
    p.add_argument("--freq", help="sampling step, e.g. 15min, 1h (default: the most common step in the file)")
    p.add_argument("--horizon", type=int, default=None, help="steps ahead (default: one day)")
    p.add_argument("--val-days", type=int, default=56, help="days before the final slice for early stopping and interval calibration")
    p.add_argument("--final-days", type=int, default=28, help="days at the end kept untouched for the card's metrics")
    p.add_argument("--members", type=int, default=3, help="ensemble members (seeds)")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--patience", type=int, default=8)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--stride", type=int, default=0, help="steps between training origins (default: 2 hours)")


def estimate_args(p):
    p.add_argument("--target", default="usage_kwh")
    p.add_argument("--lagging-kvarh", default="lagging_reactive_kvarh")
    p.add_argument("--leading-kvarh", default="leading_reactive_kvarh")
    p.add_argument("--lagging-pf", default="lagging_pf")
    p.add_argument("--leading-pf", default="leading_pf")
    p.add_argument("--co2", default="co2_t", help="CO2 column (optional: used when present)")
    p.add_argument("--val-days", type=int, default=30)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=int, default=32)


def main(argv):
    ap = argparse.ArgumentParser(prog="train.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="task", required=True)
    pf = sub.add_parser("forecast")
    common_args(pf); forecast_args(pf)
    pf.add_argument("--out", required=True)
    pe = sub.add_parser("estimate")
    common_args(pe); estimate_args(pe)
    pe.add_argument("--out", required=True)
    pd = sub.add_parser("features", help="write the features of a trained model's card for a CSV (parity tests)")
    pd.add_argument("kind", choices=["forecast", "estimate"])
    pd.add_argument("--card", required=True)
    pd.add_argument("--input", required=True)
    pd.add_argument("--tz", default=None)
    pd.add_argument("--origins", help="file of origin timestamps (forecast)")
    pd.add_argument("--output", required=True, help="JSON file")
    a = ap.parse_args(argv)
    try:
        if a.task == "forecast":
            from kwtrain import forecast
            a.name = a.name or "forecast"
            forecast.train(a)
        elif a.task == "estimate":
            from kwtrain import estimate
            a.name = a.name or "estimate"
            estimate.train(a)
        else:
            from kwtrain import dump
            dump.run(a)
    except InputError as e:
        print(f"kilowatch train: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
