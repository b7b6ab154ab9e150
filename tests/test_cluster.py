"""``kg build --dask``: extraction on a real Dask cluster (``distributed.LocalCluster``
on loopback) gives the graph a local build gives, also when a worker is killed
in the middle of the build."""

from __future__ import annotations

import logging
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

pytest.importorskip("distributed")  # in the test extras; a clear skip where it is missing

from distributed import Client, LocalCluster  # noqa: E402

import kg.cluster  # noqa: E402
from kg.builder import build_graph  # noqa: E402
from kg.cli import main  # noqa: E402
from kg.exports import write_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two worker processes (each loads the model once), restarted by their
    nannies when they die."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as c:
        yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Eight articles (the seeds under several names), so that with one article
    per task the cluster has work left when a worker is killed."""
    folder = tmp_path_factory.mktemp("dask-corpus")
    for n in range(4):
        for seed in sorted((ROOT / "seeds").glob("*.txt")):
            shutil.copy(seed, folder / f"copy{n}-{seed.name}")
    return folder


@pytest.fixture(scope="module")
def local_nt(corpus, tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("local")
    with build_graph([corpus], jobs=1) as result:
        write_file(result.database, "nt", out / "graph.nt")
    return (out / "graph.nt").read_bytes()


def _nt(result, folder: Path) -> bytes:
    write_file(result.database, "nt", folder / "graph.nt")
    return (folder / "graph.nt").read_bytes()


def test_the_cli_builds_on_the_cluster_the_same_files_as_a_local_build(cluster, tmp_path):
    args = ["build", str(ROOT / "seeds"), "--no-html", "--export", "nt", "-q"]
    assert main([*args, "-o", str(tmp_path / "dask"), "--dask", cluster.scheduler_address]) == 0
    assert main([*args, "-o", str(tmp_path / "local"), "--jobs", "1"]) == 0
    for name in ("graph.ttl", "graph.nt"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_a_worker_killed_mid_build_still_ends_in_the_complete_graph(cluster, corpus, local_nt,
                                                                    tmp_path, monkeypatch):
    monkeypatch.setattr(kg.cluster, "DASK_BATCH", 1)  # eight tasks per pass
    with Client(cluster, set_as_default=False) as client:
        pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed: list[int] = []
    seen: list[str] = []

    def progress(n: int, total: int, what: str) -> None:
        seen.append(what.split()[0])
        if not killed:  # the first article is parsed: the others, and its Doc, are in flight
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    with build_graph([corpus], progress=progress, dask=cluster.scheduler_address) as result:
        assert result.errors == []
        assert result.articles == 8
        assert _nt(result, tmp_path) == local_nt
    assert killed and seen.count("parsing") == 8 and seen.count("extracting") == 8
    with Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)  # the nanny started a new one
        assert victim not in client.run(os.getpid).values()


def test_a_store_built_on_the_cluster_equals_a_local_store_and_reuses_its_facts(
        cluster, corpus, local_nt, tmp_path):
    from kg.store import build_into_store

    with build_into_store([corpus], tmp_path / "store", dask=cluster.scheduler_address) as r:
        assert _nt(r, tmp_path) == local_nt
    # nothing new: every article's facts are kept, the cluster is not asked again
    seen: list[str] = []
    with build_into_store([corpus], tmp_path / "store", dask=cluster.scheduler_address,
                          progress=lambda n, t, what: seen.append(what.split()[0])) as r:
        assert _nt(r, tmp_path) == local_nt
    assert "parsing" not in seen and "extracting" not in seen


def test_an_article_that_fails_on_a_worker_is_named_and_the_rest_builds(tmp_path, monkeypatch):
    """A worker thread in this process, so the failure can be planted."""
    import kg.passes

    real = kg.passes.extract_article

    def fails_on_one(ctx, hits, known):
        if "Zed Orrin" in ctx.article.text:
            raise IndexError("string index out of range")
        return real(ctx, hits, known)

    monkeypatch.setattr(kg.passes, "extract_article", fails_on_one)
    for n in range(3):
        (tmp_path / f"fine{n}.txt").write_text(
            f" date 2021-03-01 Ada Quill{n} won an Emmy for Copper Lake.", encoding="utf-8")
    (tmp_path / "odd.txt").write_text(" date 2021-03-01 Zed Orrin won an Emmy.",
                                      encoding="utf-8")
    with LocalCluster(n_workers=1, processes=False, dashboard_address="127.0.0.1:0",
                      silence_logs=logging.ERROR) as threads, \
            build_graph([tmp_path], dask=threads.scheduler_address) as result:
        assert result.articles == 3
        assert [(e.path.name, e.problem.split(";")[0]) for e in result.errors] == \
            [("odd.txt", "extraction failed (IndexError: string index out of range)")]


def test_an_unreachable_scheduler_is_a_clear_error(monkeypatch, capsys, tmp_path):
    from kg.serve import find_free_port

    monkeypatch.setattr(kg.cluster, "CONNECT_TIMEOUT_S", 1)
    port = find_free_port()
    code = main(["build", str(ROOT / "seeds"), "-o", str(tmp_path), "--no-html",
                 "--dask", f"tcp://127.0.0.1:{port}"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err
    assert not (tmp_path / "graph.ttl").exists()


def test_without_dask_installed_the_build_says_what_to_install(monkeypatch, capsys, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "kg.cluster", None)  # as if distributed were missing
    code = main(["build", str(ROOT / "seeds"), "-o", str(tmp_path), "--no-html",
                 "--dask", "tcp://127.0.0.1:1"])
    assert code == 2
    assert "pip install 'kg[dask]'" in capsys.readouterr().err
