#!/usr/bin/env bash
# Print the competency scores of the current code: on the seeds, on ../shared's dev
# corpus when it is there, and on tests/data/heldout (invented articles written to
# check that the rules generalise beyond the seeds' phrasing and awards).
set -euo pipefail
cd "$(dirname "$0")/.."
score=../shared/eval/score.py
kg=.venv/bin/kg
[ -f "$score" ] || { echo "needs ../shared/eval/score.py"; exit 2; }
run() { echo "== $1"; python3 "$score" --kg "$kg" --gold "$2" --articles "$3" --show "${SHOW:-0}"; }
run seeds ../shared/eval/gold-seeds.json seeds
[ -f ../shared/corpus/dev/gold.json ] && run dev ../shared/corpus/dev/gold.json ../shared/corpus/dev
run heldout tests/data/heldout/gold.json tests/data/heldout
