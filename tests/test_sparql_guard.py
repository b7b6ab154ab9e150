"""kg.sparql_guard: the lexical check `kg serve` runs on every query before Oxigraph.

Small hand-written queries for each case. Where the guard refuses something that
looks harmless (a prefixed name 'service:x' before '{', 'trueSERVICE'), the comment
says what Oxigraph 0.5.13 does with it, measured with pyoxigraph: its keywords need no
word boundary, so those do federate.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg import sparql_guard
from kg.sparql_guard import (
    MAX_NESTING,
    MAX_QUERY_BYTES,
    SERVICE_REFUSED,
    QueryRefused,
    check,
    scan,
)

QUERIES = Path(__file__).resolve().parent.parent / "ontology" / "queries"
FAR = "<http://192.0.2.1/sparql>"  # TEST-NET-1: never routed
PREFIXES = "PREFIX ex: <http://example.org/ns#>\n"


def service_at(query: str) -> tuple[int, int] | None:
    return scan(query).service


# --- SERVICE ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    f"SELECT * WHERE {{ SERVICE {FAR} {{ ?s ?p ?o }} }}",
    f"select * where {{ service {FAR} {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SeRvIcE {FAR} {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SERVICE SILENT {FAR} {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{SERVICE{FAR}{{?s ?p ?o}}}}",
    "SELECT * WHERE { BIND(<http://192.0.2.1/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    f"SELECT * WHERE {{ SERVICE # a comment between\n {FAR} {{ ?s ?p ?o }} }}",
    f"ASK {{ FILTER EXISTS {{ SERVICE {FAR} {{ ?s ?p ?o }} }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o .SERVICE {FAR} {{ ?a ?b ?c }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o.SERVICE {FAR} {{ ?a ?b ?c }} }}",
    # Oxigraph reads these as SERVICE too (no boundary after a keyword or a literal):
    f"SELECT * WHERE {{ SERVICESILENT{FAR} {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p trueSERVICE {FAR} {{ ?a ?b ?c }} }}",
    f"SELECT * WHERE {{ ?s ?p 1SERVICE {FAR} {{ ?a ?b ?c }} }}",
    f"SELECT * WHERE {{ ?s ?p \"x\"SERVICE {FAR} {{ ?a ?b ?c }} }}",
    # ... and 'service:x {' is SERVICE followed by the prefixed name ':x'.
    f"PREFIX : {FAR} SELECT * WHERE {{ service:x {{ ?s ?p ?o }} }}",
    f"PREFIX ex: {FAR} SELECT * WHERE {{ SERVICEex:x {{ ?s ?p ?o }} }}",
])
def test_service_is_found(query: str) -> None:
    assert service_at(query) is not None
    with pytest.raises(QueryRefused, match="SERVICE .federated query. is disabled") as exc:
        check(query)
    assert "--allow-service" in exc.value.reason
    assert check(query, allow_service=True).service == service_at(query)


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service ?p ?o }",
    "SELECT $service WHERE { $service ?p ?o }",
    "SELECT ?myservice ?service_id WHERE { ?myservice ?p ?service_id }",
    PREFIXES + "SELECT * WHERE { ?s ex:service ?o ; ex:myService ?x }",
    "PREFIX service: <http://example.org/service#> SELECT * WHERE { ?s service:x ?o }",
    "PREFIX service: <http://example.org/s#> SELECT * WHERE { GRAPH service:g { ?s ?p ?o } }",
    "SELECT * FROM NAMED <http://example.org/g> WHERE { ?s ?p 'SERVICE <http://x/> {}' }",
    'SELECT * WHERE { ?s ?p "a SERVICE in a string" }',
    "SELECT * WHERE { ?s ?p 'single SERVICE' }",
    'SELECT * WHERE { ?s ?p """long\nSERVICE <http://x/> { ?a ?b ?c }\n""" }',
    "SELECT * WHERE { ?s ?p '''long\nSERVICE <http://x/> { ?a ?b ?c }\n''' }",
    'SELECT * WHERE { ?s ?p "escaped \\" SERVICE <http://x/> { } \\"" }',
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> { ?a ?b ?c }",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    "SELECT * WHERE { ?s <http://example.org/service#x> ?o }",
])
def test_service_is_not_found_where_it_is_not_a_keyword(query: str) -> None:
    assert service_at(query) is None
    check(query)


