"""Running SPARQL over a built graph: shipped query names, .rq files or inline text.

Common prefixes (schema:, kg:, id:, rdfs:, xsd:, owl:) are predeclared, and
results print as a readable table or as CSV / TSV / JSON.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, Variable
from rdflib.query import Result

from kg.gazetteer import ONTOLOGY_DIR
from kg.query_text import param_places, query_variables, with_params
from kg.vocab import PREFIXES

if TYPE_CHECKING:
    import pyoxigraph

QUERY_DIR = ONTOLOGY_DIR / "queries"
FORMATS = ("table", "csv", "tsv", "json")


class QueryError(Exception):
    """A query that cannot be found or parsed; the message says where and why."""


@dataclass(frozen=True)
class ShippedQuery:
    name: str
    path: Path
    description: str
    needs: tuple[str, ...] = ()  # the parameters it must be given (``needed_params``)


def shipped_queries() -> list[ShippedQuery]:
    out = []
    for path in sorted(QUERY_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        desc = " ".join(_description(text.splitlines()))
        out.append(ShippedQuery(path.stem, path, desc, tuple(needed_params(text))))
    return out


# how a query's opening comment shows how to run it, and a parameter it
# needs there: # Use: kg query entity --param "name=Ada Quill"
# "Use:", "One entity. Usage:", "- use :", "(Use: ...)"; not "how to use:" nor
# "for one year, use:"
_USE = re.compile(r"(?:^|[^\w\s,]\s*)(?:use|usage)\s*:", re.I)
_PARAM_IN_HEADER = re.compile(r"""--param(?:\s+|=)["']?[?$]?([A-Za-z_]\w*)=""")
_OPTIONAL = re.compile(r"\[[^\]]*\]")


def _use_text(text: str) -> str:
    """What a query's opening comment says after ``Use:`` (or ``Usage:``, in
    any case, at the start of a line or after a mark other than a comma: "how
    to use:" and "for one year, use:" are prose), on every such line: the
    rest of the line, and the lines after it while a line ends with a
    backslash or ``Use:`` ended its own."""
    lines = list(_description(text.splitlines()))
    said, i = [], 0
    while i < len(lines):
        use = _USE.search(lines[i])
        i += 1
        if use is None:
            continue
        parts = [lines[i - 1][use.end():].strip()]
        while i < len(lines) and (not parts[-1] or parts[-1].endswith("\\")):
            parts.append(lines[i])
            i += 1
        said.append(" ".join(p.rstrip("\\").strip() for p in parts).strip())
    return "; ".join(said)


def needed_params(text: str) -> list[str]:
    """The parameters a query's opening comment shows it run with, after
    ``Use:`` (``# Use: kg query entity --param "name=..."``): ``entity``
    given no name would answer for every entity of the graph, a million rows
    of a large one. A parameter shown there in brackets
    (``[--param "year=2020"]``), or elsewhere in the comment, is optional."""
    use = _OPTIONAL.sub(" ", _use_text(text))
    return sorted({m.group(1) for m in _PARAM_IN_HEADER.finditer(use)})


def check_params(text: str, params: Mapping[str, str]) -> None:
    """Refuse (``QueryError``) a parameter the query has no variable for, or
    one a parameter cannot reach (``param_places``), or one its opening
    comment needs and that is missing: each way the query would run unbound
    and answer for everything (a misspelt name included)."""
    missing = [name for name in needed_params(text) if name not in params]
    if missing:
        shown = " ".join(f'--param "{name}=..."' for name in missing)
        raise QueryError(f"this query needs {shown}: without it, it answers for everything "
                         f"(Use: {_use_text(text)})")
    variables = query_variables(text)
    try:
        places = param_places(text)
    except RecursionError:  # groups read one inside another, a thousand deep
        raise QueryError("--param: the query nests its groups too deeply to tell where a "
                         "parameter would go") from None
    for name in params:
        if name in places:
            continue
        has = (f"its variables: {', '.join('?' + v for v in sorted(variables))}"
               if variables else "it has none")
        if name not in variables:
            raise QueryError(f"--param {name}: the query has no variable ?{name} ({has})")
        raise QueryError(
            f"--param {name}: ?{name} is only inside a MINUS, an EXISTS or a subquery that "
            "does not select it, only read by a nested group's filters, or outside the "
            "query's WHERE clause, where kg gives no parameter "
            f"({'?' + ', ?'.join(sorted(places)) if places else 'no variable'} can be given)")


