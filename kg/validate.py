"""Check a graph against the SHACL shapes in ``ontology/shapes.ttl``.

The shapes state what every ``kg build`` graph looks like: a nomination has one
nominee and one ceremony, evidence offsets are ordered, handles have no "@",
confidences lie in [0, 1], and so on. A violation is a bug in the build (or in a
hand-edited graph), so ``kg validate`` exits non-zero on one.

pyshacl runs with inference ``"none"``: RDFS/OWL reasoning would add triples the
build never wrote (every ``kg:nominee`` would become a person, work *or*
organisation by its range, hiding a dangling link), and the check must see the
graph as written. The ontology is still passed as ``ont_graph``: pyshacl mixes
it into (a copy of) the data graph, so ``sh:class`` and ``sh:targetClass`` follow
the ``rdfs:subClassOf`` axioms declared in ``ontology/kg.ttl`` -- a
``schema:NewsMediaOrganization`` is a ``schema:Organization``, a
``kg:AwardCeremony`` a ``schema:Event`` -- and nothing else is inferred.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import rdflib.plugin
from pyshacl import validate as shacl_validate
from rdflib import Graph
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor

from kg.gazetteer import ONTOLOGY_DIR

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"


def _turtle(path: Path) -> Graph:
    # Parsed afresh on every call: pyshacl adds a few triples to the shapes graph it
    # is given, so a cached graph would not stay the file's content.
    return Graph().parse(path, format="turtle")


class ParsedOnceProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, parsing each distinct query text once.

    pyshacl checks a SPARQL-based constraint (three in the shapes: the award
    and acting shortcuts, an account's label) by running its query once for
    every focus node, the same text each time with ``$this`` bound, and
    rdflib parses a text on every call: on the graph of 100 synthetic
    articles, parsing was 85% of the 9 s ``kg validate`` took. A translated
    query is evaluated afresh with each call's bindings, as rdflib's own
    ``prepareQuery`` results are meant to be, so every result is the same."""

    translated: ClassVar[dict[tuple[str, str | None, tuple[tuple[str, Any], ...]], Query]] = {}

    def query(self, strOrQuery: str | Query,  # noqa: N803 - rdflib's names
              initBindings: Mapping[str, Any] | None = None,  # noqa: N803
              initNs: Mapping[str, Any] | None = None,  # noqa: N803
              base: str | None = None, DEBUG: bool = False) -> Mapping[str, Any]:  # noqa: N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            query = self.translated.get(key)
            if query is None:
                query = self.translated[key] = translateQuery(parseQuery(strOrQuery), base,
                                                              initNs)
            strOrQuery = query
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


# validations running now (threads of one process), and the processor before
# the first of them: rdflib's processor is one for the process
_parsing_once = threading.Lock()
_running: list[type[Processor]] = []


@contextlib.contextmanager
def sparql_parsed_once() -> Iterator[None]:
    """rdflib's queries run by ``ParsedOnceProcessor`` inside the block (its
    processor is looked up by name at each query, which is how pyshacl's
    calls reach it); the processor before, and an empty cache, once the last
    block running in the process ends."""
    with _parsing_once:
        if not _running:
            before = rdflib.plugin.get("sparql", Processor)
            rdflib.plugin.register("sparql", Processor, __name__, ParsedOnceProcessor.__name__)
        else:
            before = _running[0]
        _running.append(before)
    try:
        yield
    finally:
        with _parsing_once:
            _running.pop()
            if not _running:
                rdflib.plugin.register("sparql", Processor, before.__module__,
                                       before.__qualname__)
                ParsedOnceProcessor.translated.clear()


def validate(graph: Graph, shapes: Path | None = None, in_place: bool = False
             ) -> tuple[bool, str]:
    """Validate ``graph`` against the kg SHACL shapes.

    ``shapes`` defaults to ``ontology/shapes.ttl`` (under ``KG_ONTOLOGY`` when that
    is set). Returns ``(conforms, report)``; ``report`` is pyshacl's text report,
    which names every failing focus node, path, value and message.

    pyshacl mixes the ontology into a copy of ``graph``, which leaves the
    caller's graph as it was; with ``in_place`` (for a graph the caller drops
    afterwards, as ``kg validate`` does) it mixes it into ``graph`` itself:
    a graph's memory, and a tenth of the time, saved.
    """
    shapes_graph = _turtle(Path(shapes) if shapes is not None else SHAPES_FILE)
    with sparql_parsed_once():
        conforms, _results, text = shacl_validate(
            graph,
            shacl_graph=shapes_graph,
            ont_graph=_turtle(ONTOLOGY_FILE),
            inference="none",
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
            advanced=False,
            do_owl_imports=False,
            inplace=in_place,
        )
    return bool(conforms), str(text)