def test_service_position_is_reported() -> None:
    query = f"SELECT * WHERE {{\n  ?s ?p ?o .\n  SERVICE {FAR} {{ ?a ?b ?c }}\n}}"
    assert service_at(query) == (3, 3)
    with pytest.raises(QueryRefused, match=r"line 3, column 3"):
        check(query)
    assert SERVICE_REFUSED.startswith("SERVICE (federated query) is disabled on this endpoint")


# --- '<': an IRI, or less-than ----------------------------------------------------------------

def test_less_than_followed_later_by_a_greater_than_is_not_an_iri() -> None:
    # '<' then text that contains '>' later: not an IRI (spaces), so the SERVICE counts.
    query = f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o < 3 && ?o > 1) SERVICE {FAR} {{ ?a ?b ?c }} }}"
    assert service_at(query) is not None
    query = f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<3) SERVICE {FAR} {{ ?a ?b ?c }} # > \n}}"
    assert service_at(query) is not None


def test_iri_shaped_comparison_without_quotes_or_comments_reads_the_same_both_ways() -> None:
    # '<?b&&?c>' looks like an IRI; read as less-than it changes nothing that follows.
    query = f"SELECT * WHERE {{ ?a ?b ?c FILTER(?a<?b&&?c>?a) SERVICE {FAR} {{ ?x ?y ?z }} }}"
    assert service_at(query) is not None
    assert check("SELECT * WHERE { ?a ?b ?c FILTER(?a<?b&&?c>?a) }").nesting == 2


@pytest.mark.parametrize("query", [
    # Oxigraph reads '<' after an operand in an expression as less-than, whatever follows:
    # here less-than the string '>', then a real SERVICE the IRI reading would hide.
    f"SELECT * WHERE {{ BIND(1 AS ?a) FILTER(?a<'>') SERVICE {FAR} {{ ?x ?y ?z }} # '\n}}",
    # ... and here less-than, then a comment: the '\"\"\"' is not a string for Oxigraph.
    f'SELECT * WHERE {{ BIND(1 AS ?a) FILTER(?a<#>) """\n'
    f' 1) SERVICE {FAR} {{ ?x ?y ?z }} # """\n}}',
    # Brackets in a doubtful IRI would nest for Oxigraph and not for an IRI reading.
    "SELECT * WHERE { FILTER(?a<?b&&((((?c>?d)))) }",
    # '<<' (a reified triple) then '<': an IRI, or less-than followed by one?
    "SELECT * WHERE { FILTER(?a<<http://example.org/#x>) }",
])
def test_a_doubtful_less_than_is_refused_when_the_readings_differ(query: str) -> None:
    with pytest.raises(QueryRefused, match="could start the IRI .* or be the less-than"):
        scan(query)


@pytest.mark.parametrize("query", [
    PREFIXES + "SELECT * WHERE { ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o = <http://example.org/ns#a>) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(<http://example.org/ns#a> != ?o) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o IN (<http://example.org/ns#a>, <urn:x:b#c>)) }",
    "SELECT (COUNT(DISTINCT <http://example.org/ns#a>) AS ?n) WHERE { }",
    "SELECT * WHERE { VALUES (?a ?b) { (<http://example.org/ns#a> <http://example.org/it's>) } }",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?o <http://example.org/fn#f>(?s)",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3) }",
])
def test_iris_with_hashes_where_no_less_than_can_be_are_fine(query: str) -> None:
    check(query)


# --- strings and comments ----------------------------------------------------------------------

