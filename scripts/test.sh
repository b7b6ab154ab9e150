#!/usr/bin/env bash
# Set up a virtual environment with kg and its test tools, then run lint and the tests.
# Browser tests need Debian's Chromium: installed here when we may (root), else skipped
# locally (they are required when CI is set).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Debian's chromium for the browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "== /usr/bin/chromium is missing: browser tests will be skipped (apt-get install chromium)"
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

echo "== ruff"
.venv/bin/ruff check kg tests
echo "== pytest"
.venv/bin/python -m pytest -q "$@"
