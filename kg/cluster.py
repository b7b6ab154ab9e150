"""Extraction on a Dask distributed cluster: ``kg build DIR --dask ADDRESS``.

The two passes of ``kg.passes`` become Dask tasks over batches of articles:

* **map, first pass**: a worker parses a batch and marks its titles. The parsed
  Docs (as bytes) stay on the worker, as the task's result; the client is sent
  only each article's titles and first-pass state, which it files in the
  build's folder as a local build would.
* **map, second pass**: once every title in the corpus is known (sent to each
  worker once), a worker reads a batch's Docs back and extracts their facts,
  small records that the client files.
* **reduce**: resolution and RDF run on the client, exactly as after a local
  build, so the graph is byte-identical to ``--jobs N``.

Each worker loads the model once (a worker plugin does it when the worker
starts, and ``kg.nlp.load_pipeline`` keeps it), not once per task. An article
whose extraction fails is reported by name like any bad file. A worker that is
lost takes its tasks and the Docs it held with it; the scheduler runs them
again elsewhere, from the articles, so the build still finishes (after three
losses of the same task, Dask gives up and the build fails with its message).

Workers need kg, its model and its dependencies installed, the same versions
as the client; they need no access to the client's files (articles travel in
the tasks). The parsed Docs wait in the cluster's memory between the passes
(Dask spills them to the workers' disks when memory runs short) and are
released batch by batch as their facts arrive.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from kg.articles import Article, ArticleError
from kg.extract.known_works import KnownWorks
from kg.passes import (
    Job,
    Progress,
    doc_bytes,
    doc_from_bytes,
    extract_facts,
    failure,
    job_with_text,
    mark_titles,
    save_facts,
    save_first_pass,
)
from kg.pipeline import FirstPassState, nlp_text

# articles per task: enough to batch the model's work and keep the number of
# tasks (each costs the scheduler about a millisecond) well below the number
# of articles; few enough that a lost worker costs little to redo
DASK_BATCH = 16

# how long to wait for the scheduler to answer before giving up
CONNECT_TIMEOUT_S = 30


class ClusterError(Exception):
    """The cluster cannot be reached, or a task failed for a reason that is
    not one article's (a worker without kg's model, say)."""


@dataclass(frozen=True)
class _Parsed:
    """One article after the first pass, as a task keeps it on its worker."""

    doc: bytes
    titles: list[str]
    state: FirstPassState


@dataclass(frozen=True)
class _Known:
    """Every title in the corpus (sent to each worker once), with a key under
    which a worker keeps the matcher built from them."""

    key: str
    titles: list[tuple[str, str]] = field(hash=False)


_known_cache: dict[str, KnownWorks] = {}


def _pipeline(model: str | None) -> Any:
    from kg.nlp import load_pipeline

    return load_pipeline(model)


def _parse_batch(articles: list[Article], model: str | None) -> list[_Parsed | ArticleError]:
    """Task: parse a batch and run the first pass (the result stays on the worker)."""
    from kg.nlp import parse

    docs = parse(_pipeline(model), [nlp_text(a.body) for a in articles])
    out: list[_Parsed | ArticleError] = []
    for article, doc in zip(articles, docs, strict=True):
        try:
            titles, state = mark_titles(article, doc)
            out.append(_Parsed(doc_bytes(doc), titles, state))
        except Exception as exc:  # noqa: BLE001 - one odd article must not cost the batch
            out.append(failure(article, exc))
    return out


def _first_results(parsed: list[_Parsed | ArticleError]
                   ) -> list[tuple[list[str], FirstPassState] | ArticleError]:
    """Task: what the client needs of a parsed batch (not the Docs)."""
    return [p if isinstance(p, ArticleError) else (p.titles, p.state) for p in parsed]


def _extract_batch(parsed: list[_Parsed | ArticleError] | None, positions: list[int],
                   articles: list[Article], states: list[FirstPassState | None],
                   known: _Known, model: str | None) -> list[Any]:
    """Task: the second pass over a batch. ``parsed`` is the first pass's
    result for these articles (at ``positions``), or None when the first pass
    ran in an earlier build: the articles are then parsed here."""
    nlp = _pipeline(model)
    works = _known_cache.get(known.key)
    if works is None:
        _known_cache.clear()  # one build's titles at a time
        works = _known_cache[known.key] = KnownWorks(dict(known.titles))
    if parsed is None:
        from kg.nlp import parse

        fresh = [doc_bytes(d) for d in parse(nlp, [nlp_text(a.body) for a in articles])]
        items: list[_Parsed | ArticleError | bytes] = list(fresh)
    else:
        items = [parsed[i] for i in positions]
    out: list[Any] = []
    for article, item, state in zip(articles, items, states, strict=True):
        if isinstance(item, ArticleError):
            out.append(item)
            continue
        data, kept = (item.doc, item.state) if isinstance(item, _Parsed) else (item, state)
        try:
            out.append(extract_facts(article, doc_from_bytes(nlp, data), kept, works))
        except Exception as exc:  # noqa: BLE001
            out.append(failure(article, exc))
    return out


class _LoadModel(WorkerPlugin):
    """Worker plugin: load the model when a worker starts (or restarts), so
    the first task does not pay for it and a worker without the model says so
    in its log at once."""

    name = "kg-load-model"

    def __init__(self, model: str | None) -> None:
        self.model = model

    def setup(self, worker: Any) -> None:
        _pipeline(self.model)


class DaskRunner:
    """``kg.passes.Runner`` on a Dask cluster (see the module docstring)."""

    def __init__(self, address: str, model: str | None, batch: int | None = None) -> None:
        from distributed import Client

        self.model = model
        self.batch = batch or DASK_BATCH
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
        self.client.register_plugin(_LoadModel(model), name=_LoadModel.name)
        # job index -> (its batch's first-pass future, its position in the batch)
        self._parsed: dict[int, tuple[Any, int]] = {}

    def _batches(self, jobs: Sequence[Job]) -> list[list[Job]]:
        return [list(jobs[i : i + self.batch]) for i in range(0, len(jobs), self.batch)]

    def _each(self, futures: dict[Any, list[Job]], total: int, phase: str,
              progress: Progress | None) -> Iterator[tuple[Job, Any]]:
        """Each article's result, batch by batch as they arrive, reported."""
        from distributed import as_completed

        done = 0
        arriving = as_completed(list(futures), with_results=True, loop=self.client.loop)
        while True:
            try:
                future, results = next(arriving)
            except StopIteration:
                return
            except Exception as exc:  # the task's own error, or Dask's (KilledWorker ...)
                raise ClusterError(f"a task failed on the Dask cluster: "
                                   f"{type(exc).__name__}: {exc}") from None
            for job, result in zip(futures[future], results, strict=True):
                done += 1
                if progress:
                    progress(done, total, f"{phase} {job.article.id}")
                yield job, result

    def first(self, jobs: list[Job], progress: Progress | None
              ) -> Iterator[tuple[int, list[str] | ArticleError]]:
        submitted: dict[Any, list[Job]] = {}
        unreadable: list[tuple[int, ArticleError]] = []
        for batch in self._batches(jobs):
            batch, articles = _with_texts(batch, unreadable)
            if not batch:
                continue
            parsed = self.client.submit(_parse_batch, articles, self.model, pure=False)
            for position, job in enumerate(batch):
                self._parsed[job.index] = (parsed, position)
            submitted[self.client.submit(_first_results, parsed, pure=False)] = batch
        yield from unreadable
        for job, result in self._each(submitted, len(jobs) - len(unreadable), "parsing",
                                      progress):
            if isinstance(result, ArticleError):
                yield job.index, result
            else:
                if not job.scratch:  # a plain build's second pass takes the live parse
                    save_first_pass(job, *result)
                yield job.index, result[0]

    def second(self, jobs: list[Job], known_path: Path, progress: Progress | None
               ) -> Iterator[tuple[int, ArticleError | bytes | None]]:
        data = known_path.read_bytes()
        titles = [(fold, title) for fold, title in json.loads(data)]
        known = self.client.scatter(_Known(hashlib.sha256(data).hexdigest(), titles),
                                    broadcast=True)
        submitted: dict[Any, list[Job]] = {}
        unreadable: list[tuple[int, ArticleError]] = []
        by_parse: dict[str, tuple[Any, list[Job]]] = {}
        unparsed = []
        for job in jobs:
            kept = self._parsed.get(job.index)
            if kept is None:
                unparsed.append(job)
            else:
                by_parse.setdefault(kept[0].key, (kept[0], []))[1].append(job)
        for parsed, members in by_parse.values():
            members, articles = _with_texts(members, unreadable)
            if members:
                positions = [self._parsed[j.index][1] for j in members]
                submitted[self.client.submit(
                    _extract_batch, parsed, positions, articles,
                    [None] * len(members), known, self.model, pure=False)] = members
        for batch in self._batches(unparsed):
            batch, articles = _with_texts(batch, unreadable)
            if batch:
                submitted[self.client.submit(
                    _extract_batch, None, [], articles,
                    [_kept_state(j) for j in batch], known, self.model, pure=False)] = batch
        self._parsed.clear()  # the Docs are released as soon as their facts are in
        yield from unreadable
        for job, result in self._each(submitted, len(jobs) - len(unreadable), "extracting",
                                      progress):
            if isinstance(result, ArticleError):
                yield job.index, result
            elif job.scratch:  # a plain build's: logged by ``file_facts`` (``kg.facts_log``)
                yield job.index, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            else:
                save_facts(job, result)
                yield job.index, None

    def close(self) -> None:
        self._parsed.clear()
        with contextlib.suppress(Exception):  # the cluster may be gone already
            self.client.unregister_worker_plugin(_LoadModel.name)
        self.client.close()


def _with_texts(jobs: list[Job], unreadable: list[tuple[int, ArticleError]]
                ) -> tuple[list[Job], list[Article]]:
    """The jobs whose articles' texts can be read, and those articles with
    their texts in memory, to travel with a task (a worker machine need not
    see the articles' files, ``ListedArticle``); the others go to
    ``unreadable``, with why. Read a batch at a time, so that the texts are
    not all in memory at once."""
    ready, articles = [], []
    for job in jobs:
        read = job_with_text(job)
        if isinstance(read, ArticleError):
            unreadable.append((job.index, read))
        else:
            ready.append(job)
            articles.append(read.article)
    return ready, articles


def _kept_state(job: Job) -> FirstPassState | None:
    """The first-pass state an earlier build filed for this article, if readable."""
    try:
        kept = pickle.loads(job.first_path.read_bytes())
    except Exception:  # noqa: BLE001 - damaged or missing: the first pass runs again
        return None
    return kept[1] if isinstance(kept, tuple) else None


__all__ = ["DASK_BATCH", "ClusterError", "DaskRunner"]
