"""Refuse SPARQL queries that would hurt the endpoint, before Oxigraph sees them.

`kg serve` puts a small HTTP gate in front of Oxigraph's server, and the gate asks
:func:`check` about every query it forwards. Three things are refused:

* **SERVICE** (federated query), unless the server was started with
  ``--allow-service``: Oxigraph would fetch whatever URL the query names, from the
  server's own network (SSRF).
* **Deep nesting** (``{ { { ...``, ``(((...)))``, ``[ [ ...``, ``<< << ...``, ``!!!...``):
  Oxigraph's parser and evaluator recurse once per level, and a few thousand levels
  overflow the thread's stack and abort the whole server (SIGABRT).
* **Large queries**: a flat query also recurses once per operand of a long chain
  (``1+1+1...``, ``?a/?b/...`` paths, thousands of BINDs); the byte limit keeps
  those well below the depth that overflows the (enlarged) engine stack.

The check is a single linear-time lexical scan (regular expressions read through
``Lexer``, which keeps a long string that never closes from being scanned again at
every opener; no parser, no third-party imports), built to be *conservative*:
whatever Oxigraph could read as a SERVICE keyword or as a level of nesting, the scan
counts. That takes some care,
because Oxigraph's parser reads the text in context, and measurably so (0.5.13):

* keywords need no boundary: ``SERVICESILENT<u>{}``, ``trueSERVICE <u> {}`` (after an
  object) and ``service:x {}`` (SERVICE, then the prefixed name ``:x``) all federate;
  so any bare word containing "service" counts, and a prefixed name whose prefix
  contains it counts when ``{`` follows it (not after GRAPH, FROM or NAMED);
* ``<`` is the less-than operator after an operand inside an expression, even where
  the text that follows looks like an IRI: ``FILTER(?a<'>') ...`` compares with the
  string ``'>'``, and ``FILTER(?a<#>) ...`` is less-than followed by a comment. An
  IRI-shaped ``<...>`` in such a doubtful place is skipped as an IRI only when both
  readings agree (no ``#``, ``'`` or bracket inside); otherwise the query is refused
  with a message saying how to write it unambiguously. In VALUES rows, where no
  expression can appear, it is always an IRI.

Strings (all four quote forms, with backslash escapes) and ``#`` comments are
skipped; an unterminated string is refused outright (Oxigraph would reject it too),
so no text can hide behind one. Limits come from measurements on Oxigraph 0.5.13
(see ``kg/serve.py``): with Rust's default thread stack the server aborted at 2,208
nested ``{`` and at 9,344 ``!``; every shipped query in ``ontology/queries`` nests at
most 5 levels and is under 1 KB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.defaults import MAX_NESTING, MAX_QUERY_BYTES

SERVICE_REFUSED = ("SERVICE (federated query) is disabled on this endpoint; start kg serve "
                   "with --allow-service to enable it")


class QueryRefused(ValueError):
    """A query the endpoint will not run; ``reason`` is shown to the client (HTTP 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class QueryShape:
    """What the scan measured: size in UTF-8 bytes, the deepest nesting, and where the
    first SERVICE keyword is (1-based line and column), or None if there is none."""

    size: int
    nesting: int
    service: tuple[int, int] | None


# One significant token per match, with the whitespace and comments before it (also
# how kg.query_text reads a query for its variables and its WHERE clause); read a
# text's tokens through ``Lexer``, which keeps this linear. The alternatives are
# tried in order, as Oxigraph's PEG tries its own: a long string that never closes
# is retried as short ones. Possessive quantifiers keep each match linear.
# Punctuation that never ends an operand and never nests is glued into one token.
_TOKEN_SOURCE = r"""
    (?:[\ \t\r\n]+|\#[^\r\n]*)*+
    (?:
      (?P<name>[0-9A-Za-z_:%\u0080-\U0010ffff](?:[0-9A-Za-z_.:%\-\u0080-\U0010ffff]|\\\S)*(?<!\.))
    | (?P<var>[?$][0-9A-Za-z_\u0080-\U0010ffff]++)
    | (?P<iri><[^<>"{}|^`\x00-\x20]*+>)
    | (?P<open>[{(\[])
    | (?P<close>[})\]])
    | (?P<punct>[.;,*=+/|&@^~\-](?:[.;,*=+/|&@^~\-\ \t\r\n]|\#[^\r\n]*)*+)
    | (?P<string>
          LONG_STRINGS
          "(?:[^"\\\r\n]|\\[^\r\n])*+"
        | '(?:[^'\\\r\n]|\\[^\r\n])*+'
      )
    | (?P<quote>["'])
    | (?P<bang>!(?!=))
    | (?P<triple><(?=<))
    | (?P<untriple>>>)
    | (?P<other>.)
    | (?P<end>\Z)
    )
"""
_LONG_STRINGS = r"""
          \"\"\"(?:[^"\\]|\\.|"(?!""))*+\"\"\"
        | '''(?:[^'\\]|\\.|'(?!''))*+'''
        |"""
TOKEN = re.compile(_TOKEN_SOURCE.replace("LONG_STRINGS", _LONG_STRINGS), re.VERBOSE | re.DOTALL)
# the same without the long forms, for a long string known not to close
_TOKEN_WITHOUT_LONG = re.compile(_TOKEN_SOURCE.replace("LONG_STRINGS", ""),
                                 re.VERBOSE | re.DOTALL)
_GAP = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*+")


class Lexer:
    """``TOKEN``'s match at each position of one text, in time linear in the
    text. A long string that never closes is retried as short ones (as
    Oxigraph reads it); matched by the pattern alone, each such opener would
    first scan to the end of the text, and a query of them
    (``\\'''x'`` over and over: 56 KB) took the gate 4.7 s. So where a long
    string would close is found once for the text, right to left
    (``_long_closes``), and an opener that would not is matched without the
    long forms."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._closes: dict[str, bytearray] = {}

    def match(self, pos: int) -> re.Match[str]:
        """The token at ``pos`` (after any whitespace and comments): never None,
        since the pattern ends with any character and the end of the text."""
        start = _GAP.match(self.text, pos).end()
        opener = self.text[start:start + 3]
        pattern = TOKEN
        if opener in ('"""', "'''") and not self._long_closes(opener[0])[start + 3]:
            pattern = _TOKEN_WITHOUT_LONG
        m = pattern.match(self.text, pos)
        assert m is not None  # '.' or the end matches anywhere
        return m

    def _long_closes(self, quote: str) -> bytearray:
        if quote not in self._closes:
            self._closes[quote] = _long_closes(self.text, quote)
        return self._closes[quote]


def _long_closes(text: str, quote: str) -> bytearray:
    """``closes[i]``: whether a long string's body read from ``i`` reaches its
    closing quotes. The body is any character but the quote and a backslash,
    a backslash and the character after it, or the quote not followed by two
    more; so what follows ``i`` decides, and one pass from the end answers
    for every ``i`` (past the end: never)."""
    closes = bytearray(len(text) + 3)
    for i in range(len(text) - 1, -1, -1):
        if text[i] == "\\":
            closes[i] = closes[i + 2]
        elif text.startswith(quote * 3, i):
            closes[i] = 1
        else:
            closes[i] = closes[i + 1]
    return closes


# Characters that change how the rest of the text reads if a doubtful '<...>' is read
# as code (less-than) instead of as an IRI: comment and string starts, and brackets.
_READS_DIFFERENTLY = re.compile(r"[#'()\[\]]")
_BANG_RUN = re.compile(r"!+")
# Kinds on the bracket stack: '{', '(', '[' as written; 'V' a VALUES data block,
# 'R' one of its rows, 'T' a '<<' reified triple. Less-than can only be read inside
# '(' (every SPARQL expression is bracketed) or a triple term.
EXPRESSION_SCOPES = ("(", "T")
OPERAND_ENDS = frozenset({"name", "var", "iri", "close", "string", "untriple"})
_IRI_BEFORE_BRACE = frozenset({"GRAPH", "FROM", "NAMED"})


def _where(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of ``pos``, for messages."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _doubtful_iri(text: str, iri: str, pos: int) -> int:
    """A ``<...>`` that Oxigraph may read as less-than: refuse it if that reading would
    change how the rest of the text reads; else how deep its '!' runs nest as code."""
    body = iri[1:-1]
    if _READS_DIFFERENTLY.search(body):
        line, col = _where(text, pos)
        raise QueryRefused(
            f"'<' at line {line}, column {col} could start the IRI {iri} or be the "
            "less-than operator, and the two readings of the query differ; write "
            "less-than with a space after it (?a < ?b), or the IRI as a prefixed name")
    return max((len(run) for run in _BANG_RUN.findall(body)), default=0)


def values_step(state: int, kind: str, value: str) -> int:
    """Follow a ``VALUES ?x {`` / ``VALUES (?a ?b) {`` header: 1 after VALUES, 3 in its
    variable list, 2 before its '{'; 4 means that '{' opens the data block."""
    if state == 1 and kind == "var" or state == 3 and kind == "close" and value == ")":
        return 2
    if state == 1 and kind == "open" and value == "(" or state == 3 and kind == "var":
        return 3
    if state == 2 and kind == "open" and value == "{":
        return 4
    return 0


# One linear pass whose branches share the scanner's state (position, nesting, the
# token before, VALUES rows): split into functions, that state would travel
# between them and the security argument of the module docstring would be
# harder to check against the code.
def scan(query: str) -> QueryShape:  # noqa: C901, PLR0915
    """Measure ``query`` in one pass: size, deepest nesting, first SERVICE.

    Raises :class:`QueryRefused` for text that cannot be read safely: an unterminated
    string, or a '<' whose two possible readings differ (see the module docstring).
    """
    stack: list[str] = []
    deepest = bangs = values = 0
    service: int | None = None
    pending: int | None = None  # a 'service...:x' prefixed name: SERVICE if '{' follows
    pending_after = word = ""  # the bare word before it; the previous bare word
    operand_end = False  # the previous token can end an operand
    lexer, after = Lexer(query), 0
    while True:
        m = lexer.match(after)
        kind = m.lastgroup
        if kind == "end":  # only whitespace or comments were left
            break
        value, pos, after = m.group(kind), m.start(kind), m.end()
        if pending is not None:
            if kind == "open" and value == "{" and pending_after not in _IRI_BEFORE_BRACE:
                service = pending if service is None else service
            pending = None
        if values:
            values = values_step(values, kind, value)
        if kind == "name":
            low = value.lower()
            if ":" not in value:
                if "service" in low and service is None:  # SERVICESILENT, trueSERVICE ...
                    service = pos
                if low == "values":
                    values = 1
                operand_end = low != "distinct"
                word = value.upper()
            else:
                if "service" in low.split(":", 1)[0]:  # service:x { } is SERVICE :x { }
                    pending, pending_after = pos, word
                operand_end, word = True, ""
            bangs = 0
            continue
        if kind == "open":
            top = stack[-1] if stack else ""
            stack.append("V" if values == 4 else "R" if value == "(" and top == "V"
                         else value)
            values = 0 if values == 4 else values
            deepest = max(deepest, len(stack) + bangs)
        elif kind == "close":
            if stack:
                stack.pop()
        elif kind == "iri":
            top = stack[-1] if stack else ""
            adjacent = pos > 0 and query[pos - 1] == "<"  # '<<<iri>': '<<' then an IRI?
            if top != "R" and (adjacent or operand_end and top in EXPRESSION_SCOPES):
                deepest = max(deepest, len(stack) + bangs + _doubtful_iri(query, value, pos))
        elif kind == "bang":
            bangs += 1
            deepest = max(deepest, len(stack) + bangs)
        elif kind == "triple":
            stack.append("T")
            deepest = max(deepest, len(stack) + bangs)
        elif kind == "untriple":
            if stack and stack[-1] == "T":
                stack.pop()
        elif kind == "quote":
            if query[pos - 2:pos] == value * 2:  # '"""never closed' ends as '""' '"never...'
                pos -= 2
            line, col = _where(query, pos)
            raise QueryRefused(f"the query has an unterminated string starting at line "
                               f"{line}, column {col}")
        if kind not in ("open", "bang"):
            bangs = 0
        operand_end, word = kind in OPERAND_ENDS, ""
    where = _where(query, service) if service is not None else None
    return QueryShape(len(query.encode("utf-8", "surrogatepass")), deepest, where)


def check(query: str | bytes, *, allow_service: bool = False,
          max_bytes: int = MAX_QUERY_BYTES, max_nesting: int = MAX_NESTING) -> QueryShape:
    """The shape of ``query`` if the endpoint may run it; else :class:`QueryRefused`
    with the reason. Bytes are read as UTF-8 (undecodable bytes replaced), as Oxigraph
    reads them; the size limit applies to the bytes, before anything else is done."""
    if isinstance(query, bytes):
        size, text = len(query), query.decode("utf-8", "replace")
    else:
        size, text = len(query.encode("utf-8", "surrogatepass")), query
    if size > max_bytes:
        raise QueryRefused(f"the query is {size} bytes; the limit is {max_bytes}")
    shape = scan(text)
    if shape.nesting > max_nesting:
        raise QueryRefused(f"the query nests {shape.nesting} levels deep; the limit is "
                           f"{max_nesting}")
    if shape.service is not None and not allow_service:
        line, col = shape.service
        raise QueryRefused(f"{SERVICE_REFUSED} (SERVICE at line {line}, column {col})")
    return shape
