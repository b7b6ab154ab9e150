"""Running SPARQL over a built graph: shipped query names, .rq files or inline text.

Common prefixes (schema:, kg:, id:, rdfs:, xsd:, owl:) are predeclared, and
results print as a readable table or as CSV / TSV / JSON.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.query import Result

from kg.gazetteer import ONTOLOGY_DIR
from kg.rdf import PREFIXES

QUERY_DIR = ONTOLOGY_DIR / "queries"
FORMATS = ("table", "csv", "tsv", "json")


class QueryError(Exception):
    """A query that cannot be found or parsed; the message says where and why."""


@dataclass(frozen=True)
class ShippedQuery:
    name: str
    path: Path
    description: str


def shipped_queries() -> list[ShippedQuery]:
    out = []
    for path in sorted(QUERY_DIR.glob("*.rq")):
        lines = path.read_text(encoding="utf-8").splitlines()
        desc = " ".join(line.lstrip("# ").strip() for line in lines if line.startswith("#"))
        out.append(ShippedQuery(path.stem, path, desc))
    return out


def load_query_text(spec: str) -> str:
    """A shipped query name, a path to a .rq file, or SPARQL text itself."""
    named = QUERY_DIR / f"{spec}.rq"
    if re.fullmatch(r"[\w-]+", spec) and named.exists():
        return named.read_text(encoding="utf-8")
    if spec.endswith(".rq") or (len(spec) < 300 and "\n" not in spec and Path(spec).is_file()):
        try:
            return Path(spec).read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"{spec}: cannot read query file ({exc.strerror})") from None
    if re.fullmatch(r"[\w-]+", spec):
        names = ", ".join(q.name for q in shipped_queries())
        raise QueryError(f"no shipped query named {spec!r}; available: {names}")
    return spec


def _position(text: str, loc: int) -> tuple[int, int]:
    line = text.count("\n", 0, loc) + 1
    col = loc - (text.rfind("\n", 0, loc) + 1) + 1
    return line, col


def run_query(graph: Graph, text: str) -> Result:
    try:
        return graph.query(text, initNs=PREFIXES)
    except Exception as exc:  # pyparsing's ParseException and friends
        loc = getattr(exc, "loc", None)
        if loc is not None:
            line, col = _position(text, loc)
            src = text.splitlines()[line - 1] if text.splitlines() else ""
            raise QueryError(
                f"SPARQL syntax error at line {line}, column {col}: {getattr(exc, 'msg', exc)}\n"
                f"  {src}\n  {' ' * (col - 1)}^"
            ) from None
        raise QueryError(f"query failed: {exc}") from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Literal):
        if value.datatype is not None and str(value.datatype).endswith("#boolean"):
            return "true" if value.toPython() else "false"
        return str(value)
    return str(value)


def format_result(result: Result, fmt: str = "table") -> str:
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return result.serialize(format="turtle").decode("utf-8")
    if result.type == "ASK":
        return ("true" if result.askAnswer else "false") + "\n"
    columns = [str(v) for v in result.vars]
    rows = [[_cell(row[i]) for i in range(len(columns))] for row in result]
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buf.getvalue()
    if fmt == "json":
        return json.dumps([dict(zip(columns, r, strict=True)) for r in rows], indent=2,
                          ensure_ascii=False) + "\n"
    widths = [min(60, max([len(c)] + [len(r[i]) for r in rows])) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        return "  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w)
                         for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
