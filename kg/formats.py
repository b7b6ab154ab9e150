"""RDF file formats told by a file's suffix: one table for every command that
reads a graph file (rdflib's ``guess_format`` names the format; Oxigraph's name
for it follows)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyoxigraph

# rdflib's format name -> pyoxigraph.RdfFormat attribute, for the formats both read
_OXIGRAPH = {"turtle": "TURTLE", "nt": "N_TRIPLES", "nquads": "N_QUADS", "trig": "TRIG",
             "json-ld": "JSON_LD", "xml": "RDF_XML", "n3": "N3"}
# what to tell a user who gave a file of no known RDF type
KNOWN_SUFFIXES = ".ttl, .nt, .nq, .trig, .jsonld, .rdf, .owl or .n3"


def rdflib_format(path: Path | str) -> str | None:
    """rdflib's name for the RDF format of ``path`` ("turtle", "nquads" ...),
    or None when its suffix names none that kg reads."""
    from rdflib.util import guess_format  # rdflib's import, a tenth of a second, when used

    fmt = guess_format(str(path))
    return fmt if fmt in _OXIGRAPH else None


def oxigraph_format(path: Path | str) -> pyoxigraph.RdfFormat | None:
    """The same format as Oxigraph names it, or None."""
    import pyoxigraph

    fmt = rdflib_format(path)
    return getattr(pyoxigraph.RdfFormat, _OXIGRAPH[fmt]) if fmt else None


__all__ = ["KNOWN_SUFFIXES", "oxigraph_format", "rdflib_format"]
