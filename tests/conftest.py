"""Shared pytest configuration: the ``browser`` marker and the viz browser fixture."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: drives headless Chromium via Playwright (skipped locally when missing, "
        "required when CI is set)",
    )


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def viz_browser() -> Iterator[Any]:
    """One headless Debian Chromium for all browser tests.

    Missing Chromium or Playwright skips the test on a developer machine but fails
    it in CI, so a broken CI image cannot silently turn the browser tests off.
    """
    from kg.viz import CHROMIUM_ARGS, CHROMIUM_PATH

    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install playwright)"
    if problem is None and not Path(CHROMIUM_PATH).exists():
        problem = f"{CHROMIUM_PATH} is missing (apt-get install chromium)"
    if problem is not None:
        if _in_ci():
            pytest.fail(f"browser tests must run in CI: {problem}", pytrace=False)
        pytest.skip(problem)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()
