"""A persistent, incremental store: an Oxigraph database plus what rebuilds need.

    STORE/oxigraph/     the Oxigraph database (one named graph per article)
    STORE/articles/     the articles built into the store (text and date)
    STORE/docs/         their parsed spaCy Docs, keyed by text, model and rules

Building into a store adds the new articles to those already there (an article
with the same name replaces the old one), reuses the parsed Docs of unchanged
articles, and rewrites the database from the whole set, so the store always
equals a fresh build of every article it holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from rdflib import Graph
from spacy.language import Language
from spacy.tokens import Doc

import kg
from kg.articles import Article, load_articles
from kg.builder import BuildResult
from kg.dataset import to_dataset
from kg.gazetteer import ONTOLOGY_DIR
from kg.nlp import load_pipeline
from kg.pipeline import extract_corpus, parse_articles
from kg.rdf import to_graph
from kg.resolve import resolve
from kg.storedir import OXIGRAPH_DIR, is_store


class StoreError(Exception):
    pass


def _rules_fingerprint() -> str:
    """Changes whenever a gazetteer or pattern file changes (they shape the Docs)."""
    h = hashlib.sha256(kg.__version__.encode())
    for f in sorted((ONTOLOGY_DIR / "gazetteers").glob("*.json")) + sorted(
            (ONTOLOGY_DIR / "patterns").glob("*.json")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


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

    def docs(self, articles: list[Article], nlp: Language) -> list[Doc]:
        """Cached Docs where the text, model and rules are unchanged; parse the rest."""
        meta = nlp.meta
        salt = f"{meta.get('name')}-{meta.get('version')}-{_rules_fingerprint()}"
        keys = [hashlib.sha256((salt + a.text).encode()).hexdigest() for a in articles]
        docs: list[Doc | None] = []
        for key in keys:
            f = self.docs_dir / f"{key}.spacy"
            docs.append(Doc(nlp.vocab).from_bytes(f.read_bytes()) if f.exists() else None)
        missing = [i for i, d in enumerate(docs) if d is None]
        parsed = list(parse_articles([articles[i] for i in missing], nlp))
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        for i, doc in zip(missing, parsed, strict=True):
            (self.docs_dir / f"{keys[i]}.spacy").write_bytes(doc.to_bytes())
            docs[i] = doc
        wanted = {f"{k}.spacy" for k in keys}
        for f in self.docs_dir.glob("*.spacy"):
            if f.name not in wanted:
                f.unlink()  # Docs of replaced articles
        return [d for d in docs if d is not None]

    def write(self, graph: Graph) -> None:
        """Replace the database's content with ``graph``, split into named graphs."""
        import pyoxigraph

        data = to_dataset(graph).serialize(format="nquads", encoding="utf-8")
        tmp = self.path / (OXIGRAPH_DIR + ".new")
        if tmp.exists():
            shutil.rmtree(tmp)
        store = pyoxigraph.Store(str(tmp))
        store.bulk_load(data, format=pyoxigraph.RdfFormat.N_QUADS)
        store.flush()
        del store
        final = self.path / OXIGRAPH_DIR
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)


def build_into_store(paths: Iterable[Path | str], store_path: Path | str,
                     model: str | None = None,
                     progress: Callable[[int, int, str], None] | None = None) -> BuildResult:
    """Add the articles under ``paths`` to the store and rebuild its database."""
    store = ArticleStore(store_path)
    new, errors = load_articles(paths)
    merged = {a.id: a for a in store.stored_articles()}
    for a in new:
        merged[a.id] = a
    articles = [merged[k] for k in sorted(merged)]
    if not articles:
        return BuildResult(Graph(), None, errors, 0)
    nlp = load_pipeline(model)
    docs = store.docs(articles, nlp)
    facts = extract_corpus(articles, nlp, progress=progress, docs=docs, errors=errors)
    corpus = resolve(facts)
    graph = to_graph(corpus)
    store.write(graph)
    for a in new:
        store._save_article(a)
    return BuildResult(graph, corpus, errors, len(articles))


def load_store_graph(store_path: Path | str) -> Graph:
    """The store's content as one rdflib graph (named graphs merged)."""
    import pyoxigraph

    store = pyoxigraph.Store.read_only(str(Path(store_path) / OXIGRAPH_DIR))
    data = store.dump(format=pyoxigraph.RdfFormat.N_QUADS)
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(data=data.decode("utf-8") if isinstance(data, bytes) else data, format="nquads")
    merged = Graph()
    for quad in ds.quads():
        merged.add(quad[:3])
    return merged


