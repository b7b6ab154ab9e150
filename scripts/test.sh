#!/usr/bin/env bash
# Set up a virtual environment with kg and its test tools, then run lint and the tests.
# Browser tests need Debian's Chromium, the triple-store tests Virtuoso: installed here
# when we may (root), else skipped locally (they are required when CI is set).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: Chromium (browser tests) and Virtuoso (the triple-store
# tests start a server of their own)
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource-7-bin)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Debian's ${need[*]} for the tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "== missing ${need[*]}: the tests that need them will be skipped (apt-get install ${need[*]})"
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

echo "== ruff"
.venv/bin/ruff check kg tests
echo "== pytest"
.venv/bin/python -m pytest -q "$@"