def _description(lines: list[str]) -> Iterator[str]:
    """The opening comment lines, up to a bare ``#``: what the query answers.
    Notes on how it is written for speed follow that line, for whoever reads
    the query, not for ``kg query --list``."""
    for line in lines:
        if not line.startswith("#") or not line[1:].strip():
            return
        yield line[1:].strip()


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


def _syntax_error(text: str, line: int, col: int, message: str) -> QueryError:
    lines = text.splitlines()
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    return QueryError(f"SPARQL syntax error at line {line}, column {col}: {message}\n"
                      f"  {src}\n  {' ' * max(col - 1, 0)}^")


@dataclass
class QueryOutput:
    """A query's answer, whatever ran it: rows for SELECT, a boolean for ASK,
    Turtle text for CONSTRUCT / DESCRIBE."""

    kind: str  # "select" | "ask" | "graph"
    columns: list[str]
    rows: list[list[str]]
    boolean: bool = False
    turtle: str = ""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Literal):
        if value.datatype is not None and str(value.datatype).endswith("#boolean"):
            return "true" if value.toPython() else "false"
        return str(value)
    return str(value)


def run_query(graph: Graph, text: str, params: dict[str, str] | None = None) -> QueryOutput:
    """Run SPARQL over an rdflib graph; ``params`` bind variables to literals
    (``?name`` = "Jane Roe"), so values never need splicing into query text.
    rdflib evaluates in Python: for a graph of any size, ask a build's
    database with ``run_database_query`` instead."""
    bindings = {Variable(k): Literal(v) for k, v in (params or {}).items()}
    try:
        result = graph.query(text, initNs=PREFIXES, initBindings=bindings)
    except Exception as exc:  # pyparsing's ParseException and friends
        loc = getattr(exc, "loc", None)
        if loc is not None:
            line, col = _position(text, loc)
            raise _syntax_error(text, line, col, getattr(exc, "msg", str(exc))) from None
        raise QueryError(f"query failed: {exc}") from None
    return _from_rdflib(result)


def _from_rdflib(result: Result) -> QueryOutput:
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        data = result.serialize(format="turtle")
        return QueryOutput("graph", [], [], turtle=data.decode("utf-8") if isinstance(
            data, bytes) else str(data))
    if result.type == "ASK":
        return QueryOutput("ask", [], [], boolean=bool(result.askAnswer))
    columns = [str(v) for v in result.vars]
    rows = [[_cell(row[i]) for i in range(len(columns))] for row in result]
    return QueryOutput("select", columns, rows)


def run_store_query(store_path: Path, text: str,
                    params: dict[str, str] | None = None) -> QueryOutput:
    """Run SPARQL over a kg store (its named graphs seen as one default graph)."""
    import pyoxigraph

    from kg.storedir import database_dir

    store = pyoxigraph.Store.read_only(str(database_dir(store_path)))
    return run_database_query(store, text, params)


def run_file_query(path: Path, text: str, params: dict[str, str] | None = None) -> QueryOutput:
    """Run SPARQL over an RDF file (format from its suffix), loaded into an
    in-memory Oxigraph store: parsing and evaluation are native code, many
    times faster than rdflib on a graph of real size. The named graphs of an
    N-Quads or TriG file are seen as one default graph."""
    import pyoxigraph

    if not path.is_file():
        raise QueryError(f"{path}: no such graph file (build one with 'kg build')")
    from kg.formats import READ_ERRORS, load_file, oxigraph_format, unreadable

    # a suffix that names no RDF format is read as Turtle, as kg validate does
    fmt = oxigraph_format(path) or pyoxigraph.RdfFormat.TURTLE
    store = pyoxigraph.Store()
    try:
        load_file(store, path, fmt)
    except READ_ERRORS as exc:
        raise QueryError(unreadable(path, fmt, exc)) from None
    return run_database_query(store, text, params)


