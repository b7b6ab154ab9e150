"""A persistent, incremental store: an Oxigraph database plus what rebuilds need.

    STORE/oxigraph/     the Oxigraph database (one named graph per article)
    STORE/articles/     the articles built into the store (text and date)
    STORE/docs/         their parsed spaCy Docs, titles and facts, keyed by text,
                        model, rules and code (see ``kg.passes``)

Building into a store adds the new articles to those already there (an article
with the same name replaces the old one). Unchanged articles are neither parsed
nor extracted again, unless a title they mention came or went; resolution and
the database are redone from the whole set, so the store always equals a fresh
build of every article it holds. The kept facts are Python pickles: treat a
store folder like a database file, and open only stores you trust.

A build holds the store's lock (``kg.locking``) from start to end, so a second
build into the same store waits for the first. Nothing a build is killed in the
middle of is lost or left half-written: article files are written atomically
before the database; the new database is filled beside the old one and swapped
in by two renames, and an interrupted swap is finished by the next build (and
readers find the previous database meanwhile, see ``kg.storedir``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph
from rdflib import Graph

from kg.articles import Article, ArticleError, load_articles
from kg.atomic import remove_temps, write_atomic
from kg.builder import BuildResult, build_corpus
from kg.dataset import fill, open_database, to_rdflib
from kg.locking import LOCK_NAME, folder_lock
from kg.passes import prune
from kg.rdf import corpus_quads
from kg.resolve import Corpus
from kg.storedir import NEW_SUFFIX, OLD_SUFFIX, OXIGRAPH_DIR, database_dir, is_store


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

    def stored_articles(self, errors: list[ArticleError] | None = None) -> list[Article]:
        """The articles kept in the store; one whose file is damaged is reported
        in ``errors`` (naming the file) and left out, not fatal."""
        out = []
        for f in sorted(self.articles_dir.glob("*.json")):
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
                out.append(Article(id=data["id"], path=Path(data["path"]),
                                   date=dt.date.fromisoformat(data["date"]),
                                   text=data["text"], body_start=data["body_start"]))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                if errors is not None:
                    errors.append(ArticleError(f, f"damaged stored article, left out ({exc})"))
        return out

    def save_article(self, article: Article) -> None:
        """Keep ``article`` in the store (atomically: a kill leaves the old file or
        the new one, never half of one)."""
        data = {"id": article.id, "path": str(article.path), "date": article.date.isoformat(),
                "text": article.text, "body_start": article.body_start}
        target = self.articles_dir / f"{hashlib.sha256(article.id.encode()).hexdigest()[:16]}.json"
        write_atomic(target, json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))

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
        if self.articles_dir.is_dir():
            remove_temps(self.articles_dir)

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


def build_into_store(paths: Iterable[Path | str], store_path: Path | str,
                     model: str | None = None,
                     progress: Callable[[int, int, str], None] | None = None,
                     jobs: int = 1, say: Callable[[str], None] | None = None,
                     dask: str | None = None) -> BuildResult:
    """Add the articles under ``paths`` to the store and rebuild its database.
    Waits for another build holding the store (``say`` is told). ``dask``: see
    ``kg.builder.build_graph``."""
    store = ArticleStore(store_path)
    new, errors = load_articles(paths)
    with folder_lock(store.path, say):
        store.recover()
        merged = {a.id: a for a in store.stored_articles(errors)}
        for a in new:
            merged[a.id] = a
        articles = [merged[k] for k in sorted(merged)]
        if not articles:
            return BuildResult(None, None, errors, 0)
        corpus = build_corpus(articles, model, progress, errors, jobs, doc_dir=store.docs_dir,
                              dask=dask)
        prune(store.docs_dir, articles, model)
        for a in new:  # before the database: a kill after this loses nothing
            store.save_article(a)
        if progress:
            progress(len(articles), len(articles), "writing the graph")
        database = store.write(corpus)
    return BuildResult(database, corpus, errors, len(articles))


def load_store_graph(store_path: Path | str) -> Graph:
    """The store's content as one rdflib graph (named graphs merged)."""
    return to_rdflib(pyoxigraph.Store.read_only(str(database_dir(Path(store_path)))))
