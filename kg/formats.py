"""RDF files: their format, told by the suffix, and how Oxigraph reads them.

One table of formats for every command that reads a graph file (rdflib's
``guess_format`` names the format; Oxigraph's name for it follows), and one
way of reading a file with Oxigraph (``parse_file``, ``load_file``), so that
``kg query --graph``, ``kg serve``, ``kg push``, ``kg viz`` and
``kg validate`` read the same file alike: a relative IRI in it is resolved
against the file's own IRI, as rdflib's parser resolves it (Oxigraph refuses
one it has no base for); the formulas of an N3 file (``{ ... }``, a rule's
two sides), which Oxigraph gives as graphs named by blank nodes, are left
out, since what they say is quoted, not asserted; and a file that does not
read is told in the same words (``unreadable``). Oxigraph checks more than
rdflib did: an IRI with a space in it, or a JSON-LD context to be fetched
from the web (kg makes no request), makes a file unreadable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyoxigraph

# rdflib's format name -> pyoxigraph.RdfFormat attribute, for the formats both read
_OXIGRAPH = {"turtle": "TURTLE", "nt": "N_TRIPLES", "nquads": "N_QUADS", "trig": "TRIG",
             "json-ld": "JSON_LD", "xml": "RDF_XML", "n3": "N3"}
# what to tell a user who gave a file of no known RDF type
KNOWN_SUFFIXES = ".ttl, .nt, .nq, .trig, .jsonld, .rdf, .owl or .n3"
# what reading a file with Oxigraph raises for a file it cannot read: a parse
# error, a file that cannot be opened, and a term kg cannot hold (an RDF 1.2
# triple term, ``kg.dataset.rdflib_term``)
READ_ERRORS = (SyntaxError, OSError, ValueError)


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


def base_iri(path: Path) -> str:
    """The IRI a relative IRI in the file ``path`` stands against: the file's."""
    return Path(path).resolve().as_uri()


def parse_file(path: Path, fmt: pyoxigraph.RdfFormat,
               prefixes: dict[str, str] | None = None) -> Iterator[pyoxigraph.Quad]:
    """The quads of the file, streamed as Oxigraph parses them (a parse error
    is raised where it is met, one of ``READ_ERRORS``), an N3 file's formulas
    left out. ``prefixes``, when given, gets the file's prefixes once every
    quad is read (for a graph that shows its IRIs as the file did)."""
    import pyoxigraph

    parser = pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path))
    if fmt == pyoxigraph.RdfFormat.N3:
        yield from (q for q in parser if isinstance(q.graph_name, pyoxigraph.DefaultGraph))
    else:
        yield from parser
    if prefixes is not None:
        prefixes.update(parser.prefixes)


def load_file(store: pyoxigraph.Store, path: Path, fmt: pyoxigraph.RdfFormat) -> None:
    """The file bulk-loaded into ``store`` (one of ``READ_ERRORS`` if it
    does not read), an N3 file's formulas taken out again."""
    import pyoxigraph

    store.bulk_load(path=str(path), format=fmt, base_iri=base_iri(path))
    if fmt == pyoxigraph.RdfFormat.N3:
        for formula in [g for g in store.named_graphs() if isinstance(g, pyoxigraph.BlankNode)]:
            store.remove_graph(formula)


def unreadable(path: Path | str, fmt: pyoxigraph.RdfFormat, error: BaseException) -> str:
    """What to tell a user whose file did not read: the file, the format it
    was read as, and the reader's own words."""
    return f"{path}: not a readable {fmt.name} file ({error})"


__all__ = ["KNOWN_SUFFIXES", "READ_ERRORS", "base_iri", "load_file", "oxigraph_format",
           "parse_file", "rdflib_format", "unreadable"]
