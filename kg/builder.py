"""The whole pipeline, from files to a graph database.

A build parses and extracts the articles (``kg.passes``), resolves the facts
across them (``kg.resolve``) and streams the RDF quads (``kg.rdf``) into an
Oxigraph database in a temporary folder, from which the outputs are written
(``kg.exports``); or, when asked, writes them as Turtle as they come, on the
way into the database or instead of it. The graph is never held in memory as
a whole, so memory does not grow with it; ``BuildResult.graph`` gives an
rdflib graph on request.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph
from rdflib import Graph

from kg.articles import Article, ArticleError, load_articles
from kg.atomic import open_atomic
from kg.dataset import fill, loading, open_database, to_rdflib
from kg.disk_room import warn_if_short_of_room
from kg.exports import write_turtle
from kg.extraction_process import ExtractionProcess, FiledFacts, extract_in_child, ready
from kg.gazetteer import preload
from kg.memory import collection_paused, give_back, trim_memory
from kg.rdf import corpus_quads
from kg.records import ArticleFacts
from kg.resolve import Corpus, resolve
from kg.triple_index import TripleIndex

if TYPE_CHECKING:
    from kg.passes import Runner

# a build's temporary database folder (inside ``workdir``) is named
# WORK_PREFIX + its process id + "-" + a random part
WORK_PREFIX = ".kg-graph-"
# facts filed in at most this many bytes are read once and held while they
# are resolved (``FiledFacts.held``); more are read as they are needed,
# twice, an article at a time, so that resolution never holds them all.
# Held, each article's facts are read once and nothing is copied to be kept:
# resolving the facts of 10,000 synthetic articles (35 MB filed), replayed
# on its own, took 5.7 s with the reading against 8.1 s, and its peak was
# 194 MB against 147 MB (3,000: 1.55 against 2.1 s, 96 against 86 MB). That
# peak comes after the extraction process has gone with its model and
# workers, whose own is larger (``--jobs 2``: 457 to 479 MB at 1,000 and at
# 10,000 articles; ``--jobs 1``: 340 MB); at this size, about 18,000
# synthetic articles, resolution's would be about 300 MB.
HELD_FACTS_BYTES = 64 << 20


@dataclass
class BuildResult:
    """What a build made: its graph database (None when it wrote only
    Turtle), the resolved corpus and the files that could not be read. Close
    it (or use ``with``) to remove a temporary database."""

    database: pyoxigraph.Store | None
    corpus: Corpus | None
    errors: list[ArticleError] = field(default_factory=list)
    articles: int = 0
    workdir: tempfile.TemporaryDirectory | None = None
    # the files the build wrote as it made the graph, if asked, by format
    # ("ttl", and "nt" or "nq"), and how many triples they hold
    streamed: dict[str, Path] = field(default_factory=dict)
    turtle_triples: int = 0

    @property
    def turtle(self) -> Path | None:
        return self.streamed.get("ttl")

    @cached_property
    def graph(self) -> Graph:
        """The whole graph as one rdflib graph (built on first use)."""
        if self.database is not None:
            return to_rdflib(self.database)
        return to_rdflib(self.turtle) if self.turtle is not None else Graph()

    def triple_index(self) -> TripleIndex:
        """The whole graph as a ``TripleIndex`` (what the HTML page is drawn
        from: made faster than ``graph``, and smaller)."""
        if self.database is not None:
            return TripleIndex.read(self.database)
        return TripleIndex.read(self.turtle) if self.turtle is not None else TripleIndex()

    @property
    def triples(self) -> int:
        return len(self.database) if self.database is not None else self.turtle_triples

    def close(self) -> None:
        self.database = None
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None

    def __enter__(self) -> BuildResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_stale_work(workdir: Path) -> list[Path]:
    """Remove the temporary databases of builds whose process is gone (killed
    before it could clean up); a running build's folder is left alone."""
    removed = []
    for folder in workdir.glob(WORK_PREFIX + "*"):
        pid = folder.name[len(WORK_PREFIX):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def build_corpus(articles: list[Article], model: str | None,
                 progress: Callable[[int, int, str], None] | None, errors: list[ArticleError],
                 jobs: int, doc_dir: Path | None = None, release_model: bool = False,
                 dask: str | None = None, scratch: Path | None = None,
                 extraction: ExtractionProcess | None = None,
                 paused: contextlib.ExitStack | None = None) -> Corpus:
    """Extract (keeping per-article files in ``doc_dir`` when given; on the
    Dask cluster at ``dask`` when given) and resolve; with ``release_model``,
    free the model in between (see ``build_graph``): a build that keeps no
    files extracts in a child process, so this one never loads the model, and
    ``articles`` is emptied once the child has them; the files that build
    keeps for a while (parsed Docs, facts, links) go in ``scratch`` (default:
    the system's temporary folder); ``extraction``: that child, started
    earlier (``ExtractionProcess.start``).

    With ``paused``, the cyclic garbage collector is paused from resolution
    on, until that stack is closed (a caller that drops the corpus first):
    resolving and writing the graph make the entities, facts and quads the
    process keeps, and the collector's scans of them, growing with the
    corpus, were over a quarter of those steps (replayed from the facts of
    10,000 synthetic articles: 15.9 to 18.0 s, 11.5 to 12.9 s paused). They
    make next to no cycles for it to free (in that build, twenty objects,
    found at the end)."""
    facts: Collection[ArticleFacts] | None = None
    if release_model and doc_dir is None and not dask:
        # this process then never loads spaCy (see kg.extraction_process)
        # what resolution reads first is read while the child parses
        facts = extract_in_child(articles, model, progress, errors, jobs, scratch,
                                 process=extraction, meanwhile=preload)
    if facts is None:
        from kg.passes import extract_corpus

        facts = extract_corpus(articles, model, progress=progress, errors=errors, jobs=jobs,
                               doc_dir=doc_dir, release_model=release_model,
                               runner=_dask_runner(dask, model) if dask else None)
    try:
        if progress:
            progress(len(facts), len(facts), "linking entities across articles")
        if paused is not None:
            paused.enter_context(collection_paused())
        # the facts go once their parts are made; a build that only writes files
        # keeps the per-article links in files until the graph is written
        read = facts.held() if isinstance(facts, FiledFacts) and \
            facts.filed_bytes() <= HELD_FACTS_BYTES else facts
        corpus = resolve(read, consume=True, spill=(scratch or True) if release_model else False)
        if isinstance(facts, FiledFacts):
            try:
                facts.finish()  # the child, gone by now: its failure, if any, fails the build
            except BaseException:
                if corpus.spilled is not None:
                    corpus.spilled.close()
                raise
        return corpus
    finally:
        if isinstance(facts, FiledFacts):
            facts.close()


def _dask_runner(address: str, model: str | None) -> Runner:
    try:
        from kg.cluster import DaskRunner  # only a cluster build needs Dask
    except ImportError as exc:
        raise RuntimeError(f"a build on a Dask cluster needs Dask's 'distributed' package "
                           f"(pip install 'kg[dask]'): {exc}") from None
    return DaskRunner(address, model)


def build_graph(paths: Iterable[Path | str], model: str | None = None,
                progress: Callable[[int, int, str], None] | None = None,
                jobs: int = 1, workdir: Path | None = None,
                lean: bool = False, dask: str | None = None,
                turtle: Path | None = None, lines: dict[str, Path] | None = None,
                database: bool = True, extraction: ExtractionProcess | None = None,
                say: Callable[[str], None] | None = None, last: bool = False) -> BuildResult:
    """Read, extract, resolve and convert; bad files are collected, not raised.
    ``jobs`` processes parse and extract, or the Dask cluster whose scheduler
    is at ``dask`` (see ``kg.cluster``); the graph is the same either way.
    The database goes to a temporary folder in ``workdir`` (default: the
    system's temporary folder), removed when the result is closed. With
    ``turtle``, the graph is also written there as Turtle (atomically) while
    the database is filled: a tenth of the cost of writing it from the
    database after (``kg.exports``), whose order the file does not follow.
    ``lines`` ("nt", "nq": a path each) are written with it, the same way.
    With ``turtle`` and not ``database``, no database is made (the result's
    ``graph`` reads the Turtle): for a caller that wants only those files,
    which then cost a fraction as much (loading the database costs as much as
    making the quads, and more with its flushes).

    ``lean`` is for a process that builds once and writes files (the command
    line): parsing and extraction run in a child process (``kg.extraction_process``;
    where it cannot fork, here, and the model is freed after), and the resolved
    corpus is freed once the database is filled (the result has no
    ``corpus``), their memory going back to the system, so the later steps do
    not add to the peak that parsing set; the cyclic collector is paused
    from resolution until the corpus is dropped (see ``build_corpus``). That
    child is started before the articles are listed, to load the model
    meanwhile, unless the caller started it sooner (``extraction``, which the
    caller closes; one closed meanwhile, see ``ExtractionProcess``, is
    replaced). ``say`` is told, once the articles are listed, when the folder
    the build files in looks short of room for them (``kg.disk_room``; not on
    a Dask cluster, whose workers file on their own machines). ``last``: the
    caller does nothing after but report and exit (no page to draw, no file
    to write from the database), so a lean build does not give its memory
    back either (a full collection and a trim: a hundredth of a second of a
    build of 100 articles)."""
    if (not database or lines) and turtle is None:
        raise ValueError("a build without a database, or writing N-Triples or N-Quads "
                         "as it goes, must write its Turtle")
    streamed = {"ttl": turtle, **(lines or {})} if turtle is not None else {}
    with contextlib.ExitStack() as started:
        if lean and not dask:
            extraction = ready(extraction, model, started)
        articles, errors = load_articles(paths)
        if not articles:
            return BuildResult(None, None, errors, 0)
        if workdir is not None:
            workdir.mkdir(parents=True, exist_ok=True)
            remove_stale_work(workdir)
        # before hours of work, rather than when the disk fills (a Dask build's
        # workers file on their own machines)
        if say is not None and not dask:
            warn_if_short_of_room(say, workdir or Path(tempfile.gettempdir()), articles)
        # the database, and a lean build's files between its steps: in the output's
        # folder (a /tmp in memory would hold them in memory), named so that the
        # next build removes them if this one is killed
        tmp = tempfile.TemporaryDirectory(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=workdir)
        try:
            corpus = build_corpus(articles, model, progress, errors, jobs, release_model=lean,
                                  dask=dask, scratch=Path(tmp.name), extraction=extraction,
                                  paused=started if lean else None)
            try:
                if lean:
                    # the extracted facts resolution no longer needs (next to
                    # nothing to collect: see ``paused``)
                    trim_memory()
                if progress:
                    progress(len(corpus.articles), len(corpus.articles), "writing the graph")
                store = open_database(Path(tmp.name) / "database") if database else None
                quads, triples = corpus_quads(corpus), 0
                if turtle is None:
                    fill(store, quads)
                else:
                    with contextlib.ExitStack() as files:
                        fh = {fmt: files.enter_context(open_atomic(path))
                              for fmt, path in streamed.items()}
                        triples = write_turtle(quads if store is None else loading(store, quads),
                                               fh.pop("ttl"), fh)
            finally:
                if corpus.spilled is not None:  # links kept in files (a lean build)
                    corpus.spilled.close()
        except BaseException:
            tmp.cleanup()
            raise
        count = len(corpus.articles)
        if lean:
            corpus = None
            if not last:
                give_back()
        return BuildResult(store, corpus, errors, count, tmp, streamed, triples)
