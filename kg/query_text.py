"""What ``kg query`` reads in a query's own text: the variables it has, and
where its WHERE clause opens, so that ``--param NAME=VALUE`` can be checked
against the first and bound by a VALUES block placed in the second.

The text is read with the endpoint gate's lexer (``kg.sparql_guard.TOKEN``:
strings, comments, IRIs, variables and brackets), and in the same context,
as Oxigraph reads it: a ``<`` right after an operand inside an expression's
brackets is less-than, even where what follows looks like an IRI
(``FILTER(?a<?b&&?c>?d)`` compares four variables); everywhere else
(triples, ``BASE``, ``FROM``, ``GRAPH``, VALUES rows) ``<...>`` is an IRI,
whatever it holds (``?s a<http://x/ns#T>`` has no comment in it, and
``<http://x/find?lang=en>`` no variable). One pass, linear in the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kg.sparql_guard import EXPRESSION_SCOPES, OPERAND_ENDS, TOKEN, values_step


@dataclass(frozen=True)
class Token:
    """A significant token: its kind (``TOKEN``'s group names, and ``less``
    for a ``<`` read as less-than), its text, where it starts and ends, and
    whether it stands outside every bracket (``top``). ``scope`` is what an
    opening bracket opens: itself, or ``V`` for a VALUES data block and ``R``
    for one of its rows."""

    kind: str
    value: str
    start: int
    end: int
    top: bool
    scope: str = ""


def tokens(text: str) -> Iterator[Token]:
    """The query's significant tokens, in order (see the module docstring).
    Stops at an unterminated string, which Oxigraph refuses anyway."""
    stack: list[str] = []
    values = 0  # where in a VALUES header (``values_step``)
    operand_end = False  # the token before can end an operand
    pos = 0
    while (m := TOKEN.match(text, pos)) is not None and m.lastgroup not in ("end", "quote"):
        kind = m.lastgroup
        value, start, end = m.group(kind), m.start(kind), m.end()
        inner = stack[-1] if stack else ""
        if kind == "iri" and operand_end and inner in EXPRESSION_SCOPES:
            kind, value, end = "less", "<", start + 1  # read on from just after it
        if values:
            values = values_step(values, kind, value)
        scope = ""
        if kind == "open":
            scope = "V" if values == 4 else "R" if value == "(" and inner == "V" else value
            values = 0 if values == 4 else values
        elif kind == "name" and value.lower() == "values":
            values = 1
        yield Token(kind, value, start, end, not stack, scope)
        if scope:
            stack.append(scope)
        elif kind == "triple":
            stack.append("T")
        elif (kind == "close" or kind == "untriple" and inner == "T") and stack:
            stack.pop()
        operand_end = kind in OPERAND_ENDS and value.lower() != "distinct"
        pos = end


def query_variables(text: str) -> set[str]:
    """The variables a query names, outside its strings, IRIs and comments."""
    return {t.value[1:] for t in tokens(text) if t.kind == "var"}


@dataclass(frozen=True)
class WhereClause:
    """Just inside the brace that opens the query's WHERE clause, and, when
    the clause is nothing but a subquery, just before the brace that closes it
    (a VALUES block there needs the subquery in braces of its own)."""

    opens: int
    closes: int | None = None


def where_clause(text: str) -> WhereClause | None:
    """Where the query's WHERE clause opens: the first top-level brace after
    a top-level WHERE or, where the query leaves the keyword out, its first
    top-level group (a CONSTRUCT's second, after its template). Never a
    subquery's, an EXISTS's or a VALUES data block. None for a query with no
    such group (``DESCRIBE <x>``, or ``CONSTRUCT WHERE { ... }``, whose group
    holds triples only)."""
    seen_where = construct = False
    stream = tokens(text)
    for t in stream:
        if not t.top:
            continue
        word = t.value.upper() if t.kind == "name" else ""
        if word == "WHERE":
            if construct and not seen_where:
                return None  # CONSTRUCT WHERE { triples }
            seen_where = True
        elif word == "CONSTRUCT":
            construct = True
        elif t.kind == "open" and t.scope == "{":
            if construct and not seen_where:
                seen_where = True  # that was the template; the clause's group follows
            else:
                return _clause_from(t.end, stream)
    return None


def _clause_from(opens: int, rest: Iterator[Token]) -> WhereClause:
    """The clause opened just before ``opens``, its tokens ``rest``: with
    where it closes if it is nothing but a subquery."""
    first = next(rest, None)
    if first is None or first.kind != "name" or first.value.upper() != "SELECT":
        return WhereClause(opens)
    depth = 0
    for t in rest:
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            if depth == 0:
                return WhereClause(opens, t.start)
            depth -= 1
    return WhereClause(opens)  # never closed: Oxigraph will say so


def with_params(text: str, params: dict[str, str] | None) -> str:
    """The query with a VALUES block binding the parameters (literals escaped,
    never spliced into the query's own text). The block opens the query's
    WHERE clause (``where_clause``): inside a subquery or an EXISTS it would
    bind a variable the query does not see, and the query would answer for
    everything; at the end, Virtuoso refuses a VALUES whose variables the
    query does not select. A query with no group of its own gets the block
    at its end."""
    if not params:
        return text
    names = " ".join(f"?{k}" for k in params)
    values = " ".join(sparql_string(v) for v in params.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    clause = where_clause(text)
    if clause is None:
        return f"{text}\n{block.strip()}"
    if clause.closes is None:
        return text[: clause.opens] + block + text[clause.opens:]
    return (text[: clause.opens] + block + "{" + text[clause.opens : clause.closes] + "} "
            + text[clause.closes:])


def sparql_string(value: str) -> str:
    """``value`` as a SPARQL string literal."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
    return f'"{escaped}"'
