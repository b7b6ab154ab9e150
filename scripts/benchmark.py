#!/usr/bin/env python3
"""Measure kg at scale on synthetic corpora, as ratios to raw spaCy in one run.

    .venv/bin/python scripts/benchmark.py --sizes 100,1000,10000

For each size N it writes N articles with invented names (scripts/synthetic.py)
and measures, each step in a fresh process:

- raw: the plain spaCy model's ``nlp.pipe`` over the same texts, one process
  (model load included, as it is in a build); up to ``--jobs1-max`` articles,
  also raw spaCy multiplying as kg does (``kg.matmul``), to show how much of
  kg's ratio is that choice;
- ``kg build --no-html`` with ``--jobs 1`` and ``--jobs J``: articles/s and
  the ratio of kg's throughput to raw's (1.0 = as fast as parsing alone);
- peak memory: the largest sum of the proportional set sizes (PSS) of the
  build's processes (shared pages counted once). Reading it slows what is
  read (``measure``), so raw spaCy and the builds above run twice: timed in a
  run nothing reads (those under ``SHORT_RUN_S`` five times, in turn with
  each other, the median reported), their peak read, every 0.1 s, in another
  run (store builds and adds run once, read every 0.1 s for 3 s, every 0.5 s
  after);
- the store: building N articles into a store, then adding one article with
  new names, and one about the corpus's own people and works, one at a time,
  three of each in turn (the median of each kind is reported);
- queries: loading the largest build's graph.ttl into Oxigraph, and each
  shipped competency query after that (the median of three runs); then the
  same at ``--query-triples`` (a graph of that size is what the goals name:
  the first articles of the largest corpus that make about that many
  triples, built apart, when the largest graph is more than a tenth larger);
  then each one on the largest size's store
  (Oxigraph's database on disk, read as ``kg query --graph STORE`` and
  ``kg serve`` read it: no load, but slower queries);
- the graph page of the ``--page-size`` build: ``kg viz`` time, and the time
  until the page is ready in headless Chromium (when Playwright is installed);
- beyond one machine, for the ``--cluster-size`` corpus: ``kg build --dask`` on
  a Dask scheduler and ``--jobs`` single-threaded workers started here (the
  ``dask`` command), against the same raw figure; then ``kg push`` of that
  size's store into a fresh Virtuoso server (when ``virtuoso-t`` is installed)
  and each shipped query over ``kg query --endpoint``.

Before anything is timed, kg's modules are compiled to bytecode, as
installing a package does: where ``PYTHONDONTWRITEBYTECODE`` is set (as on the
machine the README's figures come from) every process would otherwise compile
them again, about 0.1 s of a 100-article build and little of raw spaCy's,
which imports few of them; and one untimed build fills a cache folder of the
run's own with the tables kg derives (``_warm_cache``).

The machine is shared, so wall-clock figures vary between runs; ratios within
one run are what to compare. It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from synthetic import World, article, write_corpus  # noqa: E402

PYTHON = sys.executable
# seconds between readings of a measured command's memory: in its first few
# seconds, and after (``measure``)
PSS_SOON_EVERY, PSS_SOON, PSS_EVERY = 0.1, 3.0, 0.5
KG = [PYTHON, "-m", "kg"]
# store adds of each kind, and runs of each query, whose median is reported
ADDS = QUERY_RUNS = 3
# timed commands (raw spaCy, the builds) that took less than this are run
# ``SHORT_RUNS`` times in all, in turn (raw, then each build, then raw again),
# and the median of each reported: a 100-article build takes about 2 s,
# single runs of the same code differed by a tenth, and three runs of one
# command after three of another compared them at different moments of a
# shared machine (the ratio at 100 articles was 1.31x to 1.58x between runs)
SHORT_RUN_S = 10.0
SHORT_RUNS = 5

RAW_PARSE = """
import contextlib
import sys
from kg.articles import load_articles
from kg.matmul import numpy_matmul
from kg.nlp import load_model
articles, _ = load_articles([sys.argv[1]])
with numpy_matmul() if sys.argv[2:] == ["numpy"] else contextlib.nullcontext():
    nlp = load_model()
