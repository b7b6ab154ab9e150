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

from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph

from kg.gazetteer import ONTOLOGY_DIR

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"


def _turtle(path: Path) -> Graph:
    # Parsed afresh on every call: pyshacl adds a few triples to the shapes graph it
    # is given, so a cached graph would not stay the file's content.
    return Graph().parse(path, format="turtle")


def validate(graph: Graph, shapes: Path | None = None) -> tuple[bool, str]:
    """Validate ``graph`` against the kg SHACL shapes.

    ``shapes`` defaults to ``ontology/shapes.ttl`` (under ``KG_ONTOLOGY`` when that
    is set). Returns ``(conforms, report)``; ``report`` is pyshacl's text report,
    which names every failing focus node, path, value and message.
    """
    shapes_graph = _turtle(Path(shapes) if shapes is not None else SHAPES_FILE)
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
    )
    return bool(conforms), str(text)
