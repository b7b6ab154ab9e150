#!/usr/bin/env bash
# Print the competency scores of the current code: on the seeds, on ../shared's dev
# and train corpora when they are there, and on tests/data/heldout (invented articles
# written to check that the rules generalise beyond the seeds' phrasing and awards).
set -euo pipefail
cd "$(dirname "$0")/.."
score=../shared/eval/score.py
kg=.venv/bin/kg
[ -f "$score" ] || { echo "needs ../shared/eval/score.py"; exit 2; }
run() { echo "== $1"; python3 "$score" --kg "$kg" --gold "$2" --articles "$3" --show "${SHOW:-0}"; }
run seeds ../shared/eval/gold-seeds.json seeds
for c in dev train; do
  [ -f "../shared/corpus/$c/gold.json" ] && run "$c" "../shared/corpus/$c/gold.json" "../shared/corpus/$c"
done
run heldout tests/data/heldout/gold.json tests/data/heldout
