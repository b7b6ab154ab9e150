"""The graph as a dataset: one named graph per article, plus one for entities.

An article's graph holds what only that article says: the article node, its
tweets, quotations, evidence sentences and what it mentions and cites. The
entities graph holds the linked entities and the facts resolved across
articles (nominations, credits, networks, ceremonies). N-Quads / TriG exports
and the persistent store keep this split, so provenance survives export and an
article's facts can be replaced exactly.

A build writes its quads into an Oxigraph database on disk (``fill``, or
``loading`` when it also writes them to files as they come), never into an
in-memory graph, so its memory does not grow with the graph; the outputs not
written as the quads came are streamed from that database. ``to_rdflib``
merges it (or a graph file: a build's Turtle, what ``kg validate`` reads)
into one rdflib graph for the steps that want one (SHACL validation, the
Python API); the HTML page reads it into a ``kg.triple_index.TripleIndex``.
Both hold the terms ``rdflib_triples`` makes, each distinct one once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef

from kg.formats import parse_file
from kg.vocab import ID, PREFIXES

ENTITIES_GRAPH = ID["graph/entities"]
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def article_graph_iri(article_part: str) -> URIRef:
    """The named graph of one article (``article_part`` already IRI-encoded)."""
    return ID[f"graph/article/{article_part}"]


def open_database(path: Path) -> pyoxigraph.Store:
    """A new, empty Oxigraph database at ``path`` (which must not hold one)."""
    path.mkdir(parents=True, exist_ok=True)
    return pyoxigraph.Store(str(path))


# quads handed to Oxigraph's bulk loader at a time: it holds what it is given
# in memory to sort it, so one call with a whole graph costs memory in
# proportion to the graph (about 600 MB at 1.4 million quads); batches keep it
# flat for a few percent more time (at 1.4 million quads, 10,000 a batch peaks
# 27 MB below 50,000, for about a second more)
FILL_BATCH = 10_000


def fill(database: pyoxigraph.Store, quads: Iterable[pyoxigraph.Quad]) -> None:
    """Load a stream of quads with Oxigraph's bulk loader, in batches of
    ``FILL_BATCH`` (duplicates kept once)."""
    for _ in loading(database, quads):
        pass


def loading(database: pyoxigraph.Store, quads: Iterable[pyoxigraph.Quad]
            ) -> Iterator[pyoxigraph.Quad]:
    """Pass ``quads`` on while loading them as ``fill`` does, for a consumer
    that also writes them elsewhere as they come (a build's Turtle, see
    ``kg.exports.write_turtle``): reading them back out of the database
    costs ten times as much as writing them from the stream."""
    yield from passed_in_batches(quads, FILL_BATCH, database.bulk_extend)
    database.flush()


def passed_in_batches(quads: Iterable[pyoxigraph.Quad], size: int,
                      deliver: Callable[[list[pyoxigraph.Quad]], object]
                      ) -> Iterator[pyoxigraph.Quad]:
    """Pass ``quads`` on, handing them to ``deliver`` as well, ``size`` at a
    time (and the rest at the end), so a second consumer of one stream holds
    one batch, never the stream."""
    batch: list[pyoxigraph.Quad] = []
    for q in quads:
        batch.append(q)
        yield q
        if len(batch) == size:
            deliver(batch)
            batch = []
    if batch:
        deliver(batch)


def rdflib_term(term) -> URIRef | BNode | Literal:
    """Oxigraph's term as rdflib's; a ``ValueError`` for what Oxigraph reads
    of RDF 1.2 and kg's graphs never hold: a triple term (``<<( s p o )>>``)
    or a literal's base direction (``"text"@en--ltr``)."""
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if not isinstance(term, pyoxigraph.Literal):
        raise ValueError(f"an RDF 1.2 triple term ({term}), which kg does not read")
    if term.direction:  # "text"@en--ltr: rdflib has no place for it
        raise ValueError(f"an RDF 1.2 literal with a base direction ({term}), which kg "
                         "does not read")
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        return Literal(term.value)  # rdflib tells a plain literal from an xsd:string one
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def rdflib_triples(quads: Iterable[pyoxigraph.Quad | pyoxigraph.Triple]
                   ) -> Iterator[tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]]:
    """Oxigraph's quads (or triples) as rdflib triples, their graphs dropped,
    each distinct term made into rdflib's once and shared: an entity's IRI
    recurs in dozens of triples, and rdflib's parser makes it anew each time
    (the graph of 1,000 synthetic articles held 160 MB in rdflib read by its
    parser, 136 MB read so, in half the time)."""
    made: dict[object, URIRef | BNode | Literal] = {}

    def term(t: object) -> URIRef | BNode | Literal:
        found = made.get(t)
        if found is None:
            found = made[t] = rdflib_term(t)
        return found

    for q in quads:
        yield term(q.subject), term(q.predicate), term(q.object)  # type: ignore[misc]


def to_rdflib(source: pyoxigraph.Store | Path,
              fmt: pyoxigraph.RdfFormat = pyoxigraph.RdfFormat.TURTLE) -> Graph:
    """Every named graph of a database, or the triples of an RDF file (in
    ``fmt``; a build's Turtle, made without a database, or any graph file,
    read as ``kg.formats.parse_file`` reads it), merged into one rdflib
    graph, with the project's prefixes bound, and a file's own after them
    (pySHACL's report shows IRIs by the graph's prefixes, as the file did;
    Oxigraph tells no prefixes of RDF/XML's ``xmlns``, which rdflib bound)."""
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    files_prefixes: dict[str, str] = {}
    quads = (parse_file(source, fmt, files_prefixes) if isinstance(source, Path)
             else source.quads_for_pattern(None, None, None, None))
    add = graph.add
    for triple in rdflib_triples(quads):
        add(triple)
    for prefix, ns in files_prefixes.items():
        graph.bind(prefix, ns)
    return graph
