"""The graph as a dataset: one named graph per article, plus one for entities.

An article's graph holds what only that article says: the article node, its
tweets, quotations, evidence sentences and what it mentions and cites. The
entities graph holds the linked entities and the facts resolved across
articles (nominations, credits, networks, ceremonies). N-Quads / TriG exports
and the persistent store use this split, so provenance survives export and an
article's facts can be replaced exactly.
"""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef

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


def to_dataset(graph: Graph) -> Dataset:
    """Split ``graph`` into the named graphs described in the module docstring."""
    ds = Dataset()
    for prefix, ns in graph.namespaces():
        ds.bind(prefix, ns)
    entities = ds.graph(ENTITIES_GRAPH)
    graphs: dict[str, Graph] = {}
    for s, p, o in graph:
        article = _article_of(s) if isinstance(s, URIRef) else None
        if article is None:
            entities.add((s, p, o))
            continue
        target = graphs.get(article)
        if target is None:
            target = graphs[article] = ds.graph(article_graph_iri(article))
        target.add((s, p, o))
    return ds
