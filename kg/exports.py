"""Exports beyond Turtle: N-Triples, N-Quads and TriG (one named graph per
article, for provenance) and JSON-LD with a context of the project's prefixes."""

from __future__ import annotations

from rdflib import Graph

from kg.dataset import to_dataset
from kg.rdf import PREFIXES

FORMATS = ("nt", "nq", "trig", "jsonld")


def export(graph: Graph, fmt: str) -> bytes:
    """Serialise ``graph`` as ``fmt`` (one of ``FORMATS``), deterministically."""
    if fmt == "nt":
        lines = graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)
        return b"".join(sorted(lines))
    if fmt == "nq":
        data = to_dataset(graph).serialize(format="nquads", encoding="utf-8")
        return b"".join(sorted(data.splitlines(keepends=True)))
    if fmt == "trig":
        return to_dataset(graph).serialize(format="trig", encoding="utf-8")
    if fmt == "jsonld":
        context = {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}
        return graph.serialize(format="json-ld", context=context, indent=2, sort_keys=True,
                               encoding="utf-8")
    raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
