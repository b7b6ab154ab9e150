"""What ``kg query`` reads in a query's own text: the variables it has, and
where its WHERE clause opens, so that ``--param NAME=VALUE`` can be checked
against the first and bound by a VALUES block placed in the second.

The text is read with the endpoint gate's lexer (``kg.sparql_guard.Lexer``:
strings, comments, IRIs, variables and brackets, in time linear in the text)
and in context, as Oxigraph reads it: a ``<`` right after an operand inside
an expression's brackets is less-than, even where what follows looks like
an IRI (``FILTER(?a<?b&&?c>?d)`` compares four variables). An expression's
bracket is one after a keyword or a function's name (``FILTER(``,
``regex(``), in a SELECT clause, or inside another; a collection's, a
VALUES row's or a triple term's is not, and there, as in triples, ``BASE``,
``FROM`` and ``GRAPH``, ``<...>`` is an IRI whatever it holds
(``?s a<http://x/ns#T>`` has no comment in it, ``<urn:x?y>`` no variable).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kg.sparql_guard import OPERAND_ENDS, Lexer, values_step

# what a bracket opens (``Token.scope``): an expression's, any other round
# bracket (a collection, a VALUES header, a triple term), a VALUES data block
# and one of its rows, a triple (``<<``), a group, a blank node's properties
_EXPRESSION, _ROUND, _DATA, _ROW, _TRIPLE = "E", "P", "V", "R", "T"


@dataclass(frozen=True)
class Token:
    """A significant token: its kind (the lexer's group names, and ``less``
    for a ``<`` read as less-than), its text, where it starts and ends,
    whether it stands outside every bracket (``top``), and, for an opening
    bracket, what it opens (``scope``)."""

    kind: str
    value: str
    start: int
    end: int
    top: bool
    scope: str = ""


def tokens(text: str) -> Iterator[Token]:
    """The query's significant tokens, in order (see the module docstring).
    Stops at an unterminated string, which Oxigraph refuses anyway."""
    lexer = Lexer(text)
    stack: list[str] = []
    values = 0  # where in a VALUES header (``values_step``)
    before = keyword = None  # the token before; the bare word before that one
    select_at: int | None = None  # in a SELECT clause begun at this depth
    pos = 0
    while (m := lexer.match(pos)).lastgroup not in ("end", "quote"):
        kind = m.lastgroup
        value, start, end = m.group(kind), m.start(kind), m.end()
        inner = stack[-1] if stack else ""
        operand_end = (before is not None and before.kind in OPERAND_ENDS
                       and before.value.lower() != "distinct")
        if kind in ("iri", "triple") and operand_end and inner == _EXPRESSION:
            kind, value, end = "less", "<", start + 1  # read on from just after it
        elif kind == "triple":
            value, end = "<<", start + 2
        if values:
            values = values_step(values, kind, value)
        word = value.upper() if kind == "name" and ":" not in value else ""
        if word.startswith("SELECT"):  # SELECTDISTINCT: keywords need no space
            select_at = len(stack)
        elif len(stack) == select_at and (word == "WHERE" or kind == "open" and value == "{"):
            select_at = None
        # a function called by name after FILTER, ORDER BY, GROUP BY or HAVING
        called = before is not None and before.kind in ("name", "iri") and keyword in _CALLERS
        scope = _scope(kind, value, inner, before, values, select_at is not None or called)
        if scope == _DATA:
            values = 0
        elif word == "VALUES":
            values = 1
        token = Token(kind, value, start, end, not stack, scope)
        yield token
        if scope:
            stack.append(scope)
        elif kind == "close" and stack or kind == "untriple" and inner == _TRIPLE:
            stack.pop()
        keyword = before.value.upper() if before is not None and before.kind == "name" else None
        before, pos = token, end


_CALLERS = frozenset({"FILTER", "BY", "HAVING"})


def _scope(kind: str, value: str, inner: str, before: Token | None, values: int,
           expression: bool) -> str:
    """What an opening bracket (or ``<<``) opens; "" for any other token.
    ``expression``: the bracket is in a SELECT clause, or calls a function."""
    if kind == "triple":
        return _TRIPLE
    if kind != "open":
        return ""
    if values == 4:
        return _DATA
    if value != "(":
        return value
    if inner == _DATA:
        return _ROW
    if values or inner in (_ROUND, _TRIPLE, "[") or before is not None \
            and before.kind == "triple":
        return _ROUND  # a VALUES header, a triple term, a collection in either
    after_word = (before is not None and before.kind == "name" and ":" not in before.value
                  and before.value != "a")  # FILTER(, regex(, COUNT(, BY (
    if inner == _EXPRESSION or after_word or expression or not inner:
        return _EXPRESSION
    return _ROUND  # a collection in a triple


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
        word = t.value.upper() if t.kind == "name" and ":" not in t.value else ""
        if word == "WHERE":
            if construct and not seen_where:
                return None  # CONSTRUCT WHERE { triples }
            seen_where = True
        elif word.startswith("CONSTRUCT"):  # CONSTRUCTFROM: keywords need no space
            if word.endswith("WHERE"):
                return None
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
    if first is None or first.kind != "name" or ":" in first.value \
            or not first.value.upper().startswith("SELECT"):
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


@dataclass
class _Subquery:
    """A subquery met while reading a WHERE clause: the brackets it stands in,
    what it selects (None for ``*``: all it binds), and the variables met at
    its own level."""

    level: int
    selects: set[str] | None
    seen: set[str]
    in_projection: bool = True


class _ClauseReader:
    """Reads a WHERE clause's tokens, one at a time, for ``where_variables``."""

    def __init__(self) -> None:
        self.frames = [_Subquery(0, None, set(), in_projection=False)]
        self.level = 0  # brackets open inside the clause
        self.bind_at: int | None = None  # inside a BIND( of the clause's own group
        self.bound_by_bind: set[str] = set()
        self.before: Token | None = None

    def read(self, t: Token) -> bool:
        """Take one token; False once the clause has closed."""
        frame = self.frames[-1]
        word = t.value.upper() if t.kind == "name" and ":" not in t.value else ""
        at_own_level = frame.in_projection and self.level == frame.level
        after_as = self.before is not None and self.before.value.upper() == "AS"
        if word.startswith("SELECT"):
            self.frames.append(_Subquery(self.level, set(), set()))
        elif at_own_level and (word == "WHERE" or t.kind == "open" and t.value == "{"):
            frame.in_projection = False
        elif at_own_level and t.kind == "punct" and "*" in t.value:
            frame.selects = None
        elif t.kind == "var" and frame.in_projection:
            if frame.selects is not None and (at_own_level or after_as):
                frame.selects.add(t.value[1:])  # ?v, or (... AS ?v): not what ... reads
        elif t.kind == "var":
            frame.seen.add(t.value[1:])
            if after_as and self.bind_at == self.level and len(self.frames) == 1:
                self.bound_by_bind.add(t.value[1:])
        if word == "BIND" and self.level == 0 and len(self.frames) == 1:
            self.bind_at = 1
        self.before = t
        if t.scope:
            self.level += 1
        elif t.kind in ("close", "untriple"):
            self.level -= 1  # below 0: the clause's own closing brace
            self.bind_at = None if self.level == 0 else self.bind_at
            self._end_subqueries()
        return self.level >= 0

    def _end_subqueries(self, every: bool = False) -> None:
        """Hand what each subquery that has closed selects to the one around it."""
        while len(self.frames) > 1 and (every or self.level < self.frames[-1].level):
            done = self.frames.pop()
            self.frames[-1].seen |= done.seen if done.selects is None else done.selects

    def variables(self) -> set[str]:
        self._end_subqueries(every=True)  # a clause never closed
        return self.frames[0].seen - self.bound_by_bind


def where_variables(text: str) -> set[str]:
    """The variables a VALUES block placed by ``with_params`` can bind: those
    of the query's WHERE clause outside its subqueries, and what each
    subquery selects (all it binds, for ``SELECT *``; for ``(... AS ?v)``,
    ``?v``). A variable only inside a subquery that does not select it, or
    only outside the clause (in the query's own SELECT clause, say), would be
    bound to nothing, and the query would answer for everything; one a BIND
    of the clause's own group sets cannot be bound before it (Oxigraph
    refuses the query). Where the block goes at the query's end, every
    variable of the query."""
    clause = where_clause(text)
    if clause is None:
        return query_variables(text)
    reader = _ClauseReader()
    for t in tokens(text):
        if t.start >= clause.opens and not reader.read(t):
            break
    return reader.variables()


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
