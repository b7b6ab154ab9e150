"""A graph's triples held for reading, indexed by subject and by predicate.

kg's page (``kg.viz``) asks a graph four things: the objects of a subject
and predicate, the subjects of a predicate (and object), the pairs of a
predicate, and the pairs of a subject. rdflib's in-memory store answers each
through generators over indexes kept per context, and fills them triple by
triple through its parser: at 1,000 synthetic articles (154,000 triples),
reading the graph into rdflib and asking it were most of ``kg viz``'s 11 s
and of the 10 s the page added to a build. ``TripleIndex`` keeps two plain
dicts instead, filled from Oxigraph's parser or a build's database, with
each distinct term made once and shared. Its terms are rdflib's (``URIRef``,
``Literal``, ``BNode``, as ``kg.dataset.to_rdflib`` makes them), so what
reads it reads an rdflib graph's terms.

Like an rdflib graph it holds a triple once however often it is added (the
same triple in two named graphs of a dataset), and its answers are lazy, one
per triple. Their order follows the order the triples came in, grouped by
subject or by predicate and object as the index holds them (the subjects of
a predicate come object by object); a caller that needs an order sorts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from types import MappingProxyType

import pyoxigraph
from rdflib import Graph
from rdflib.term import Node

from kg.dataset import rdflib_triples
from kg.formats import parse_file

Triple = tuple[Node, Node, Node]
# what a lookup of a term the index lacks finds: empty, and never to be filled
_NOTHING: MappingProxyType = MappingProxyType({})


class TripleIndex:
    """Triples by subject, predicate and object (``_spo``) and by predicate,
    object and subject (``_pos``): each innermost dict is an ordered set."""

    def __init__(self, triples: Iterable[Triple] = ()) -> None:
        self._spo: dict[Node, dict[Node, dict[Node, None]]] = {}
        self._pos: dict[Node, dict[Node, dict[Node, None]]] = {}
        self._count = 0
        for s, p, o in triples:
            self.add(s, p, o)

    @classmethod
    def of_graph(cls, graph: Graph) -> TripleIndex:
        """The triples of an rdflib graph."""
        return cls(graph.triples((None, None, None)))

    @classmethod
    def of_quads(cls, quads: Iterable[pyoxigraph.Quad | pyoxigraph.Triple]) -> TripleIndex:
        """Oxigraph's quads (or triples), their graphs merged, each distinct
        term made once (``kg.dataset.rdflib_triples``)."""
        return cls(rdflib_triples(quads))

    @classmethod
    def read(cls, source: pyoxigraph.Store | Path,
             format: pyoxigraph.RdfFormat = pyoxigraph.RdfFormat.TURTLE) -> TripleIndex:
        """Every named graph of a database, or the triples of an RDF file (in
        ``format``, read as ``kg.formats.parse_file`` reads it: a relative IRI
        against the file), merged. A file that does not parse raises
        Oxigraph's ``SyntaxError`` (or ``OSError``; a ``ValueError`` for a
        triple as a term, ``kg.dataset.rdflib_term``)."""
        if isinstance(source, Path):
            return cls.of_quads(parse_file(source, format))
        return cls.of_quads(source.quads_for_pattern(None, None, None, None))

    def add(self, s: Node, p: Node, o: Node) -> None:
        objects = self._spo.setdefault(s, {}).setdefault(p, {})
        if o not in objects:
            objects[o] = None
            self._pos.setdefault(p, {}).setdefault(o, {})[s] = None
            self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Triple]:
        return self.triples()

    def __contains__(self, pattern: tuple[Node | None, Node | None, Node | None]) -> bool:
        """Whether a triple matches ``(s, p, o)``, None matching any term (as
        ``(s, p, None) in graph`` asks an rdflib graph)."""
        return next(self.triples(*pattern), None) is not None

    def objects(self, subject: Node | None = None, predicate: Node | None = None
                ) -> Iterator[Node]:
        """The objects of the triples with this subject and predicate (either
        left out: any), one per triple. Given both, the answer iterates the
        index itself (asked hundreds of thousands of times while a page is
        drawn, a generator's frame was a tenth of the drawing): read it
        before adding to the index."""
        if subject is not None and predicate is not None:
            return iter(self._spo.get(subject, _NOTHING).get(predicate, _NOTHING))
        return (o for _, _, o in self.triples(subject, predicate, None))

    def subjects(self, predicate: Node | None = None, object: Node | None = None
                 ) -> Iterator[Node]:
        """The subjects of the triples with this predicate and object (either
        left out: any), one per triple; given both, the index itself, as
        ``objects``."""
        if predicate is not None and object is not None:
            return iter(self._pos.get(predicate, _NOTHING).get(object, _NOTHING))
        return (s for s, _, _ in self.triples(None, predicate, object))

    def subject_objects(self, predicate: Node) -> Iterator[tuple[Node, Node]]:
        """(subject, object) of every triple with this predicate."""
        for o, subjects in self._pos.get(predicate, {}).items():
            for s in subjects:
                yield s, o

    def predicate_objects(self, subject: Node) -> Iterator[tuple[Node, Node]]:
        """(predicate, object) of every triple with this subject."""
        for p, objects in self._spo.get(subject, {}).items():
            for o in objects:
                yield p, o

    def triples(self, s: Node | None = None, p: Node | None = None, o: Node | None = None
                ) -> Iterator[Triple]:
        """The triples that match the pattern (None: any term there)."""
        if s is not None:
            for pred, objects in self._spo.get(s, {}).items() if p is None else \
                    [(p, self._spo.get(s, {}).get(p, {}))]:
                for obj in objects if o is None else ([o] if o in objects else []):
                    yield s, pred, obj
            return
        for pred, by_object in self._pos.items() if p is None else \
                [(p, self._pos.get(p, {}))]:
            for obj, subjects in by_object.items() if o is None else \
                    [(o, by_object.get(o, {}))]:
                for subj in subjects:
                    yield subj, pred, obj