for _ in nlp.pipe(a.body for a in articles):
    pass
"""


def timed(cmd: list[str]) -> float:
    """Run ``cmd`` with nothing reading its memory; return its wall seconds."""
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _check(cmd, done.returncode, done.stderr)
    return time.perf_counter() - started


def timed_in_turn(runs: list[tuple[list[str], Path | None]]) -> list[float]:
    """``timed`` for each (command, output folder made empty before each run)
    once; those shorter than ``SHORT_RUN_S`` then run again, in turn, until
    each has run ``SHORT_RUNS`` times, and give the median of their runs."""
    def once(cmd: list[str], out: Path | None) -> float:
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
        return timed(cmd)

    times = [[once(cmd, out)] for cmd, out in runs]
    short = [i for i, t in enumerate(times) if t[0] < SHORT_RUN_S]
    for _ in range(SHORT_RUNS - 1):
        for i in short:
            times[i].append(once(*runs[i]))
    return [statistics.median(t) for t in times]


def _check(cmd: list[str], code: int, err: bytes) -> None:
    """Stop on a command that did not do all its work: every measured command
    reads synthetic articles, which should all build (kg exits 1 when some
    input was skipped, and Python on an uncaught error; either would time a
    part of the work)."""
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit code {code}):\n{err.decode()[-2000:]}")


def measure(cmd: list[str], every: float = PSS_EVERY) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak MB of the memory of it and its
    children). Memory is summed PSS (each shared page counted once, split
    between the processes sharing it): summed RSS would count the model's pages
    that forked workers share with their parent once per process. It is read
    every ``PSS_SOON_EVERY`` seconds for the first ``PSS_SOON`` seconds (a
    store add takes about 1.2 s), then every ``every`` seconds: reading a
    process's PSS walks its pages (1 to 6 ms for each of a build's processes,
    holding the process's memory map meanwhile), and read every 0.1 s
    throughout it made a 10,000-article ``--jobs 2`` build slower (146.6 s
    against 135.3 s unread, one run each), and over 3,000 articles 45.9 s
    every 0.1 s, 42.1 s every 0.5 s, 40.2 s unread, the peaks the same (484
    and 485 MB). Hence the figures compared with raw spaCy's are timed in runs
    nothing reads (``timed_in_turn``), and their peaks read in another."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        try:
            root = psutil.Process(proc.pid)
            while not done.is_set():
                total = 0
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):  # a worker that just ended
                        total += p.memory_full_info().pss
                peak = max(peak, total)
                soon = time.perf_counter() - started < PSS_SOON
                done.wait(PSS_SOON_EVERY if soon else every)
        except psutil.Error:
            pass

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    done.set()
    watcher.join()
    _check(cmd, proc.returncode, err)
    return time.perf_counter() - started, peak / 2**20


def query_times(graph: Path) -> tuple[float, int, dict[str, float]]:
    """(load seconds, triples, query name -> seconds) for a graph file in Oxigraph."""
    import pyoxigraph

    t0 = time.perf_counter()
    store = pyoxigraph.Store()
    store.bulk_load(path=str(graph), format=pyoxigraph.RdfFormat.TURTLE)
    load = time.perf_counter() - t0
    return load, len(store), _each_query(store)


def store_query_times(store: Path) -> dict[str, float]:
    """Query name -> seconds for each shipped query on a store's database,
    opened read-only once, as ``kg serve`` reads a snapshot of it."""
    import pyoxigraph

    from kg.storedir import database_dir

    return _each_query(pyoxigraph.Store.read_only(str(database_dir(store))))


def _each_query(store) -> dict[str, float]:
    """Query name -> median seconds of ``QUERY_RUNS`` runs of each shipped
    query (but those that need a parameter: ``entity``) on an open Oxigraph
    store, the queries run in turn."""
    from kg.query import run_database_query, shipped_queries

    times: dict[str, list[float]] = {}
    for _ in range(QUERY_RUNS):
        for q in shipped_queries():
            if q.needs:  # ``entity``: one entity's rows, not a size's
                continue
            t = time.perf_counter()
            run_database_query(store, q.path.read_text(encoding="utf-8"))
            times.setdefault(q.name, []).append(time.perf_counter() - t)
    return {name: statistics.median(runs) for name, runs in times.items()}


def _print_query_times(title: str, times: dict[str, float]) -> None:
    print(f"\n{title}; slowest query {max(times.values()):.2f} s ({max(times, key=times.get)}), "
          f"all {len(times)} in {sum(times.values()):.2f} s")
    for name, secs in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f"  {name:24} {secs:6.2f} s")


def page_times(graph: Path, page: Path) -> tuple[float, str, float | None]:
    """(seconds for ``kg viz``, what it drew, seconds until the page is ready in
    headless Chromium, or None without Playwright and Chromium)."""
    t0 = time.perf_counter()
    done = subprocess.run([*KG, "viz", str(graph), "-o", str(page)], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    render = time.perf_counter() - t0
    drawn = done.stderr.strip().rsplit("(", 1)[-1].rstrip(")")
    try:
        from playwright.sync_api import sync_playwright

        from kg.viz import CHROMIUM_ARGS, CHROMIUM_PATH
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM_PATH,
                                         args=list(CHROMIUM_ARGS))
            tab = browser.new_page(viewport={"width": 1600, "height": 1000})
            t0 = time.perf_counter()
            tab.goto(page.resolve().as_uri())
            tab.wait_for_function("window.kgReady === true", timeout=600_000)
            ready = time.perf_counter() - t0
            browser.close()
    except Exception:  # noqa: BLE001 - no browser here: report the render time alone
        return render, drawn, None
    return render, drawn, ready


def cluster_time(corpus: Path, out: Path, workers: int) -> tuple[float, float] | None:
    """(seconds, peak MB of the client) for ``kg build --dask`` on a local
    scheduler and ``workers`` worker processes, or None without Dask."""
    dask = Path(PYTHON).parent / "dask"
    if not dask.exists():
        return None
    from distributed import Client

    from kg.serve import find_free_port

    address = f"tcp://127.0.0.1:{find_free_port()}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port",
                                  address.rsplit(":", 1)[1], "--no-dashboard"], **quiet)
    worker = subprocess.Popen([str(dask), "worker", address, "--nworkers", str(workers),
                               "--nthreads", "1", "--no-dashboard"], **quiet)
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        return measure([*KG, "build", str(corpus), "-o", str(out), "--no-html", "-q",
                        "--dask", address])
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            proc.wait()


def virtuoso_times(store: Path, folder: Path) -> tuple[float, int, dict[str, float]] | None:
    """(push seconds, triples, query name -> seconds) for a store pushed into a
    fresh Virtuoso, or None without Virtuoso."""
    import os

    from virtuoso import (
        GRAPH_STORE_PATH,
        PASSWORD,
        SPARQL_PATH,
        USER,
        VirtuosoMissing,
        running_virtuoso,
    )

    from kg.query import run_endpoint_query, shipped_queries

    os.environ["KG_ENDPOINT_PASSWORD"] = PASSWORD
    try:
        with running_virtuoso(folder, memory_mb=1000) as base:
            push_s, _ = measure([*KG, "push", str(store), "--endpoint", base + GRAPH_STORE_PATH,
                                 "--user", USER, "--auth", "digest", "-q"])
            count = run_endpoint_query(base + SPARQL_PATH, "SELECT (COUNT(*) AS ?n) WHERE { "
                                       "GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "
                                       "'https://w3id.org/kgnews/')) }")
            times = {}
            for q in shipped_queries():
                if q.needs:  # a parameter (``entity``)
                    continue
                t = time.perf_counter()
                run_endpoint_query(base + SPARQL_PATH, q.path.read_text(encoding="utf-8"))
                times[q.name] = time.perf_counter() - t
    except VirtuosoMissing:
        return None
    return push_s, int(count.rows[0][0]), times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000",
                    help="comma-separated corpus sizes (default: 100,1000,10000)")
    ap.add_argument("--jobs", type=int, default=2, help="processes for the parallel build")
    ap.add_argument("--jobs1-max", type=int, default=1000,
                    help="skip the one-process build above this size (it takes longest)")
    ap.add_argument("--page-size", type=int, default=1000,
                    help="time the graph page of the build of this size (if in --sizes)")
    ap.add_argument("--cluster-size", type=int, default=1000,
                    help="time the Dask build, the push into Virtuoso and queries there for "
                         "this size (if in --sizes; 0: skip)")
    ap.add_argument("--query-triples", type=int, default=1_000_000,
                    help="also time the queries on a graph of about this many triples, built "
                         "from the first articles of the largest corpus (0: skip)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    if not compileall.compile_dir(ROOT / "kg", quiet=1):  # see the module's docstring
        print("kg's modules did not all compile: its processes compile them as they "
              "start, in the times below", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        _warm_cache(Path(tmp))
        last_graph = last_store = None
        for n in sizes:
            corpus = Path(tmp) / f"corpus-{n}"
            write_corpus(n, corpus)
            outj = Path(tmp) / f"outj-{n}"
            row = _parse_and_build_figures(n, corpus, Path(tmp) / f"out1-{n}", outj,
                                           args.jobs, with_jobs1=n <= args.jobs1_max)
            store = Path(tmp) / f"store-{n}"
            row["store_s"], row["store_mb"] = measure(
                [*KG, "build", str(corpus), "--store", str(store), "-q", "--jobs", str(args.jobs)])
            _time_adds(row, n, store, Path(tmp), args.jobs)
            rows.append(row)
            last_graph, last_store = outj / "graph.ttl", store
            _print(rows, args.jobs)
            if n == args.page_size:
                render, drawn, ready = page_times(last_graph, Path(tmp) / "page.html")
                shown = f"ready in headless Chromium in {ready:.1f} s" if ready is not None \
                    else "not opened (no Playwright or Chromium)"
                print(f"\ngraph page of the {n}-article graph ({drawn}): kg viz "
                      f"{render:.1f} s, {shown}", flush=True)
            if n == args.cluster_size:
                _print_cluster(row, corpus, store, Path(tmp), args.jobs)
        if last_graph is not None:
            load, triples, times = query_times(last_graph)
            _print_query_times(f"queries on the {sizes[-1]}-article graph ({triples} triples) "
                               f"in Oxigraph: load {load:.1f} s", times)
            if args.query_triples and triples > 1.1 * args.query_triples:
                _print_queries_at(args.query_triples, sizes[-1], triples, Path(tmp), args.jobs)
        if last_store is not None:
            _print_query_times(f"the same queries on the {sizes[-1]}-article store (on disk, "
                               "as kg serve reads it)", store_query_times(last_store))


def _warm_cache(tmp: Path) -> None:
    """Keep the tables kg derives and caches (``kg.user_cache``: the first
    names, the code's digests) in a folder of this run's, made before
    anything is timed: kept from an older kg, or missing, they would be made
    by the first timed command alone, a few tenths of a second."""
    os.environ["KG_CACHE_DIR"] = str(tmp / "user-cache")
    corpus = tmp / "warm-up"
    write_corpus(1, corpus)
    timed([*KG, "build", str(corpus), "-o", str(tmp / "warm-up-out"), "--no-html", "-q"])
    shutil.rmtree(corpus)
    shutil.rmtree(tmp / "warm-up-out")


def _parse_and_build_figures(n: int, corpus: Path, out1: Path, outj: Path, jobs: int,
                             with_jobs1: bool) -> dict:
    """The row's times and peaks of raw spaCy (and, ``with_jobs1``, of raw
    spaCy multiplying as kg does and of ``kg build --no-html --jobs 1``) and
    of ``kg build --no-html --jobs J``: timed in turn in runs nothing reads
    (``timed_in_turn``), then each run once more with its memory read
    (``measure``), a build writing beside its folder (what it wrote goes)."""
    def build(folder: Path, processes: int) -> list[str]:
        return [*KG, "build", str(corpus), "-o", str(folder), "--no-html", "-q",
                "--jobs", str(processes)]

    raw = [PYTHON, "-c", RAW_PARSE, str(corpus)]
    runs: dict[str, tuple[list[str], Path | None]] = {"raw_s": (raw, None)}
    if with_jobs1:
        runs["raw_numpy_s"] = ([*raw, "numpy"], None)
        runs["kg1_s"] = (build(out1, 1), out1)
    runs["kgj_s"] = (build(outj, jobs), outj)
    row: dict = {"n": n, **dict(zip(runs, timed_in_turn(list(runs.values())), strict=True))}
    _, row["raw_mb"] = measure(raw, every=PSS_SOON_EVERY)
    for key, folder, processes in (("kg1_mb", out1, 1), ("kgj_mb", outj, jobs)):
        if key == "kg1_mb" and not with_jobs1:
            continue
        again = folder.with_name(folder.name + "-again")
        try:
            _, row[key] = measure(build(again, processes), every=PSS_SOON_EVERY)
        finally:
            shutil.rmtree(again, ignore_errors=True)
    return row


def _print_queries_at(target: int, n: int, triples: int, tmp: Path, jobs: int) -> None:
    """Build the first articles of the ``n``-article corpus that make about
    ``target`` triples (its ``triples`` scaled down: the synthetic articles
    are alike) and print the query times on that graph."""
    first = round(n * target / triples)
    corpus = tmp / f"corpus-first-{first}"
    corpus.mkdir()
    for path in sorted((tmp / f"corpus-{n}").iterdir())[:first]:
        (corpus / path.name).symlink_to(path)
    out = tmp / f"out-first-{first}"
    subprocess.run([*KG, "build", str(corpus), "-o", str(out), "--no-html", "-q",
                    "--jobs", str(jobs)], cwd=ROOT, check=True, capture_output=True)
    load, got, times = query_times(out / "graph.ttl")
    _print_query_times(f"queries at the goals' size: the first {first} of the {n} articles "
                       f"({got} triples) in Oxigraph: load {load:.1f} s", times)


def _time_adds(row: dict, n: int, store: Path, tmp: Path, jobs: int) -> None:
    """Add ``ADDS`` articles of new names and as many about the corpus's own
    people and works (its world: the seed ``write_corpus`` uses, so they reach
    its entities and the components of coupled nominees they are in) to the
    store, one at a time, the two kinds in turn; put in ``row`` the median
    time of each kind and the largest peak memory. One add takes seconds, and
    this shared machine's speed moves by a quarter between minutes: a median
    of three says what an add takes, where one says what the minute was."""
    times: dict[str, list[float]] = {"add": [], "known": []}
    peaks: dict[str, list[float]] = {"add": [], "known": []}
    for k in range(ADDS):
        for kind, world_seed, text_seed in (("add", 99 + 2 * k, 99 + 2 * k),
                                            ("known", 7, 98 - 2 * k)):
            folder = tmp / f"{kind}-{n}-{k}"
            folder.mkdir()
            text = article(World(n, random.Random(world_seed)), random.Random(text_seed))
            (folder / f"one-more-{kind}-{k}.txt").write_text(text, encoding="utf-8")
            secs, peak = measure([*KG, "build", str(folder), "--store", str(store), "-q",
                                  "--jobs", str(jobs)])
            times[kind].append(secs)
            peaks[kind].append(peak)
    for kind in times:
        row[f"{kind}_s"], row[f"{kind}_runs"] = statistics.median(times[kind]), times[kind]
        row[f"{kind}_mb"] = max(peaks[kind])


def _print_cluster(row: dict, corpus: Path, store: Path, tmp: Path, jobs: int) -> None:
    n = row["n"]
    timed = cluster_time(corpus, tmp / f"outdask-{n}", jobs)
    if timed is None:
        print("\nkg build --dask: not measured (no Dask here: pip install 'kg[dask]')")
    else:
        print(f"\nkg build --dask, {n} articles, {jobs} single-threaded workers on this "
              f"machine: {timed[0]:.0f} s, {_rate(row, timed[0])} (local --jobs {jobs}: "
              f"{_rate(row, row['kgj_s'])}); client peak {timed[1]:.0f} MB", flush=True)
    pushed = virtuoso_times(store, tmp / "virtuoso")
    if pushed is None:
        print("kg push: not measured (no virtuoso-t here)")
        return
    push_s, triples, times = pushed
    print(f"kg push of the {n}-article store into Virtuoso: {triples} triples in {push_s:.1f} s "
          f"({triples / push_s:,.0f} triples/s); queries there: slowest "
          f"{max(times.values()):.2f} s ({max(times, key=times.get)}), all {len(times)} in "
          f"{sum(times.values()):.2f} s", flush=True)
    for name, secs in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f"  {name:24} {secs:6.2f} s")


def _rate(row: dict, secs: float) -> str:
    """Articles per second, and throughput as a multiple of raw spaCy's."""
    return f"{row['n'] / secs:5.1f}/s {row['raw_s'] / secs:4.2f}x"


