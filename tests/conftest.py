"""Shared pytest configuration: the ``browser`` marker, the viz browser fixture and the
seed articles built once per test session."""

from __future__ import annotations

import os
import sys
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
    config.addinivalue_line(
        "markers",
        "slow: takes seconds on its own (a cluster, killed builds, processes with other "
        "hash seeds, servers restarted, a 5,000-entity page); a quick run skips them "
        "with -m 'not slow'",
    )


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def seeds_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The seed articles built once for the whole session, with their Turtle
    written as `kg build` writes it (``turtle``). Shared: a test may read it
    (and its ``graph``) but must not change it."""
    from kg.builder import build_graph

    turtle = tmp_path_factory.mktemp("seeds-build") / "graph.ttl"
    with build_graph([ROOT / "seeds"], turtle=turtle) as result:
        assert result.articles == 2 and not result.errors and result.turtle == turtle
        yield result


@pytest.fixture(scope="session")
def seeds_files(seeds_build: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """That build written as `kg build` writes it: graph.ttl, and graph.nq (its
    named graphs), by suffix."""
    from kg.exports import write_file

    folder = tmp_path_factory.mktemp("seeds-files")
    files = {"ttl": seeds_build.turtle, "nq": folder / "graph.nq"}
    write_file(seeds_build.database, "nq", files["nq"])
    return files


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh Virtuoso Open Source server on loopback for the whole session (see
    scripts/virtuoso.py); yields its base URL."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from virtuoso import VirtuosoMissing, running_virtuoso

    try:
        with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as base:
            yield base
    except VirtuosoMissing as exc:
        if in_ci():
            pytest.fail(f"the triple-store tests must run in CI: {exc}", pytrace=False)
        pytest.skip(str(exc))


def in_ci() -> bool:
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
        if in_ci():
            pytest.fail(f"browser tests must run in CI: {problem}", pytrace=False)
        pytest.skip(problem)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()
