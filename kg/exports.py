"""Writing a build's graph: Turtle (the merged graph), N-Triples, N-Quads and
TriG (one named graph per article, for provenance) and JSON-LD.

Every format is written by Oxigraph's serialisers, which escape every string
for the format (no raw line breaks in short literals), and streamed: from the
build's Oxigraph database (``kg.dataset``), in the database's order, which
depends only on the quads; or, for a build's Turtle, N-Triples and N-Quads
(``STREAMED``), from the quads as the build makes them (``write_turtle``), in
their order, which depends only on the corpus. Either way the same graph
always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import pyoxigraph

from kg.atomic import open_atomic
from kg.dataset import passed_in_batches
from kg.vocab import PREFIXES

FORMATS = ("nt", "nq", "trig", "jsonld")
# the Turtle file names entities in full: "id:" would need "\/" in every local name
TURTLE_PREFIXES = {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items()) if prefix != "id"}
_DATASET_FORMATS = {"nq": pyoxigraph.RdfFormat.N_QUADS, "trig": pyoxigraph.RdfFormat.TRIG}
_LINE_FORMATS = {"nt": pyoxigraph.RdfFormat.N_TRIPLES, "nq": pyoxigraph.RdfFormat.N_QUADS}
_GRAPH_FORMATS = {"ttl": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES,
                  "jsonld": pyoxigraph.RdfFormat.JSON_LD}


def _merged(database: pyoxigraph.Store) -> Iterator[pyoxigraph.Triple]:
    """The triples of every named graph. Each subject lives in one graph (see
    ``kg.rdf``), so a subject's triples stay together for Turtle's grouping."""
    for q in database.quads_for_pattern(None, None, None, None):
        yield q.triple


def write_graph(database: pyoxigraph.Store, fmt: str, out: BinaryIO) -> None:
    """Serialise the database as ``fmt``: "ttl" or one of ``FORMATS``."""
    if fmt in _DATASET_FORMATS:
        prefixes = TURTLE_PREFIXES if fmt == "trig" else None
        database.dump(out, _DATASET_FORMATS[fmt], prefixes=prefixes)
    elif fmt in _GRAPH_FORMATS:
        prefixes = TURTLE_PREFIXES if fmt in ("ttl", "jsonld") else None
        pyoxigraph.serialize(_merged(database), out, _GRAPH_FORMATS[fmt], prefixes=prefixes)
    else:
        raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")


# the formats a build can write from its stream of quads, without a database:
# Turtle, and those of one quad or triple a line, written a batch at a time
STREAMED = ("ttl", "nt", "nq")
_LINE_BATCH = 10_000


def write_turtle(quads: Iterable[pyoxigraph.Quad], out: BinaryIO,
                 lines: dict[str, BinaryIO] | None = None) -> int:
    """Serialise a stream of quads as Turtle (their graphs merged) as they
    come, without a database, and say how many there were: each subject's
    quads must come together for Turtle to name it once, and each quad once,
    as ``kg.rdf.corpus_quads`` gives them. ``lines`` ("nt", "nq": an open
    file each) get the same quads as N-Triples or N-Quads, a batch at a time.
    A build writes its files so, while it fills its database
    (``kg.dataset.loading``) or instead of one."""
    written = 0

    def write_lines(batch: list[pyoxigraph.Quad]) -> None:
        for fmt, fh in (lines or {}).items():
            items = batch if fmt == "nq" else [q.triple for q in batch]
            pyoxigraph.serialize(items, fh, _LINE_FORMATS[fmt])

    def triples() -> Iterator[pyoxigraph.Triple]:
        nonlocal written
        for q in (passed_in_batches(quads, _LINE_BATCH, write_lines) if lines else quads):
            written += 1
            yield q.triple

    pyoxigraph.serialize(triples(), out, pyoxigraph.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)
    return written


def export(database: pyoxigraph.Store, fmt: str) -> bytes:
    """The database serialised as ``fmt``, in memory (small graphs, tests)."""
    import io

    buffer = io.BytesIO()
    write_graph(database, fmt, buffer)
    return buffer.getvalue()


def write_file(database: pyoxigraph.Store, fmt: str, path: Path) -> None:
    """Stream the database into ``path`` (atomically: see ``kg.atomic``)."""
    with open_atomic(path) as fh:
        write_graph(database, fmt, fh)
