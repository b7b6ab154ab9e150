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

from kg.articles import Article, load_articles
from kg.builder import BuildResult, build_corpus
from kg.dataset import fill, open_database, to_rdflib
from kg.passes import prune
from kg.rdf import corpus_quads
from kg.resolve import Corpus
from kg.storedir import OXIGRAPH_DIR, is_store


class StoreError(Exception):
    pass


class ArticleStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path}: not a folder")
        if self.path.is_dir() and any(self.path.iterdir()) and not (
                (self.path / "articles").is_dir() or is_store(self.path)):
            raise StoreError(f"{self.path}: folder exists and is not a kg store")
        self.articles_dir = self.path / "articles"
        self.docs_dir = self.path / "docs"

    def stored_articles(self) -> list[Article]:
        out = []
        for f in sorted(self.articles_dir.glob("*.json")):
            data = json.loads(f.read_text(encoding="utf-8"))
            out.append(Article(id=data["id"], path=Path(data["path"]),
                               date=dt.date.fromisoformat(data["date"]), text=data["text"],
                               body_start=data["body_start"]))
        return out

    def _save_article(self, article: Article) -> None:
        self.articles_dir.mkdir(parents=True, exist_ok=True)
        data = {"id": article.id, "path": str(article.path), "date": article.date.isoformat(),
                "text": article.text, "body_start": article.body_start}
        target = self.articles_dir / f"{hashlib.sha256(article.id.encode()).hexdigest()[:16]}.json"
        target.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")

    def write(self, corpus: Corpus) -> pyoxigraph.Store:
        """Replace the database's content with the corpus's quads (one named
        graph per article); the old database stays until the new one is whole.
        Returns the new database, open."""
        tmp = self.path / (OXIGRAPH_DIR + ".new")
        if tmp.exists():
            shutil.rmtree(tmp)
        database = open_database(tmp)
        fill(database, corpus_quads(corpus))
        del database  # closed before its folder is renamed
        final = self.path / OXIGRAPH_DIR
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
        return pyoxigraph.Store(str(final))


def build_into_store(paths: Iterable[Path | str], store_path: Path | str,
                     model: str | None = None,
                     progress: Callable[[int, int, str], None] | None = None,
                     jobs: int = 1) -> BuildResult:
    """Add the articles under ``paths`` to the store and rebuild its database."""
    store = ArticleStore(store_path)
    new, errors = load_articles(paths)
    merged = {a.id: a for a in store.stored_articles()}
    for a in new:
        merged[a.id] = a
    articles = [merged[k] for k in sorted(merged)]
    if not articles:
        return BuildResult(None, None, errors, 0)
    corpus = build_corpus(articles, model, progress, errors, jobs, doc_dir=store.docs_dir)
    prune(store.docs_dir, articles, model)
    if progress:
        progress(len(articles), len(articles), "writing the graph")
    database = store.write(corpus)
    for a in new:
        store._save_article(a)
    return BuildResult(database, corpus, errors, len(articles))


def load_store_graph(store_path: Path | str) -> Graph:
    """The store's content as one rdflib graph (named graphs merged)."""
    return to_rdflib(pyoxigraph.Store.read_only(str(Path(store_path) / OXIGRAPH_DIR)))
