"""A persistent, incremental store: an Oxigraph database plus what rebuilds need.

    STORE/oxigraph/     the Oxigraph database (one named graph per article)
    STORE/articles/     the articles built into the store (text and date), and
                        an index of them (``kg.storearticles``)
    STORE/docs/         their parsed spaCy Docs, titles and facts, keyed by the
                        text's digest, model, rules and code (see ``kg.passes``)

Building into a store adds the new articles to those already there (an article
with the same name replaces the old one). Unchanged articles are neither parsed
nor extracted again, unless a title they mention came or went; and resolution
and the database are updated only where the changed articles reach
(``kg.storeparts``), so the store always equals a fresh build of every article
it holds, at the cost of the changed articles. The kept facts and parts are
Python pickles: treat a store folder like a database file, and open only
stores you trust.

A build holds the store's lock (``kg.locking``) from start to end, so a second
build into the same store waits for the first. Nothing a build is killed in the
middle of is lost or left half-written: article files (each new article's
before it is extracted, so a build that fails or is killed leaves it for the
next build to add) and then their index are written atomically before the
database; the new database is filled beside
the old one and swapped in by two renames, and an interrupted swap is finished
by the next build (and readers find the previous database meanwhile, see
``kg.storedir``).
"""

from __future__ import annotations

import contextlib
import pickle
import shutil
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

import pyoxigraph
from rdflib import Graph

from kg.articles import Article, ArticleError, load_articles
from kg.atomic import remove_temps
from kg.builder import BuildResult, _dask_runner
from kg.dataset import fill, open_database, to_rdflib
from kg.disk_room import warn_if_short_of_room
from kg.extraction_process import (
    FACTS_PREFIX,
    ExtractionProcess,
    FiledFacts,
    extract_in_child,
    lock_waiter,
    ready,
)
from kg.fingerprints import resolution_fingerprint
from kg.gazetteer import Gazetteer, load_gazetteer, preload
from kg.locking import LOCK_NAME, folder_lock
from kg.memory import collection_paused, trim_memory
from kg.rdf import corpus_quads
from kg.records import ArticleFacts, read_facts_file
from kg.resolve import Corpus
from kg.resolve.spill import LINKS_PREFIX
from kg.storearticles import ArticleFolder, StoredArticle
from kg.storedir import NEW_SUFFIX, OLD_SUFFIX, OXIGRAPH_DIR, database_dir, is_store
from kg.storeparts import (
    DIRTY_MARK,
    STATE_FILE,
    PartsState,
    StateError,
    facts_digest,
    write_full,
)
from kg.storeupdate import Update


class StoreError(Exception):
    pass


class ArticleStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path}: not a folder")
        if self.path.is_dir() and any(p.name != LOCK_NAME for p in self.path.iterdir()) and not (
                (self.path / "articles").is_dir() or is_store(self.path)):
            raise StoreError(f"{self.path}: folder exists and is not a kg store")
        self.articles_dir = self.path / "articles"
        self.docs_dir = self.path / "docs"
        self.kept = ArticleFolder(self.articles_dir)
        self._opened: pyoxigraph.Store | None = None  # see ``prefetch``

    def stored_articles(self, errors: list[ArticleError] | None = None) -> list[Article]:
        """The articles kept in the store (their texts read when first used, see
        ``kg.storearticles``); one whose file is damaged is reported in
        ``errors`` (naming the file) and left out, not fatal."""
        return self.kept.articles(errors)

    def save_article(self, article: Article) -> Article:
        """Keep ``article`` in the store (atomically); ``save_index`` lists it.
        Returns it as kept (``kg.storearticles.SavedArticle``)."""
        return self.kept.save(article)

    def recover(self) -> None:
        """Finish or undo what a killed build left: an interrupted database swap,
        a half-filled new database, temporary article files. Call it holding the
        store's lock."""
        current = self.path / OXIGRAPH_DIR
        previous = self.path / (OXIGRAPH_DIR + OLD_SUFFIX)
        if previous.is_dir():
            if current.is_dir():
                shutil.rmtree(previous)  # killed after the swap, before the clean-up
            else:
                previous.rename(current)  # killed between the two renames
        shutil.rmtree(self.path / (OXIGRAPH_DIR + NEW_SUFFIX), ignore_errors=True)
        for prefix in (FACTS_PREFIX, LINKS_PREFIX):  # a killed build's work folders
            for folder in self.path.glob(prefix + "*"):
                shutil.rmtree(folder, ignore_errors=True)
        if self.articles_dir.is_dir():
            remove_temps(self.articles_dir)

    def prefetch(self) -> None:
        """Open the database while this process waits for the articles'
        extraction (0.13 s at 10,000 articles); ``update`` then uses it. Call
        it holding the store's lock, and ``release_prefetched`` once done;
        nothing if the store cannot be updated by this code (``update`` says
        why, or rebuilds it)."""
        try:
            kept = self._updatable_ids(resolution_fingerprint())
        except Exception:  # noqa: BLE001 - a read-ahead: ``update`` finds what is wrong
            return
        if kept is not None:
            with contextlib.suppress(Exception):  # ``update`` opens it, or says why not
                self._opened = pyoxigraph.Store(str(self.path / OXIGRAPH_DIR))

    def release_prefetched(self) -> None:
        """Close the database ``prefetch`` opened, if ``update`` did not take
        it (a build that failed before): an open database holds its folder's
        lock until it is closed."""
        self._opened = None

    def update(self, changed: Collection[ArticleFacts], paths: dict[str, str], ids: list[str],
               before_commit: Callable[[], object] | None = None,
               writing: Callable[[], object] | None = None) -> pyoxigraph.Store:
        """Bring the database up to date with the articles ``ids`` (facts files in
        ``paths``), of which ``changed`` were extracted now: incrementally when
        the kept parts allow it, else by resolving and writing everything
        again, reading the kept facts an article at a time (``KeptFacts``).
        ``before_commit`` is called before the database is written (the
        extraction process may still be writing what the store keeps of its
        work: ``FiledFacts.finish``), and by a full rebuild before it resolves;
        if it raises, nothing is: an update leaves the store as it was, a full
        rebuild leaves it to be rebuilt. ``writing`` is called when a full
        rebuild has resolved and starts writing its database (minutes, at
        100,000 articles: the command line says so)."""
        gaz, code = load_gazetteer(), resolution_fingerprint()
        state_path = self.path / STATE_FILE
        mark = self.path / DIRTY_MARK
        if self._can_update(code, ids, changed):
            mark.touch()
            # opened ahead (``prefetch``), taken from here on: held by nothing
            # else, it closes with the last reference below
            database, self._opened = self._opened, None
            if database is None:
                database = pyoxigraph.Store(str(self.path / OXIGRAPH_DIR))
            state: PartsState | None = None
            update: Update | None = None
            try:
                state = PartsState(state_path)
                with collection_paused():  # every kept article's digest is read
                    todo = _to_update(state, changed, paths, ids)
                state.db.execute("BEGIN")
                update = Update(state, database, gaz)
                try:
                    with collection_paused():
                        update.run(todo, paths, before_writing=before_commit)
                except StateError:
                    raise
                except BaseException:
                    if not update.writing:  # the database untouched: undone, as it was
                        with contextlib.suppress(sqlite3.Error):
                            state.db.execute("ROLLBACK")
                            mark.unlink()
                    raise
                state.db.execute("COMMIT")
                database.flush()
                mark.unlink()
                return database
            except StateError:
                if state is not None:  # (no transaction if it came before ``BEGIN``)
                    with contextlib.suppress(sqlite3.Error):
                        state.db.execute("ROLLBACK")
            except BaseException:
                _drop(update)
                del database  # see ``_drop``
                raise
            finally:
                if state is not None:
                    state.close()
            # the rebuild below replaces the database's folder: closed first
            _drop(update)
            del database
        self.release_prefetched()  # closed: the rebuild replaces its folder
        return self._rebuild(paths, ids, gaz, code, before_commit, writing)

    def _rebuild(self, paths: dict[str, str], ids: list[str], gaz: Gazetteer, code: str,
                 before_commit: Callable[[], object] | None,
                 writing: Callable[[], object] | None) -> pyoxigraph.Store:
        """``update``'s full rebuild: resolve every article's kept facts and
        write the database again (made by resolution ``code``)."""
        mark = self.path / DIRTY_MARK
        mark.touch()
        if before_commit is not None:
            # waited for before resolving, not before writing: a full rebuild's
            # resolution is its largest memory, and the extraction process's end
            # overlapped its start (at 100,000 articles 817 MB of a 1,165 MB peak)
            before_commit()
        corpus = write_full(self.path / STATE_FILE, KeptFacts(paths, ids), paths, gaz, code,
                            spill=self.path)
        # what resolving freed goes back to the system before the database is
        # filled, which adds to what this process already holds (at 10,000
        # synthetic articles 26 of its 226 MB)
        trim_memory()
        if writing is not None:
            writing()
        try:
            database = self.write(corpus)
        finally:
            if corpus.spilled is not None:
                corpus.spilled.close()
        mark.unlink()
        return database

    def _can_update(self, code: str, ids: list[str],
                    changed: Collection[ArticleFacts]) -> bool:
        if len(changed) * 2 > len(ids):
            return False
        try:
            kept = self._updatable_ids(code)
        except (StateError, sqlite3.Error, pickle.UnpicklingError):
            return False
        return kept is not None and kept <= set(ids)

    def _updatable_ids(self, code: str) -> set[str] | None:
        """The articles of the kept parts, if an update can start from them:
        whole (no mark of a killed update), made by this ``code``, their
        database there; None otherwise. Raises what reading them raises."""
        state_path = self.path / STATE_FILE
        if not state_path.is_file() or (self.path / DIRTY_MARK).exists() or not (
                self.path / OXIGRAPH_DIR).is_dir():
            return None
        state = PartsState(state_path)
        try:
            if state.meta("code") != code:
                return None
            with collection_paused():  # a row per kept article
                return set(state.article_ids())
        finally:
            state.close()

    def write(self, corpus: Corpus) -> pyoxigraph.Store:
        """Replace the database's content with the corpus's quads (one named
        graph per article); the old database stays until the new one is whole.
        Returns the new database, open."""
        tmp = self.path / (OXIGRAPH_DIR + NEW_SUFFIX)
        if tmp.exists():
            shutil.rmtree(tmp)
        database = open_database(tmp)
        fill(database, corpus_quads(corpus))
        # compacted once, here, for every reader after: the bulk loader leaves many
        # small files, and queries on the store (read-only, as kg query and kg serve
        # open it) ran three times slower before (nominations at 10,000 articles:
        # 16 s, then 5 s; compacting took 1 s)
        database.optimize()
        del database  # closed before its folder is renamed
        final = self.path / OXIGRAPH_DIR
        previous = self.path / (OXIGRAPH_DIR + OLD_SUFFIX)
        if final.exists():
            final.rename(previous)
        tmp.rename(final)
        shutil.rmtree(previous, ignore_errors=True)
        return pyoxigraph.Store(str(final))