@pytest.mark.parametrize(("query", "where"), [
    ("SELECT * WHERE { ?s ?p 'unclosed }", "line 1, column 24"),
    ('SELECT * WHERE { ?s ?p "unclosed }', "line 1, column 24"),
    ('SELECT * WHERE { ?s ?p "no newline\nin a short string" }', "line 1, column 24"),
    ('SELECT * WHERE {\n ?s ?p """never closed }', "line 2, column 8"),
    ("SELECT * WHERE { ?s ?p '''never closed }", "line 1, column 24"),
    ('SELECT * WHERE { ?s ?p "ends in an escape\\" }', "line 1, column 24"),
])
def test_unterminated_strings_are_refused(query: str, where: str) -> None:
    with pytest.raises(QueryRefused, match=f"unterminated string starting at {where}"):
        scan(query)


def test_quotes_inside_other_tokens_do_not_start_strings() -> None:
    query = ("SELECT * WHERE { ?s <http://example.org/it's> ?o ; ?p 'it''s' . # it's\n"
             "  ?o ?q \"\"\"a \"quoted\" \"\"word\"\" \"\"\" }")
    assert scan(query).nesting == 1


def test_empty_strings_and_long_strings_are_told_apart() -> None:
    assert scan('SELECT * WHERE { ?s ?p "" , \'\' }').service is None
    assert service_at(f'SELECT * WHERE {{ ?s ?p "" SERVICE {FAR} {{ }} }}') is not None
    assert service_at('SELECT * WHERE { ?s ?p """"quoted" SERVICE""" }') is None


# --- nesting -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "depth"), [
    ("SELECT * WHERE { ?s ?p ?o }", 1),
    ("SELECT * WHERE { { ?s ?p ?o } UNION { ?s ?p ?o } }", 2),
    ("SELECT * WHERE { ?s ?p [ ?q ( 1 2 ) ] }", 3),
    ("SELECT * WHERE { ?s ?p ?o FILTER((?o)) }", 3),
    ("SELECT * WHERE " + "{" * 7 + " ?s ?p ?o " + "}" * 7, 7),
    ("SELECT * WHERE { FILTER(" + "(" * 6 + "1" + ")" * 6 + ") }", 8),
    ("SELECT * WHERE { FILTER(!!!true) }", 5),  # unary '!' nests like a bracket
    ("SELECT * WHERE { FILTER(! ! !true) }", 5),
    ("SELECT * WHERE { FILTER(?a != ?b) }", 2),
    ("SELECT * WHERE { << << ?s ?p ?o >> ?q ?r >> ?t ?u }", 3),
    ("SELECT * WHERE { ?s ?p '{{{{((((' } # ((((", 1),  # not in strings or comments
    ("SELECT * WHERE { ?s <http://example.org/a(b)> ?o }", 1),  # nor in IRIs
    ("SELECT * } } } } WHERE { ?s ?p ?o }", 1),  # stray closers do not hide depth
])
def test_nesting_is_measured(query: str, depth: int) -> None:
    assert scan(query).nesting == depth


def test_deep_nesting_is_refused_with_its_depth() -> None:
    deep = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000
    with pytest.raises(QueryRefused, match="the query nests 5000 levels deep; the limit is 100"):
        check(deep)
    ok = "SELECT * WHERE " + "{" * MAX_NESTING + " ?s ?p ?o " + "}" * MAX_NESTING
    assert check(ok).nesting == MAX_NESTING
    with pytest.raises(QueryRefused, match="nests 101 levels"):
        check("SELECT * WHERE " + "{" * 101 + "}" * 101)
    assert check(deep, max_nesting=6000).nesting == 5000


@pytest.mark.parametrize("shape", [
    lambda n: "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    lambda n: "SELECT * WHERE { ?s ?p " + "[ ?q " * n + "1" + " ]" * n + " }",
    lambda n: "SELECT * WHERE { FILTER(" + "!" * n + "true) }",
    lambda n: "SELECT * WHERE { FILTER(" + "!(" * n + "true" + ")" * n + ") }",
])
def test_every_kind_of_nesting_is_refused(shape) -> None:
    with pytest.raises(QueryRefused, match="levels deep"):
        check(shape(3000))