def _print(rows: list[dict], jobs: int) -> None:
    print(f"\n{'articles':>8} {'raw spaCy':>14} {'kg --jobs 1':>20} {f'kg --jobs {jobs}':>20} "
          f"{'peak MB raw/j1/j' + str(jobs):>18} {'store build':>12} {'add 1':>7} "
          f"{'add 1 known':>11} {'peak MB store/add/known':>24}")
    for r in rows:
        n = r["n"]
        kg1 = f"{r['kg1_s']:6.0f} s {_rate(r, r['kg1_s'])}" if "kg1_s" in r else "-"
        kg1_mb = f"{r['kg1_mb']:.0f}" if "kg1_mb" in r else "-"  # skipped: no figure
        mem = f"{r['raw_mb']:.0f}/{kg1_mb}/{r['kgj_mb']:.0f}"
        print(f"{n:>8} {r['raw_s']:6.0f} s {n / r['raw_s']:5.1f}/s {kg1:>20} "
              f"{r['kgj_s']:6.0f} s {_rate(r, r['kgj_s']):>12} {mem:>18} {r['store_s']:10.0f} s "
              f"{r['add_s']:5.1f} s {r['known_s']:9.1f} s "
              f"{r['store_mb']:13.0f}/{r['add_mb']:.0f}/{r['known_mb']:.0f}", flush=True)
    for r in rows:
        if "raw_numpy_s" in r:
            kg1 = f"--jobs 1 {r['raw_numpy_s'] / r['kg1_s']:.2f}x, " if "kg1_s" in r else ""
            print(f"{r['n']:>8} raw spaCy multiplying as kg does (kg.matmul): "
                  f"{r['raw_numpy_s']:.0f} s; kg against it: {kg1}"
                  f"--jobs {jobs} {r['raw_numpy_s'] / r['kgj_s']:.2f}x", flush=True)
    print(f"(raw spaCy and builds under {SHORT_RUN_S:.0f} s: the median of {SHORT_RUNS} runs "
          f"in turn; add 1, "
          f"add 1 known: the median of {ADDS} adds of each kind, in turn; their peak MB: the "
          "largest)", flush=True)
    for r in rows:
        print(f"{r['n']:>8} adds: " + "; ".join(
            f"{kind} " + ", ".join(f"{secs:.1f}" for secs in r[f"{kind}_runs"]) + " s"
            for kind in ("add", "known")), flush=True)


if __name__ == "__main__":
    main()
