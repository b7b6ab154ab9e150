"""A build's parsing and extraction in a child process of its own.

Loading spaCy and the model costs a process about 200 MB that it never gets
back in full: freeing the model leaves its memory in pieces, and spaCy's
modules stay. A build's later steps (reading every article's facts, resolving
them, filling the database) are its largest, and they need no spaCy. So a
command-line build forks a child that loads the model, runs the two passes
(with its own workers) and files each article's facts; the building process
never imports spaCy, and reads the facts once the child is gone, with all of
the child's memory. The child's progress and errors come back through a pipe.

Where processes cannot be forked (or the passes run on a Dask cluster) the
build extracts in its own process instead (``extract_in_child`` returns None).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import tempfile
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from kg.articles import Article, ArticleError
from kg.memory import frozen_objects, trim_memory
from kg.records import ArticleFacts, read_facts_files

Progress = Callable[[int, int, str], None]


class ExtractionProcessError(RuntimeError):
    """The child process ended without a result (killed, or out of memory)."""


def extract_in_child(articles: list[Article], model: str | None,
                     progress: Progress | None, errors: list[ArticleError],
                     jobs: int) -> list[ArticleFacts] | None:
    """Facts of every article, in article order, as ``kg.passes.extract_corpus``
    gives them, extracted in a forked child (None, and nothing done, where
    processes cannot be forked). ``articles`` is emptied once the child has
    them: their texts then live in the child alone, not twice."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    if not articles:
        return []
    paths = [a.path for a in articles]
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="kg-facts-") as folder:
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(send, articles, model, jobs, Path(folder)),
                                name="kg-extraction")
        with frozen_objects():  # the child inherits them frozen
            child.start()
        articles.clear()
        trim_memory()  # the texts' memory here: the child has its own copy of what it uses
        send.close()  # the child holds the only sending end: its exit ends the stream
        try:
            filed, failures = _follow(receive, progress)
        finally:
            receive.close()
            child.join()
        if filed is None:
            raise ExtractionProcessError(
                f"the extraction process ended without a result (exit code {child.exitcode})")
        errors.extend(failures)
        facts, damaged = read_facts_files([(index, path) for index, *_, path in filed.jobs])
    errors.extend(ArticleError(paths[index], "its extracted facts could not be read back "
                               "(a full disk?); the article was left out")
                  for index in sorted(damaged))
    return [facts[i] for i in sorted(facts)]


def _follow(receive: Connection, progress: Progress | None) -> tuple[object, list]:
    """Pass the child's progress on until it sends its result or goes; raise
    what it raised."""
    while True:
        try:
            message = receive.recv()
        except EOFError:
            return None, []
        kind, *rest = message
        if kind == "progress":
            if progress is not None:
                progress(*rest)
        elif kind == "error":
            raise rest[0]
        else:
            return rest[0], rest[1]


def _child(send: Connection, articles: list[Article], model: str | None, jobs: int,
           folder: Path) -> None:
    from kg.passes import file_facts

    def progress(done: int, total: int, what: str) -> None:
        send.send(("progress", done, total, what))

    try:
        failures: list[ArticleError] = []
        filed = file_facts(articles, model, progress, failures, jobs, None, folder)
        send.send(("done", filed, failures))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        try:
            send.send(("error", exc))
        except Exception:  # noqa: BLE001 - not picklable, or the parent is gone
            with contextlib.suppress(Exception):  # the parent is gone: nothing to tell
                send.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()
