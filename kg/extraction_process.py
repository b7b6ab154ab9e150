"""A build's parsing and extraction in a child process of its own.

Loading spaCy and the model costs a process about 200 MB that it never gets
back in full: freeing the model leaves its memory in pieces, and spaCy's
modules stay. A build's later steps (reading every article's facts, resolving
them, filling the database) are its largest, and they need no spaCy. So a
command-line build forks a child that loads the model, runs the two passes
(with its own workers) and files each article's facts (in a store's files,
else in one log, ``kg.facts_log``); the building process never imports
spaCy, and reads the facts from there an article at a time (``FiledFacts``)
while the child, its work done, goes with all of its memory (within a third
of a second: what the update of a store adds to an add's peak was 5 MB at
10,000 articles).
The child is forked first (``ExtractionProcess``), before the articles are
listed, so that importing spaCy and loading the model (two seconds or more)
run beside the listing; the articles are sent to it once listed, and it takes
them at once, while it loads, so that the building process is free to read
ahead what it needs next. Its progress and errors come back through a pipe.
It sends the facts' places as soon as the facts are filed, and only then
writes what a store keeps for its next build (``kg.passes.file_facts``). An
update of a store links the facts meanwhile and waits for the child
(``FiledFacts.finish``) only before it writes its database; a full rebuild
waits before it resolves, because the two together were its peak.

Where processes cannot be forked (or the passes run on a Dask cluster) the
build extracts in its own process instead (``extract_in_child`` returns None).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from kg.articles import Article, ArticleError, dumps_listed
from kg.facts_log import file_of, filed_size
from kg.memory import collection_paused, frozen_objects, imports_frozen, trim_memory
from kg.records import ArticleFacts, Filed, SharedReader, read_facts_file
from kg.storearticles import PackedListing

Progress = Callable[[int, int, str], None]
# the name of the folder a child files in starts with this (a store removes
# any left by a killed build)
FACTS_PREFIX = "kg-facts-"


class ExtractionProcessError(RuntimeError):
    """The child process ended without a result (killed, or out of memory)."""


class ExtractionProcess:
    """A forked child that starts loading spaCy and the model at once, while
    this process lists the articles (and a store's), then parses and extracts
    the articles it is sent, once (``extract``). Importing spaCy and loading
    the model take two seconds or more, most of a small build or of an add
    to a store; started first, they run beside the listing on another core.
    ``close`` ends a child that was never sent its articles (a build that
    must wait for another's lock closes it meanwhile, rather than hold a
    loaded model while it waits; ``available`` then says to start another).
    The child loads the model it was started with, whatever model a caller
    that passes it on names."""

    def __init__(self, model: str | None) -> None:
        context = multiprocessing.get_context("fork")
        job_end, self._jobs = context.Pipe(duplex=False)  # (reading end, sending end)
        self._results, result_end = context.Pipe(duplex=False)
        try:
            self._child = context.Process(
                target=_child, args=(job_end, result_end, self._jobs, self._results, model),
                name="kg-extraction")
            with frozen_objects():  # the child inherits them frozen
                self._child.start()
        except BaseException:
            for end in (job_end, self._jobs, self._results, result_end):
                end.close()
            raise
        finally:
            job_end.close()  # the child holds the only ends it reads and sends with
            result_end.close()
        self._used = False

    @classmethod
    def start(cls, model: str | None) -> ExtractionProcess | None:
        """The child, started; None where processes cannot be forked."""
        if "fork" not in multiprocessing.get_all_start_methods():
            return None
        return cls(model)

    @property
    def available(self) -> bool:
        """Whether it is still waiting for its articles (not sent them, not closed)."""
        return not self._used

    def extract(self, articles: list[Article], progress: Progress | None,
                errors: list[ArticleError], jobs: int, parent: Path | None = None,
                doc_dir: Path | None = None, kept: dict[str, str] | None = None,
                damaged: list[int] | None = None,
                meanwhile: Callable[[], object] | None = None) -> FiledFacts:
        """See ``extract_in_child``; ``meanwhile`` is called once the child has
        the articles, while it parses them."""
        if self._used:
            raise RuntimeError("an extraction process extracts one batch of articles")
        try:
            with collection_paused():  # a row per article, a store's included
                known = [(a.id, _path_of(a)) for a in articles]  # by position: ids may repeat
            folder = tempfile.TemporaryDirectory(prefix=FACTS_PREFIX, dir=parent)
        except BaseException:
            self.close()
            raise
        self._used = True
        try:
            try:
                with collection_paused():
                    self._jobs.send_bytes(dumps_listed(
                        (PackedListing(articles), jobs, Path(folder.name), doc_dir,
                         kept is not None)))
            except BrokenPipeError:  # the child is gone: what it said, or its exit code
                pass
            finally:
                self._jobs.close()  # the child sees the end of its input either way
            articles.clear()
            trim_memory()  # the listing's memory here: the child has its own copy
            if meanwhile is not None:
                meanwhile()
            result = _follow(self._results, progress)
            if result is None:
                raise ExtractionProcessError(
                    f"the extraction process ended without a result "
                    f"(exit code {self._end()})")
            with collection_paused():  # a row per stored article, made at once
                return self._filed(result, known, folder, errors, kept, damaged)
        except BaseException:
            self._end()
            folder.cleanup()
            raise

    def _filed(self, result: tuple, known: list[tuple[str, Path | str]],
               folder: tempfile.TemporaryDirectory, errors: list[ArticleError],
               kept: dict[str, str] | None, damaged: list[int] | None) -> FiledFacts:
        """The child's "filed" (``_child``) as this process reads the facts."""
        done, failures, paths, found_damaged = result
        errors.extend(failures)
        if kept is not None:  # the facts are where ``kept`` says (``_child``)
            kept.update(paths)
            done = [(index, kept[known[index][0]]) for index in done]
        if damaged is not None:
            damaged.extend(found_damaged)
        files = sorted((*known[index], index, path) for index, path in done)
        _keep_only(Path(folder.name), {file_of(path) for *_, path in files})
        return FiledFacts(folder, [(index, article, path)
                                   for _, article, index, path in files], errors,
                          self._finish)

    def _finish(self) -> None:
        """Wait for the child to end, once it has filed the facts: it still
        writes what a store keeps for its next build (``kg.passes.file_facts``);
        raise what it raised, or that it ended without finishing."""
        try:
            result = _follow(self._results, None)
        finally:
            code = self._end()
        if result is None:
            raise ExtractionProcessError(
                f"the extraction process ended before it finished keeping its files "
                f"(exit code {code})")

    def _end(self) -> int | None:
        """Wait for the child to go; its exit code."""
        self._results.close()
        self._child.join()
        return self._child.exitcode

    def close(self) -> None:
        """End the child if it was never sent its articles (a build that found
        none, failed before, or waits for another build); nothing once it has
        extracted them."""
        if not self._used:
            self._used = True
            self._jobs.close()
            self._results.close()
            self._child.terminate()
            self._child.join()

    def __enter__(self) -> ExtractionProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ready(given: ExtractionProcess | None, model: str | None,
          stack: contextlib.ExitStack) -> ExtractionProcess | None:
    """``given`` if it still waits for its articles, else one started now and
    closed with ``stack`` (None where processes cannot be forked)."""
    if given is not None and given.available:
        return given
    process = ExtractionProcess.start(model)
    if process is not None:
        stack.callback(process.close)
    return process


def lock_waiter(process: ExtractionProcess | None,
                say: Callable[[str], None] | None) -> Callable[[str], None]:
    """What a build tells ``folder_lock`` to say when it must wait for
    another build: ``process`` is ended meanwhile, so that no loaded model is
    held while the other build runs (``ready`` starts another after)."""
    def waiting(message: str) -> None:
        if process is not None:
            process.close()
        if say is not None:
            say(message)
    return waiting


def extract_in_child(articles: list[Article], model: str | None,
                     progress: Progress | None, errors: list[ArticleError],
                     jobs: int, parent: Path | None = None, doc_dir: Path | None = None,
                     kept: dict[str, str] | None = None, damaged: list[int] | None = None,
                     process: ExtractionProcess | None = None,
                     meanwhile: Callable[[], object] | None = None
                     ) -> Collection[ArticleFacts] | None:
    """Facts of every article, as ``kg.passes.extract_corpus`` gives them but
    read from the files a forked child extracted them to, in a temporary
    folder in ``parent`` (see ``FiledFacts``; None, and nothing done, where
    processes cannot be forked). ``process`` is a child started earlier
    (``ExtractionProcess.start``, with the model it loads), else one is
    started now. ``articles`` is emptied once the child has them; then
    ``meanwhile`` is called (for what this process will need next: it runs
    while the child parses).

    With ``doc_dir`` and ``kept`` (a store's build: see ``extract_corpus``),
    the child files in ``doc_dir``, reuses what it keeps and removes what no
    longer serves (as ``kg.passes.prune`` does); only the articles extracted now are
    read back, and ``kept`` is given every article's facts file; ``damaged``
    is given the positions (among ``articles``) of the stored articles whose
    file the child found damaged when it read their text (see
    ``kg.storearticles``: the store then drops them from its index)."""
    if process is None:
        if "fork" not in multiprocessing.get_all_start_methods():
            return None
        if not articles:
            return []
        process = ExtractionProcess(model)
    if not articles:
        process.close()
        return []
    return process.extract(articles, progress, errors, jobs, parent, doc_dir, kept, damaged,
                           meanwhile)


def _path_of(article: Article) -> Path | str:
    """The article's path; a stored article's as the text it keeps, not made
    a ``Path`` (``kg.storearticles.StoredArticle``: making 100,000 of them
    took 1.2 s of an add into a store that large). A store's articles have
    distinct ids, so no two of these paths are ever compared in sorting."""
    text = getattr(article, "_path", None)
    return text if isinstance(text, str) else article.path


def _keep_only(folder: Path, keep: set[str]) -> None:
    """Remove the child's other files (parsed Docs above all, several times the
    size of the facts) before resolution reads the facts: all but the files
    ``keep`` names (the facts files, or the facts log)."""
    for path in folder.iterdir():
        if os.fspath(path) not in keep:
            path.unlink()


class FiledFacts:
    """The facts the extraction process filed, in article order (by id), read
    from their files each time they are iterated, an article at a time:
    resolution reads them twice and keeps a part of the first reading, never
    the whole of every article's facts (a build whose facts are small reads
    them once into a list instead: ``kg.builder.HELD_FACTS_BYTES``, and
    ``filed_bytes``). Each reading gives fresh objects: what
    resolution keeps, it shares itself (``kg.resolve.parts.keeping_owned``); a
    ``SharedReader`` over a whole reading would hold every sentence of the
    corpus until the reading ends (230 MB at 100,000 articles). An article whose facts
    cannot be read is left out and reported in ``errors``, in the order the
    articles were given, after the first reading; ``close`` removes the
    temporary folder (with the files, unless they were filed in a store's).

    The extraction process may still be writing what a store keeps for its
    next build while the facts are read: ``finish`` waits for it and raises
    if it failed (a store's update calls it before it writes its database,
    its full rebuild before it resolves, a plain build once the facts are
    resolved); ``close`` waits for it too, quietly."""

    def __init__(self, folder: tempfile.TemporaryDirectory,
                 files: list[tuple[int, Path | str, Path | str]],
                 errors: list[ArticleError], finish: Callable[[], None] | None = None) -> None:
        """``files``: (position among the articles given, article, the facts'
        place, ``kg.facts_log``).
        The paths are kept as strings: with two ``Path`` objects, a row cost
        1.1 KB (110 MB for a build of 100,000 articles, held through
        resolution); with strings, less than half. ``finish``: waits for the
        extraction process to end (see ``finish``)."""
        self._folder, self._errors, self._finish = folder, errors, finish
        self._files = [(position, str(article), str(path)) for position, article, path in files]
        self._unreadable: set[int] = set()
        self._read = False

    def __len__(self) -> int:
        return len(self._files) - len(self._unreadable)

    def __iter__(self) -> Iterator[ArticleFacts]:
        return self._reading(pickle.loads)

    def held(self) -> list[ArticleFacts]:
        """Every article's facts, read now into a list through one
        ``SharedReader`` (equal names and sentences one object), for a caller
        that holds them all anyway (``kg.builder.HELD_FACTS_BYTES``); a
        reading like any other, that reports what cannot be read."""
        return list(self._reading(SharedReader().loads))

    def _reading(self, loads: Callable[[bytes], object]) -> Iterator[ArticleFacts]:
        first = not self._read
        unreadable: list[tuple[int, Path]] = []
        for i, (position, article, path) in enumerate(self._files):
            if i in self._unreadable:
                continue
            found = read_facts_file(path, loads)
            if found is not None:
                yield found
            elif first:
                self._unreadable.add(i)
                unreadable.append((position, article))
            else:  # read before: its file changed under the build
                raise RuntimeError(f"{article}: its extracted facts could not be read "
                                   "a second time (their temporary file changed)")
        self._read = True
        self._errors.extend(ArticleError(article, "its extracted facts could not be read back "
                                                  "(a full disk?); the article was left out")
                            for _, article in sorted(unreadable))

    def filed_bytes(self) -> int:
        """The size of the facts as filed: held all at once (``held``), they
        take about 1.3 times this more than read an article at a time (35 MB
        filed, 47 MB more, at 10,000 synthetic articles;
        ``kg.builder.HELD_FACTS_BYTES``)."""
        return sum(filed_size(path) for _, _, path in self._files)

    def left_out(self) -> list[int]:
        """The positions (among the articles given) of those whose facts
        cannot be read, reported and left out: read now, once, if they were
        not yet (for a caller that must know which articles it has before it
        reads their facts, as a store does)."""
        if not self._read:
            for _ in self:
                pass
        return sorted(self._files[i][0] for i in self._unreadable)

    def finish(self) -> None:
        """Wait for the extraction process to finish; raise if it failed."""
        finish, self._finish = self._finish, None
        if finish is not None:
            finish()

    def close(self) -> None:
        """Wait for the extraction process (its failure is not raised: a
        caller that needs it to have succeeded calls ``finish`` first) and
        remove the temporary folder."""
        try:
            with contextlib.suppress(Exception):
                self.finish()
        finally:
            self._folder.cleanup()


def _receive(jobs: Connection, into: list[bytes | BaseException | None]) -> None:
    """The child's job, as sent (None: the parent went without sending one)."""
    try:
        into.append(jobs.recv_bytes())
    except EOFError:
        into.append(None)
    except BaseException as exc:  # noqa: BLE001 - raised by the child's main thread
        into.append(exc)
    finally:
        jobs.close()


def _follow(receive: Connection, progress: Progress | None) -> tuple:
    """Pass the child's progress on until it sends its next result (the
    message's fields past its kind) or goes (None); raise what it raised."""
    while True:
        try:
            data = receive.recv_bytes()
        except EOFError:
            return None
        # unpickled with the collector paused: a store's "filed" holds a name
        # for every stored article, and the collector's full scans of what
        # unpickling makes took most of the time (as for the listing the
        # child is sent, ``_child``)
        with collection_paused():
            message = pickle.loads(data)
        kind, *rest = message
        if kind == "progress":
            if progress is not None:
                progress(*rest)
        elif kind == "error":
            raise rest[0]
        else:
            return tuple(rest)


def _child(jobs: Connection, send: Connection, parent_jobs: Connection,
           parent_results: Connection, model: str | None) -> None:
    parent_jobs.close()  # the parent's ends: the child's reading ends when the parent goes
    parent_results.close()

    def progress(done: int, total: int, what: str) -> None:
        send.send(("progress", done, total, what))

    try:
        # the articles are taken as soon as the parent sends them, while the
        # model loads: the parent is then free to read ahead what it needs next
        # (``meanwhile``), where it used to wait in its sending until the model
        # was loaded (a second or more)
        received: list[bytes | BaseException | None] = []
        reader = threading.Thread(target=_receive, args=(jobs, received), daemon=True)
        reader.start()
        try:  # while the parent lists the articles
            from kg.spacy_import import import_spacy_without_cli

            with imports_frozen():  # a twentieth of a second sooner
                import_spacy_without_cli()  # its CLI: 0.2 s of every build and add
                from kg.passes import file_facts, load_pipeline
            load_pipeline(model)
            loading: BaseException | None = None
        except Exception as exc:  # noqa: BLE001 - told once the articles come
            loading = exc
        reader.join()
        if received[0] is None:  # the parent went without sending any
            return
        if isinstance(received[0], BaseException):
            raise received[0]
        with collection_paused():  # see ``_follow``
            articles, workers, folder, doc_dir, keeps = pickle.loads(received[0])
        received.clear()  # the listing's bytes (25 MB at 100,000 articles)
        if loading is not None:
            raise loading
        failures: list[ArticleError] = []
        kept: dict[str, str] | None = {} if keeps else None

        def filed_now(filed: Filed) -> None:
            damaged = [i for i, a in enumerate(articles) if getattr(a, "damaged", False)]
            # the parent needs only which articles were filed, and where; a
            # store's ``kept`` says where already, so then only their positions
            # go (the whole ``Filed``, its paths ``Path`` objects, cost the
            # parent about 70 MB more of a 100,000-article rebuild, 30 MB of it
            # held through resolution)
            done = ([index for index, *_ in filed.jobs] if kept is not None
                    else [(index, path) for index, *_, path in filed.jobs])
            send.send(("filed", done, failures, kept or {}, damaged))

        file_facts(articles, model, progress, failures, workers, doc_dir, folder, kept=kept,
                   prune_rest=doc_dir is not None, filed_now=filed_now)
        send.send(("done",))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        try:
            send.send(("error", exc))
        except Exception:  # noqa: BLE001 - not picklable, or the parent is gone
            with contextlib.suppress(Exception):  # the parent is gone: nothing to tell
                send.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()
