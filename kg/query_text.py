"""What ``kg query`` reads in a query's own text: the variables it has, and
where in its WHERE clause each ``--param NAME=VALUE`` goes (``param_places``,
``with_params``): a VALUES block opening the clause or a FILTER closing it,
or nowhere, and the parameter is refused.

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
from dataclasses import dataclass, field

from kg.sparql_guard import OPERAND_ENDS, Lexer, values_step

# what a bracket opens (``Token.scope``): an expression's, any other round
# bracket (a collection, a VALUES header, a triple term), a VALUES data block
# and one of its rows, a triple (``<<``), a group, a blank node's properties
_EXPRESSION, _ROUND, _DATA, _ROW, _TRIPLE = "E", "P", "V", "R", "T"
# the words after which a name and "(" call a function (FILTER xsd:boolean(...))
_CALLERS = frozenset({"FILTER", "BY", "HAVING"})


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
    """Just inside the brace that opens the query's WHERE clause, just before
    the one that closes it (None: never closed), and whether the clause is
    nothing but a subquery (a VALUES block then needs the subquery in braces
    of its own)."""

    opens: int
    closes: int | None
    one_subquery: bool = False


def _clause_start(toks: list[Token]) -> int | None:
    """Which token opens the query's WHERE clause: the first top-level brace
    after a top-level WHERE or, where the query leaves the keyword out, its
    first top-level group (a CONSTRUCT's second, after its template). Never
    a subquery's, an EXISTS's or a VALUES data block. None for a query with
    no such group (``DESCRIBE <x>``, or ``CONSTRUCT WHERE { ... }``, whose
    group holds triples only)."""
    seen_where = construct = False
    for i, t in enumerate(toks):
        if not t.top:
            continue
        word = _word(toks, i)
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
                return i
    return None


@dataclass
class _Bound:
    """Variables of a group, as a parameter given to the clause sees them,
    each with the place (token) of its first use of that kind."""

    always: dict[str, int] = field(default_factory=dict)  # bound in every row: triples...
    maybe: dict[str, int] = field(default_factory=dict)  # in some rows: an OPTIONAL's...
    reads: dict[str, int] = field(default_factory=dict)  # read by the clause's own filters
    unseen: dict[str, int] = field(default_factory=dict)  # not seen at its end: a MINUS's

    def first_other(self, name: str) -> float:
        """Where ``name`` is first used other than bound in every row."""
        return min(uses.get(name, float("inf")) for uses in (self.maybe, self.reads,
                                                                  self.unseen))


# the words before a group whose bindings are not in every row, or not seen outside it
_MAYBE_AFTER = frozenset({"OPTIONAL", "UNION"})
_UNSEEN_AFTER = frozenset({"MINUS", "EXISTS"})


class _ClauseGroups:
    """The WHERE clause's tokens, each bracket paired with its closing one,
    each group (``{``) told apart: joined with the clause (a plain group, a
    GRAPH's, a SERVICE's), a subquery, one whose bindings are not in every
    row (an OPTIONAL, a UNION's branch, a SERVICE SILENT, which gives a row
    that binds nothing when it fails), or one whose bindings are not seen
    outside it (a MINUS, an EXISTS)."""

    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.pair: dict[int, int] = {}
        self.end = len(toks)  # the clause's own closing brace
        stack: list[int] = []
        for i, t in enumerate(toks):
            if t.scope:
                stack.append(i)
            elif t.kind in ("close", "untriple"):
                if not stack:
                    self.end = i
                    break
                self.pair[stack.pop()] = i

    def kind(self, i: int) -> str:
        """"unseen", "maybe", "subquery" or "joined", for the group at ``i``."""
        j = self.pair.get(i, self.end)
        if _word(self.toks, i - 1) in _UNSEEN_AFTER:
            return "unseen"
        if _word(self.toks, i - 1) in _MAYBE_AFTER or _word(self.toks, j + 1) == "UNION" \
                or _word(self.toks, i - 2) == "SILENT":
            return "maybe"
        return "subquery" if _word(self.toks, i + 1).startswith("SELECT") else "joined"

    def variables(self, lo: int, hi: int) -> set[str]:
        return {t.value[1:] for t in self.toks[lo:hi] if t.kind == "var"}

    def group(self, lo: int, hi: int, out: _Bound, own: bool) -> None:
        """Read a group's tokens ``lo`` to ``hi`` into ``out``; ``own``: the
        clause's own group (a nested group's filters see nothing from outside
        it, so what they read is unseen)."""
        expression_depth, opened, bind_depth, i = 0, [], None, lo
        while i < hi:
            t = self.toks[i]
            if t.scope == "{":
                i = self._nested(i, hi, out)
                continue
            if t.kind == "var":
                name = t.value[1:]
                if bind_depth == len(opened) and _word(self.toks, i - 1) == "AS":
                    out.maybe.setdefault(name, i)  # BIND(... AS ?v): unbound where ... is
                elif not expression_depth:
                    out.always.setdefault(name, i)
                else:
                    (out.reads if own else out.unseen).setdefault(name, i)
            if _word(self.toks, i) == "BIND":
                bind_depth = len(opened) + 1
            elif _word(self.toks, i) == "VALUES" and self._has_undef(i, hi):
                for name in self._values_header(i, hi):  # UNDEF: a row without it
                    out.maybe.setdefault(name, i)
            if t.scope:
                opened.append(t.scope)
                expression_depth += t.scope == _EXPRESSION
            elif t.kind in ("close", "untriple") and opened:
                expression_depth -= opened.pop() == _EXPRESSION
            i += 1

    def _nested(self, i: int, hi: int, out: _Bound) -> int:
        """Read the group opened at ``i`` into ``out``; where to go on."""
        j = self.pair.get(i, hi)
        kind = self.kind(i)
        if kind == "joined":
            self.group(i + 1, j, out, own=False)
        elif kind == "subquery":
            self.subquery(i + 1, j, out)
        elif kind == "maybe":
            inner = _Bound()
            self.group(i + 1, j, inner, own=False)
            for name in inner.always.keys() | inner.maybe.keys():
                out.maybe.setdefault(name, i)
            for name in inner.unseen:
                out.unseen.setdefault(name, i)
        else:
            for name in self.variables(i + 1, j):
                out.unseen.setdefault(name, i)
        return j + 1

    def _data_block(self, values: int, hi: int) -> int | None:
        """Where the data block of the VALUES at ``values`` opens: the next
        bracket opened after its header's, if it is one."""
        k = self._next_opened(values, hi)
        if k is not None and self.toks[k].scope == _ROUND:  # VALUES (?a ?b) {...}
            k = self._next_opened(self.pair.get(k, hi), hi)
        return k if k is not None and self.toks[k].scope == _DATA else None

    def _next_opened(self, after: int, hi: int) -> int | None:
        return next((k for k in range(after + 1, hi) if self.toks[k].scope), None)

    def _has_undef(self, values: int, hi: int) -> bool:
        k = self._data_block(values, hi)
        return k is not None and any(_word(self.toks, m) == "UNDEF"
                                     for m in range(k + 1, self.pair.get(k, hi)))

    def _values_header(self, values: int, hi: int) -> set[str]:
        return self.variables(values + 1, self._data_block(values, hi) or values + 1)

    def subquery(self, lo: int, hi: int, out: _Bound) -> None:
        """Read a subquery (``SELECT`` at ``lo``): what it selects of what its
        group binds is bound for the clause (in every row, where its group
        binds it so); the rest of it is unseen."""
        selects: set[str] | None = set()
        inner = _Bound()
        depth, i = 0, lo + 1
        while i < hi:
            t = self.toks[i]
            if t.scope == "{" and depth == 0:  # its group
                self.group(i + 1, self.pair.get(i, hi), inner, own=False)
                break
            if t.scope == "{":  # an EXISTS in its SELECT clause
                i = self.pair.get(i, hi) + 1
                continue
            if t.kind == "var" and selects is not None and depth == 0:
                selects.add(t.value[1:])  # not (... AS ?v): unbound where ... is
            elif t.kind == "punct" and "*" in t.value and depth == 0:
                selects = None
            depth += 1 if t.scope else -1 if t.kind in ("close", "untriple") else 0
            i += 1
        bound = inner.always.keys() | inner.maybe.keys()
        exported = bound if selects is None else selects & bound
        for name in exported:
            every_row = name in inner.always and inner.first_other(name) > inner.always[name]
            (out.always if every_row else out.maybe).setdefault(name, lo)
        for name in self.variables(lo, hi) - exported:
            out.unseen.setdefault(name, lo)


def _word(toks: list[Token], i: int) -> str:
    """The bare word at ``i``, upper-cased; "" for anything else."""
    if 0 <= i < len(toks) and toks[i].kind == "name" and ":" not in toks[i].value:
        return toks[i].value.upper()
    return ""


# how a parameter is given to the query (``param_places``)
AT_START, AT_END = "values", "filter"


def param_places(text: str) -> dict[str, str]:
    """How each variable the query's WHERE clause can be given as a
    parameter is given it. ``AT_START``, a VALUES block opening the clause
    (Oxigraph starts from the value): a variable the clause binds in every
    row at its own level and that nothing else there reads first (its
    triples and VALUES, a plain group's, a GRAPH's or a SERVICE's, what a
    joined subquery selects of what it binds so), and a value only the
    clause's own filters and BINDs read. ``AT_END``, a FILTER closing the
    clause: a variable bound in some rows only (in an OPTIONAL, a UNION's
    branch, a SERVICE SILENT, a VALUES column with UNDEF, by a BIND or a
    subquery's ``(... AS ?v)``), or read by something else too (an OPTIONAL
    or a MINUS reading it before its binding would see it bound); the block
    would bind it in rows where it is not, and they would answer with the
    parameter's value pasted in. Absent, refused: a variable only inside a
    MINUS, an EXISTS or a subquery that does not select it, only read by a
    nested group's filters, or only outside the clause (in the query's own
    SELECT clause, say), which a parameter cannot reach. Where the block
    goes at the query's end (no WHERE clause of its own), every variable of
    the query, at the start."""
    return _read(text)[1]


def _read(text: str) -> tuple[WhereClause | None, dict[str, str]]:
    """The query's WHERE clause and ``param_places``, from one reading."""
    toks = list(tokens(text))
    at = _clause_start(toks)
    if at is None:
        return None, dict.fromkeys((t.value[1:] for t in toks if t.kind == "var"), AT_START)
    groups = _ClauseGroups(toks[at + 1:])
    clause = WhereClause(toks[at].end,
                         groups.toks[groups.end].start if groups.end < len(groups.toks) else None,
                         _word(groups.toks, 0).startswith("SELECT"))
    bound = _Bound()
    if clause.one_subquery:
        groups.subquery(0, groups.end, bound)
    else:
        groups.group(0, groups.end, bound, own=True)
    places = dict.fromkeys(bound.reads.keys() - bound.always.keys() - bound.maybe.keys()
                           - bound.unseen.keys(), AT_START)  # a value to compare with
    for name in bound.always.keys() | bound.maybe.keys():
        first = bound.always.get(name)
        places[name] = AT_START if first is not None and bound.first_other(name) > first \
            else AT_END
    return clause, places


def with_params(text: str, params: dict[str, str] | None) -> str:
    """The query with its parameters given (literals escaped, never spliced
    into the query's own text), each as ``param_places`` says: a VALUES
    block opening the query's WHERE clause (never a subquery's or an
    EXISTS's, where it would bind a variable the query does not see; not at
    the end either, where Virtuoso refuses a VALUES whose variables the query
    does not select), or a FILTER closing it. A query with no group of its
    own gets the block at its end."""
    if not params:
        return text
    clause, places = _read(text)
    start = {k: v for k, v in params.items() if places.get(k, AT_START) == AT_START}
    end = {k: v for k, v in params.items() if k not in start}
    block = (f" VALUES ({' '.join(f'?{k}' for k in start)}) "
             f"{{ ({' '.join(sparql_string(v) for v in start.values())}) }} ") if start else " "
    if clause is None:
        return f"{text}\n{block.strip()}"
    closes = len(text) if clause.closes is None else clause.closes
    body = text[clause.opens:closes]
    if clause.one_subquery:
        body = "{" + body + "} "
    if end:
        body += " FILTER(" + " && ".join(f"sameTerm(?{k}, {sparql_string(v)})"
                                         for k, v in end.items()) + ") "
    return text[: clause.opens] + block + body + text[closes:]


def sparql_string(value: str) -> str:
    """``value`` as a SPARQL string literal."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
    return f'"{escaped}"'
