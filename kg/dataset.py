"""The graph as a dataset: one named graph per article, plus one for entities.

An article's graph holds what only that article says: the article node, its
tweets, quotations, evidence sentences and what it mentions and cites. The
entities graph holds the linked entities and the facts resolved across
articles (nominations, credits, networks, ceremonies). N-Quads / TriG exports
and the persistent store use this split, so provenance survives export and an
article's facts can be replaced exactly.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from kg.vocab import ID

ENTITIES_GRAPH = ID["graph/entities"]
_ARTICLE_PREFIXES = ("article/", "tweet/", "quote/", "evidence/")


def article_graph_iri(article_part: str) -> URIRef:
    return ID[f"graph/article/{article_part}"]


def _article_of(subject: URIRef) -> str | None:
    """The (IRI-encoded) article a subject belongs to, if it is article-specific."""
    local = str(subject)
    if not local.startswith(str(ID)):
        return None
    local = local[len(str(ID)) :]
    for prefix in _ARTICLE_PREFIXES:
        if local.startswith(prefix):
            rest = local[len(prefix) :]
            if prefix == "article/":
                return rest
            # "tweet/<article>-<n>", "evidence/<article>-<start>-<end>"
            parts = rest.rsplit("-", 2 if prefix == "evidence/" else 1)
            return parts[0]
    return None


def quads(graph: Graph) -> Iterator[tuple[Node, Node, Node, URIRef]]:
    """Each triple of ``graph`` with the named graph it belongs in (see the
    module docstring), without copying the graph."""
    names: dict[str, URIRef] = {}
    for s, p, o in graph:
        article = _article_of(s) if isinstance(s, URIRef) else None
        if article is None:
            yield s, p, o, ENTITIES_GRAPH
            continue
        name = names.get(article)
        if name is None:
            name = names[article] = article_graph_iri(article)
        yield s, p, o, name


def to_dataset(graph: Graph) -> Dataset:
    """Split ``graph`` into the named graphs described in the module docstring."""
    ds = Dataset()
    for prefix, ns in graph.namespaces():
        ds.bind(prefix, ns)
    ds.graph(ENTITIES_GRAPH)
    graphs: dict[URIRef, Graph] = {}
    for s, p, o, name in quads(graph):
        target = graphs.get(name)
        if target is None:
            target = graphs[name] = ds.graph(name)
        target.add((s, p, o))
    return ds