def _to_update(state: PartsState, changed: Collection[ArticleFacts], paths: dict[str, str],
               ids: list[str]) -> dict[str, ArticleFacts]:
    """The articles an update brings in: those extracted now, and any the
    state lacks (a killed build may have kept its facts, not its part); an
    article extracted again whose facts came out the same is not one."""
    digests = state.digests()
    todo = {f.article_id: f for f in changed if digests.get(f.article_id) != facts_digest(f)}
    for article in sorted(set(ids) - digests.keys() - todo.keys()):
        todo[article] = _read_facts(paths[article])
    return todo


def _drop(update: Update | None) -> None:
    """Let go of the database an update held, so that it closes (its folder's
    lock freed) with the caller's last reference: before a full rebuild
    replaces its folder, or before the store's lock is released while an
    error is handled, whose traceback keeps the update's frames (and so the
    update) alive."""
    if update is not None:
        with contextlib.suppress(AttributeError):
            del update.database


def build_into_store(paths: Iterable[Path | str], store_path: Path | str,
                     model: str | None = None,
                     progress: Callable[[int, int, str], None] | None = None,
                     jobs: int = 1, say: Callable[[str], None] | None = None,
                     dask: str | None = None,
                     extraction: ExtractionProcess | None = None,
                     warn: Callable[[str], None] | None = None) -> BuildResult:
    """Add the articles under ``paths`` to the store and rebuild its database.
    Waits for another build holding the store (``say`` is told); ``warn`` is
    told, once it holds the store, when the store's folder looks short of room
    for the articles it does not hold yet (``kg.disk_room``). ``dask``: see
    ``kg.builder.build_graph``. The articles are parsed and extracted in a
    child process (``kg.extraction_process``), started before they are listed
    to load the model meanwhile, unless the caller started it sooner
    (``extraction``, which the caller closes). A build that waits for
    another's lock ends that child meanwhile and starts one once it holds
    the lock."""
    store = ArticleStore(store_path)
    with contextlib.ExitStack() as started:
        if not dask:
            extraction = ready(extraction, model, started)
        listed, errors = load_articles(paths)
        with folder_lock(store.path, lock_waiter(extraction, say)):
            if not dask:
                extraction = ready(extraction, model, started)  # if ended while waiting
            store.recover()
            merged = {a.id: a for a in store.stored_articles(errors)}
            if warn is not None:  # before hours of work, rather than when the disk fills
                _warn_if_short_of_room(store.path, listed, merged, warn)
            for a in listed:  # kept first, one text at a time: a kill after this loses nothing
                try:
                    merged[a.id] = store.save_article(a)  # extracted as kept
                except ArticleError as exc:  # changed or gone since it was listed
                    errors.append(exc.detached())
            articles = [merged[k] for k in sorted(merged)]
            count = len(articles)
            if not articles:
                return BuildResult(None, None, errors, 0)
            paths: dict[str, str] = {}
            try:  # what was read ahead meanwhile is released before the lock
                changed = _extract(articles, store, model, progress, errors, jobs, dask, paths,
                                   extraction)
                try:
                    ids = [a.id for a in articles if a.id in paths]
                    # the listing is done with: its memory goes back before
                    # linking and the database take theirs (at 100,000
                    # articles it held about 130 MB)
                    store.kept.release()
                    del merged, articles, listed
                    trim_memory()
                    if progress:
                        progress(count, count, "linking entities across articles")
                    database = store.update(
                        changed, paths, ids,
                        changed.finish if isinstance(changed, FiledFacts) else None,
                        writing=lambda: progress and progress(
                            count, count, "writing the store's database"))
                finally:
                    if isinstance(changed, FiledFacts):
                        changed.close()
            finally:
                store.release_prefetched()
    return BuildResult(database, None, errors, count)


