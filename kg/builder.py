"""The whole pipeline, from files to a graph on disk.

Output files are written to a temporary file in the target folder and renamed
into place, so a failed or interrupted build never leaves a half-written file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kg.articles import ArticleError, load_articles
from kg.passes import extract_corpus
from kg.rdf import to_graph
from kg.resolve import Corpus, resolve


@dataclass
class BuildResult:
    graph: Graph
    corpus: Corpus | None
    errors: list[ArticleError] = field(default_factory=list)
    articles: int = 0


def build_graph(paths: Iterable[Path | str], model: str | None = None,
                progress: Callable[[int, int, str], None] | None = None,
                jobs: int = 1) -> BuildResult:
    """Read, extract, resolve and convert; bad files are collected, not raised.
    ``jobs`` processes parse and extract; the graph is the same for any number."""
    articles, errors = load_articles(paths)
    if not articles:
        return BuildResult(Graph(), None, errors, 0)
    facts = extract_corpus(articles, model, progress=progress, errors=errors, jobs=jobs)
    corpus = resolve(facts)
    return BuildResult(to_graph(corpus), corpus, errors, len(facts))


def serialize_turtle(graph: Graph) -> bytes:
    data = graph.serialize(format="turtle", encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")
