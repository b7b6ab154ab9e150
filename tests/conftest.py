"""Shared pytest configuration: the ``browser`` marker, the viz browser fixture and the
seed articles built once per test session."""

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


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def seeds_build() -> Iterator[Any]:
    """The seed articles built once for the whole session. Shared: a test may
    read it (and its ``graph``) but must not change it."""
    from kg.builder import build_graph

    with build_graph([ROOT / "seeds"]) as result:
        assert result.articles == 2 and not result.errors
        yield result


@pytest.fixture(scope="session")
def seeds_files(seeds_build: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """That build written as `kg build` writes it: graph.ttl, and graph.nq (its
    named graphs), by suffix."""
    from kg.exports import write_file

    folder = tmp_path_factory.mktemp("seeds-files")
    files = {}
    for fmt in ("ttl", "nq"):
        files[fmt] = folder / f"graph.{fmt}"
        write_file(seeds_build.database, fmt, files[fmt])
    return files


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {dir}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh Virtuoso Open Source server (Debian's virtuoso-opensource-7-bin) on
    loopback, for the whole session; yields its base URL. Its SPARQL endpoint is
    BASE/sparql, its Graph Store endpoint BASE/sparql-graph-crud-auth (digest
    authentication, user dba, password dba: a new database's defaults)."""
    import shutil
    import subprocess

    import httpx
    from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

    from kg.serve import find_free_port

    binary = shutil.which("virtuoso-t")
    if binary is None:
        problem = "virtuoso-t is missing (apt-get install virtuoso-opensource-7-bin)"
        if in_ci():
            pytest.fail(f"the triple-store tests must run in CI: {problem}", pytrace=False)
        pytest.skip(problem)
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = find_free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
        dir=folder, sql_port=find_free_port(), http_port=http_port), encoding="utf-8")
    log = (folder / "stdout.log").open("wb")
    proc = subprocess.Popen([binary, "+configfile", str(folder / "virtuoso.ini"),
                             "+foreground"], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"

    def answers() -> None:
        if proc.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {proc.returncode}: see "
                               f"{folder / 'virtuoso.log'}")
        httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=5).raise_for_status()

    try:
        for attempt in Retrying(stop=stop_after_delay(120), wait=wait_fixed(0.25),
                                retry=retry_if_exception_type(httpx.HTTPError), reraise=True):
            with attempt:
                answers()
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


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