def _warn_if_short_of_room(folder: Path, listed: list[Article],
                           stored: dict[str, Article], warn: Callable[[str], None]) -> None:
    """Tell ``warn`` when the store's folder looks short of room for the listed
    articles it does not hold yet as they are (an article listed again
    unchanged adds nothing: a store rebuilt from its whole folder each day
    would otherwise be warned about all of it). Not counted: the new database
    an update writes beside the old when it rebuilds the whole store (after
    a kg upgrade, or when most articles changed)."""
    new = [a for a in listed if a.id not in stored or stored[a.id].digest != a.digest]
    if new:
        warn_if_short_of_room(warn, folder, new, store=True)


def _extract(articles: list[Article], store: ArticleStore, model: str | None,
             progress: Callable[[int, int, str], None] | None, errors: list[ArticleError],
             jobs: int, dask: str | None, paths: dict[str, str],
             extraction: ExtractionProcess | None) -> Collection[ArticleFacts]:
    """The facts of the articles extracted now (``paths`` is given every
    article's facts file): in a child process, as a plain build does (see
    ``kg.extraction_process``), so that this one never loads the model and
    resolution and the database take the memory it would have held; here
    where processes cannot be forked or the passes run on a Dask cluster."""
    if not dask:
        damaged: list[int] = []

        def meanwhile() -> None:  # while the child parses
            preload()
            store.prefetch()
            # the index of the kept texts, which lists the articles just saved
            # (0.1 s at 10,000 articles); saved again after only if the child
            # found a stored text damaged
            store.kept.save_index()

        changed = extract_in_child(list(articles), model, progress, errors, jobs,
                                   parent=store.path, doc_dir=store.docs_dir, kept=paths,
                                   damaged=damaged, process=extraction, meanwhile=meanwhile)
        for i in damaged:  # their index rows go, as when read here
            found = articles[i]
            if isinstance(found, StoredArticle):
                found.found_damaged()
        if isinstance(changed, FiledFacts):
            for i in changed.left_out():  # facts filed but unreadable: reported, left out
                paths.pop(articles[i].id, None)
        if changed is not None:
            return changed
    from kg.passes import extract_corpus, prune

    changed = extract_corpus(articles, model, progress=progress, errors=errors, jobs=jobs,
                             doc_dir=store.docs_dir, kept=paths,
                             runner=_dask_runner(dask, model) if dask else None)
    prune(store.docs_dir, articles, model)
    return changed


def load_store_graph(store_path: Path | str) -> Graph:
    """The store's content as one rdflib graph (named graphs merged)."""
    return to_rdflib(pyoxigraph.Store.read_only(str(database_dir(Path(store_path)))))


class KeptFacts:
    """The kept facts of the articles ``ids`` (their files in ``paths``), read
    from their files each time they are iterated, an article at a time, in
    article order (by id): what a full rebuild resolves, never all in memory
    at once (``write_full``)."""

    def __init__(self, paths: dict[str, str], ids: Iterable[str]) -> None:
        self._paths, self._ids = paths, sorted(ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[ArticleFacts]:
        for article in self._ids:
            yield _read_facts(self._paths[article])


def _read_facts(path: str) -> ArticleFacts:
    facts = read_facts_file(Path(path))
    if facts is None:  # missing, damaged, or not facts: a clear error, not a traceback
        raise StoreError(f"{path}: kept facts unreadable; delete it and build again")
    return facts
