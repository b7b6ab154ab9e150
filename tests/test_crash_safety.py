"""Builds killed at the worst moment, and builds racing each other.

Each crash test runs ``kg build`` in a child process with one function replaced
by a version that does part of its work and then sends the process SIGKILL, so
the kill lands exactly where a file or the database is being written, every
time. Then it checks what a user would: the previous output or store is whole
and answers queries, and the next build cleans up and completes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rdflib import Graph

from kg.locking import folder_lock
from kg.query import run_store_query
from kg.storearticles import INDEX_NAME
from kg.storedir import OXIGRAPH_DIR
from kg.storeparts import DIRTY_MARK, STATE_FILE

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

WINS = {
    "w1": "Ada Quill won the Emmy for Outstanding Lead Actress in a Drama Series for Copper "
          "Lake.",
    "w2": "Tomas Brandt won the Emmy for Outstanding Lead Actor in a Comedy Series for Paper "
          "Lanterns.",
    "w3": "Rob Hale won the Emmy for Outstanding Supporting Actor in a Drama Series for Tin "
          "Harbor.",
}


def _write(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(f" date 2021-09-20 {WINS[name]}", encoding="utf-8")
    return path


def _kg(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _kg_killed(patch: str, *args: str | Path) -> subprocess.CompletedProcess:
    """``kg ARGS`` in a child that runs ``patch`` first (it replaces a function
    with one that calls ``die()`` part-way)."""
    program = textwrap.dedent("""
        import os, signal, sys

        def die():
            os.kill(os.getpid(), signal.SIGKILL)

    """) + textwrap.dedent(patch) + textwrap.dedent("""
        from kg.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    result = subprocess.run([sys.executable, "-c", program, *map(str, args)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == -9, result.stderr  # it really was killed there
    return result


def _winners(store: Path) -> set[str]:
    out = run_store_query(store, "SELECT ?n WHERE { ?x kg:won true ; kg:nominee/schema:name ?n }")
    return {row[0] for row in out.rows}


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*.tmp"))


def test_a_build_killed_while_writing_keeps_the_old_files_and_the_next_cleans_up(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    _write(src, "w1")
    assert _kg("build", src, "-o", out, "--no-html").returncode == 0
    before = (out / "graph.ttl").read_bytes()
    _write(src, "w2")
    _kg_killed("""
        import kg.exports
        def write_turtle(quads, fh, lines=None):
            fh.write(b"@prefix broken: <")  # half a file
            fh.flush()
            die()
        kg.exports.write_turtle = write_turtle
    """, "build", src, "-o", out, "--no-html")
    assert (out / "graph.ttl").read_bytes() == before  # untouched, still parseable
    assert len(Graph().parse(out / "graph.ttl", format="turtle")) > 0
    assert _temps(out), "the kill should have left the half-written temporary file"
    assert _kg("build", src, "-o", out, "--no-html").returncode == 0
    assert _temps(out) == []
    assert b"Tomas Brandt" in (out / "graph.ttl").read_bytes()


# a store rebuilt in full rather than updated (see kg.storeparts), for the tests
# that kill a build while it fills or swaps a new database
FULL_REBUILD = """
        import kg.store
        kg.store.ArticleStore._can_update = lambda *args: False
"""


@pytest.fixture()
def store_of_one(tmp_path: Path) -> tuple[Path, Path]:
    src, store = tmp_path / "in", tmp_path / "store"
    assert _kg("build", _write(src, "w1"), "--store", store).returncode == 0
    assert _winners(store) == {"Ada Quill"}
    return src, store


def _next_build_completes(src: Path, store: Path) -> None:
    _write(src, "w3")
    result = _kg("build", src, "--store", store)
    assert result.returncode == 0, result.stderr
    assert _winners(store) == {"Ada Quill", "Tomas Brandt", "Rob Hale"}
    assert sorted(p.name for p in store.iterdir()) == [".kg.lock", "articles", "docs",
                                                      OXIGRAPH_DIR, STATE_FILE]
    assert _temps(store) == []


def test_a_store_build_killed_while_filling_the_database(store_of_one):
    src, store = store_of_one
    _write(src, "w2")
    _kg_killed(FULL_REBUILD + """
        import itertools
        import kg.store
        real_fill = kg.store.fill
        def fill(database, quads):
            real_fill(database, itertools.islice(quads, 20))
            die()
        kg.store.fill = fill
    """, "build", src, "--store", store)
    assert (store / (OXIGRAPH_DIR + ".new")).is_dir()  # the half-filled new database
    assert _winners(store) == {"Ada Quill"}  # the store still answers, as before
    _next_build_completes(src, store)


def test_a_store_build_killed_while_swapping_databases(store_of_one):
    src, store = store_of_one
    _write(src, "w2")
    _kg_killed(FULL_REBUILD + """
        import pathlib
        real_rename = pathlib.Path.rename
        def rename(self, target):
            real_rename(self, target)
            if str(target).endswith(".old"):  # the old database moved aside, new not in
                die()
        pathlib.Path.rename = rename
    """, "build", src, "--store", store)
    assert not (store / OXIGRAPH_DIR).exists()
    assert _winners(store) == {"Ada Quill"}  # readers find the previous database
    _next_build_completes(src, store)


def test_a_store_build_killed_while_saving_an_article(store_of_one):
    src, store = store_of_one
    _write(src, "w2")
    _kg_killed("""
        import kg.storearticles
        from kg.atomic import temp_beside
        def write_atomic(path, data, durable=False):
            temp_beside(path).write_bytes(data[: len(data) // 2])
            die()
        kg.storearticles.write_atomic = write_atomic
    """, "build", src, "--store", store)
    assert _temps(store / "articles")
    assert _winners(store) == {"Ada Quill"}
    _next_build_completes(src, store)


def test_two_builds_into_one_store_at_once_lose_nothing(tmp_path):
    store = tmp_path / "store"
    first = _write(tmp_path / "a", "w1")
    second = [_write(tmp_path / "b", "w2"), _write(tmp_path / "b", "w3")]
    with folder_lock(store):  # hold the store so the two builds must meet at its lock
        procs = [subprocess.Popen([sys.executable, "-m", "kg", "build", *map(str, paths),
                                   "--store", str(store)], cwd=ROOT, stderr=subprocess.PIPE,
                                  text=True) for paths in ([first], second)]
        waiting = [p.stderr.readline() for p in procs]  # each says it waits, then waits
    assert all("another kg build is writing here; waiting" in line for line in waiting)
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
        p.stderr.close()
    assert _winners(store) == {"Ada Quill", "Tomas Brandt", "Rob Hale"}


def test_a_store_with_a_damaged_article_file_still_builds_and_says_so(store_of_one):
    src, store = store_of_one
    damaged = next(p for p in (store / "articles").glob("*.json") if p.name != INDEX_NAME)
    damaged.write_text('{"id": "w1", "te', encoding="utf-8")
    _write(src, "w2")
    result = _kg("build", src / "w2.txt", "--store", store)
    assert result.returncode == 1
    assert f"{damaged}: damaged stored article, left out" in result.stderr
    assert _winners(store) == {"Tomas Brandt"}


def test_query_reads_a_store_whose_swap_was_interrupted(store_of_one):
    _, store = store_of_one
    shutil.move(store / OXIGRAPH_DIR, store / (OXIGRAPH_DIR + ".old"))
    result = _kg("query", "winners", "--graph", store, "--format", "csv")
    assert result.returncode == 0 and "Ada Quill" in result.stdout


def test_a_store_update_killed_before_it_is_kept_is_redone_in_full(store_of_one):
    """Killed after the database was updated but before the parts were kept:
    the next build finds the mark it left and rebuilds the store in full."""
    src, store = store_of_one
    _write(src, "w2")
    _kg_killed("""
        import kg.storeupdate
        real_write = kg.storeupdate.Update._write
        def write(self):
            real_write(self)
            die()
        kg.storeupdate.Update._write = write
    """, "build", src, "--store", store)
    assert (store / DIRTY_MARK).exists()
    _next_build_completes(src, store)
    assert not (store / DIRTY_MARK).exists()