# --- size -----------------------------------------------------------------------------------------

def test_size_is_checked_in_utf8_bytes_before_scanning() -> None:
    assert MAX_QUERY_BYTES >= 64 * 1024
    body = "SELECT * WHERE { ?s ?p 'x' }"
    assert check(body).size == len(body)
    big = "SELECT * WHERE { ?s ?p '" + "é" * MAX_QUERY_BYTES + "' }"  # 2 bytes a character
    with pytest.raises(QueryRefused, match=rf"the query is {len(big.encode())} bytes; "
                                           rf"the limit is {MAX_QUERY_BYTES}"):
        check(big)
    # Refused on size even though it would also fail the scan: the scan never ran.
    with pytest.raises(QueryRefused, match="bytes; the limit is 10"):
        check("SELECT 'unterminated", max_bytes=10)
    assert check(b"ASK { ?s ?p '\xc3\xa9' }").size == 18


def test_a_big_flat_query_is_scanned_in_linear_time() -> None:
    # 60,000 IRI-shaped '<...>' after operands: each is tried once, so this is quick;
    # a quadratic scan would take minutes. (No timing assert: it just has to finish.)
    query = "SELECT * WHERE { ?s ?p ?o FILTER(?o" + "<a" * 30_000 + ") }"
    assert scan(query).nesting == 2


def test_long_strings_that_never_close_are_not_scanned_again_and_again(monkeypatch) -> None:
    """``\\'''x'`` over and over: each ``'''`` opens a long string that never
    closes, and is read again as short ones. The full pattern scanned each to
    the end of the text first (4.7 s of the gate for 56 KB); the lexer hands
    such an opener to the pattern without the long forms."""
    full = []
    real = sparql_guard.TOKEN

    class Watched:
        def match(self, text, pos):
            full.append(pos)
            return real.match(text, pos)

    monkeypatch.setattr(sparql_guard, "TOKEN", Watched())
    query = "SELECT * { " + "\\'''x'\n" * 2_000 + "}"
    scan(query)
    opener = re.compile(r"\s*'''")
    assert full and not [pos for pos in full if opener.match(query, pos)]


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p '''a\\'''b''' }",  # an escaped quote inside
    "SELECT * { VALUES ?x { '''x' } }",  # never closes: '' then 'x'
    'SELECT * { ?s ?p """a"b""c""" . ?s ?q """x"y" }',
    "SELECT * { ?s ?p ''''' }",
    "ASK { ?s ?p '''\\\\''' }",  # an escaped backslash, then the closing quotes
    "ASK { ?s ?p '''\\''' }",  # the closing quotes escaped: never closes
    "ASK { ?s ?p '''ends with a backslash\\",
])
def test_the_lexer_reads_as_the_pattern_does(query: str) -> None:
    by_pattern = [(m.lastgroup, m.start(), m.end()) for m in sparql_guard.TOKEN.finditer(query)]
    lexer, pos, by_lexer = sparql_guard.Lexer(query), 0, []
    while True:
        m = lexer.match(pos)
        by_lexer.append((m.lastgroup, m.start(), m.end()))
        if m.lastgroup == "end":
            break
        pos = m.end()
    assert by_lexer == by_pattern


# --- the shipped queries --------------------------------------------------------------------------

def test_every_shipped_query_passes_with_a_wide_margin() -> None:
    files = sorted(QUERIES.glob("*.rq"))
    assert len(files) >= 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        shape = check(text)
        assert shape.service is None, path.name
        assert shape.nesting * 10 <= MAX_NESTING, (path.name, shape.nesting)
        assert shape.size * 10 <= MAX_QUERY_BYTES, (path.name, shape.size)