def run_database_query(store: pyoxigraph.Store, text: str,
                       params: dict[str, str] | None = None) -> QueryOutput:
    """Run SPARQL over an open Oxigraph database (a build's ``result.database``,
    or a store's opened read-only), its named graphs seen as one default graph:
    what ``kg query`` does. From Python this is the fast way to ask the
    shipped queries: rdflib (``kg.build``'s graph, ``run_query``) evaluates them
    in Python, and joins some of them row by row."""
    import pyoxigraph

    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    text = with_params(text, params)
    try:
        result = store.query(text, prefixes=prefixes, use_default_graph_as_union=True)
    except SyntaxError as exc:
        m = re.match(r"error at (\d+):(\d+): (.*)", str(exc), re.S)
        if m:
            raise _syntax_error(text, int(m.group(1)), int(m.group(2)), m.group(3)) from None
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except OSError as exc:
        raise QueryError(f"query failed: {exc}") from None
    if isinstance(result, pyoxigraph.QueryBoolean):
        return QueryOutput("ask", [], [], boolean=bool(result))
    if isinstance(result, pyoxigraph.QueryTriples):
        data = pyoxigraph.serialize(result, format=pyoxigraph.RdfFormat.TURTLE)
        return QueryOutput("graph", [], [], turtle=data.decode("utf-8"))
    columns = [v.value for v in result.variables]
    rows = []
    for solution in result:
        rows.append([_ox_cell(solution[i]) for i in range(len(columns))])
    return QueryOutput("select", columns, rows)


def run_endpoint_query(endpoint: str, text: str, params: dict[str, str] | None = None,
                       auth=None, retries: int | None = None) -> QueryOutput:
    """Run SPARQL on a remote SPARQL 1.1 endpoint (see ``kg.endpoint``), with
    the same prefixes and parameters as a local query, and the same rows."""
    from kg.endpoint import RETRIES, EndpointError, json_rows, query_endpoint

    declared = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    try:
        answer = query_endpoint(endpoint, declared + with_params(text, params), auth=auth,
                                retries=RETRIES if retries is None else retries)
    except EndpointError as exc:
        raise QueryError(str(exc)) from None
    if isinstance(answer, str):
        return QueryOutput("graph", [], [], turtle=answer)
    kind, columns, rows, boolean = json_rows(answer)
    return QueryOutput(kind, columns, rows, boolean=boolean)


def _ox_cell(term) -> str:
    if term is None:
        return ""
    return f"_:{term.value}" if type(term).__name__ == "BlankNode" else term.value


def format_result(result: QueryOutput, fmt: str = "table") -> str:
    if result.kind == "graph":
        return result.turtle
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    columns, rows = result.columns, result.rows
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buf.getvalue()
    if fmt == "json":
        return json.dumps([dict(zip(columns, r, strict=True)) for r in rows], indent=2,
                          ensure_ascii=False) + "\n"
    # the table is for a terminal: cells from article text are escaped (a line
    # break or a control character would break the table, or drive the
    # terminal) and laid out by the columns their characters take
    from kg.terminal import fitted, terminal_text, width_of

    heads = [terminal_text(c) for c in columns]
    shown = [[c if c.isprintable() else terminal_text(c) for c in r] for r in rows]
    widths = [min(60, max([width_of(head)] + [width_of(r[i]) for r in shown]))
              for i, head in enumerate(heads)]

    def line(cells: list[str]) -> str:
        parts = []
        for text, w in zip(cells, widths, strict=True):
            n = width_of(text)
            parts.append(text + " " * (w - n) if n <= w else fitted(text, w - 1) + "…")
        return "  ".join(parts).rstrip()

    out = [line(heads), line(["-" * w for w in widths])] + [line(r) for r in shown]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
