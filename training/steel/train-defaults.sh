#!/usr/bin/env bash
# Trains the committed default models of the demo plant on the steel train part only (readings stamped up to
# 2018-10-01 00:00 plant time) and verifies them. CPU: about 6 minutes on 2 cores; CUDA is used when present.
#   training/steel/train-defaults.sh [out-root (default models)]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-models}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
npx tsx training/steel/export.ts --part train --out "$tmp/steel-train.csv"
data="steel plant 2018 (UCI 851), train part: readings up to 2018-10-01 00:00 Asia/Seoul"
node bin/kilowatch.js train estimate --input "$tmp/steel-train.csv" --tz Asia/Seoul --seed 1 \
  --name steel-estimate --version 1.0.0 --data-name "$data" --out "$out/steel-estimate"
node bin/kilowatch.js train forecast --input "$tmp/steel-train.csv" --tz Asia/Seoul --seed 1 \
  --holidays training/steel/holidays-kr.txt --name steel-forecast --members 5 --version 1.2.0 --data-name "$data" \
  --out "$out/steel-forecast"
