"""How ``kg query`` reads a query's own text for its parameters: which it
needs (shown after ``Use:`` in its opening comment), which variables it has
(outside strings, IRIs and comments, read in context as Oxigraph reads
them), and where the VALUES block binding them goes (``kg.query_text``)."""

from __future__ import annotations

import pyoxigraph
import pytest

from kg.query import QueryError, check_params, needed_params, run_file_query
from kg.query_text import AT_END, AT_START, param_places, query_variables, with_params


def test_a_parameter_shown_after_use_is_needed():
    text = '# One person.\n# Use: kg query person.rq --param "who=Ada Quill"\nSELECT ?who {}'
    assert needed_params(text) == ["who"]
    with pytest.raises(QueryError, match='needs --param "who=..."'):
        check_params(text, {})


def test_an_optional_parameter_shown_elsewhere_is_not_needed():
    text = ('# Use: kg query wins.rq --param "who=Ivo Marsh"\n'
            '# Add --param "year=2021" for one year only.\n'
            "SELECT ?who ?year { ?w ?p ?who ; ?q ?year }")
    assert needed_params(text) == ["who"]
    check_params(text, {"who": "Ivo Marsh"})  # no year: answers for every year


@pytest.mark.parametrize("comment", [
    '# Use: kg query who.rq \\\n#   --param "who=Ada Quill"',  # a wrapped Use line
    '# Use:\n#   kg query who.rq --param "who=Ada Quill"',  # the command on the next line
    '# Usage: kg query who.rq --param "who=Ada Quill"',
    '# Use: kg query who.rq --param "who=Ada Quill" [--param "year=2021"]',  # one optional
    '# - Use: kg query who.rq --param "who=Ada Quill"',
    '# One person (Use: kg query who.rq --param "who=Ada Quill")',
    '# Usage : kg query who.rq --param "who=Ada Quill"',
])
def test_how_a_use_line_may_be_written(comment):
    assert needed_params(comment + "\nSELECT ?who ?year {}") == ["who"]


def test_use_in_prose_is_no_use_line():
    assert needed_params('# Typical use: --param "who=Ada Quill"\nSELECT ?who {}') == []
    assert needed_params('# How to Use: --param "who=Ada Quill"\nSELECT ?who {}') == []
    assert needed_params('# Wins. For one year only, use: --param "year=2021"\n'
                         "SELECT ?year {}") == []


def test_every_use_line_counts_in_any_case():
    text = ('# Wins of one person in one year.\n# use: kg query w.rq --param "who=Ivo Marsh" \\\n'
            '#   --param "year=2021"\n# USAGE: kg query w.rq --param "award=Harbor Awards"\n'
            "SELECT * {}")
    assert needed_params(text) == ["award", "who", "year"]


def test_the_refusal_quotes_the_use_line():
    text = ('# Add --param "year=2021" for one year.\n'
            '# Use: kg query wins.rq --param "who=Ivo Marsh"\nSELECT ?who ?year {}')
    with pytest.raises(QueryError) as refused:
        check_params(text, {})
    assert str(refused.value).endswith('(Use: kg query wins.rq --param "who=Ivo Marsh")')


def test_parameters_after_the_opening_comment_are_not_read():
    text = '# Every win.\n#\n# Use: kg query wins.rq --param "who=Ivo Marsh"\nSELECT ?who {}'
    assert needed_params(text) == []


@pytest.mark.parametrize(("query", "variables"), [
    # in an expression, "<" right after an operand is less-than, as Oxigraph reads it
    ("SELECT * { ?a ?p ?d FILTER(?a<?b&&?c>?d) }", {"a", "b", "c", "d", "p"}),
    ("SELECT * { ?s ?p ?n FILTER(?n<2&&?m>1) }", {"s", "p", "n", "m"}),
    ("SELECT * { ?s ?p ?n FILTER((?n)<?k&&?s>?n) }", {"s", "p", "n", "k"}),
    ("SELECT * { ?s ?p ?n FILTER(?n <?k&&?s> 1) }", {"s", "p", "n", "k"}),
    ('SELECT * { ?s ?p ?n FILTER("x"<?s||?k>"y") }', {"s", "p", "n", "k"}),
    # elsewhere "<...>" is an IRI, right after a word, a variable, a bracket or not:
    # a "#" in it starts no comment, a "?" in it no variable
    ("SELECT ?s WHERE { ?s a<http://x/ns#T> ; ex:name ?name }", {"s", "name"}),
    ("SELECT * WHERE { ?s<http://x/ns#name>?name }", {"s", "name"}),
    ("SELECT * WHERE { []<http://x/ns#name> ?name }", {"name"}),
    ("SELECT * WHERE { GRAPH<urn:g#1> { ?s ?p ?name } }", {"s", "p", "name"}),
    ("BASE<http://x/ns#> SELECT ?name WHERE { ?s <p> ?name }", {"s", "name"}),
    ("SELECT * WHERE { ?s ex:page<http://x/find?lang=en> ; ?p ?o }", {"s", "p", "o"}),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o IN (<urn:a>, <urn:b?c>)) }", {"s", "p", "o"}),
    ("SELECT * WHERE { VALUES (?s ?o) { (<urn:a> <urn:b?c>) } ?s ?p ?o }", {"s", "p", "o"}),
    # nor in a triple term, a reified triple or a collection, whose brackets hold terms
    ("SELECT * { << ?s <http://x/ns#p> ?o >> <urn:q> ?x . ?x <urn:r> ?name }",
     {"s", "o", "x", "name"}),
    ("SELECT * { ?a <urn:q> <<( ?s a <http://x/ns#T> )>> . ?a <urn:r> ?name }",
     {"a", "s", "name"}),
    ("SELECT * { ?s <urn:p> (?x <http://x/ns#y>) . ?s <urn:q> ?name }", {"s", "x", "name"}),
    ("SELECT * { << ?s <http://x/find?who=1> ?o >> ?p ?q }", {"s", "o", "p", "q"}),
    ("SELECT * { <<<urn:s> <urn:p> <urn:o>>> <urn:q> ?x .\n ?x <http://x/ns#n> ?name }",
     {"x", "name"}),
    # a collection inside a collection, after a literal, is still one
    ("SELECT ?s { ?s <urn:list> (1 (<urn:a> <urn:b?lang=en>)) . ?s <urn:n> ?name }",
     {"s", "name"}),
    # a function called by name right after FILTER reads an expression
    ('SELECT ?e { ?e <urn:n> ?n FILTER xsd:boolean(?n<?lim&&?n>"a") }', {"e", "n", "lim"}),
    # a bracket in a SELECT clause after an EXISTS's group is still an expression
    ("SELECT ?e (EXISTS { ?e ?p ?o } AS ?h) (?n<?a&&?b>0 AS ?ok) { ?e ?q ?n }",
     {"e", "p", "o", "h", "n", "a", "b", "ok", "q"}),
    # "<<" after an operand in an expression is less-than, then an IRI
    ("SELECT * { ?s ?p ?a FILTER(?a<<urn:x>)\n ?s <http://x/ns#name> ?name }",
     {"s", "p", "a", "name"}),
    # strings and comments hide what looks like a variable
    ('SELECT ?n { ?s <urn:x?hidden> ?n FILTER(?n != "?quoted") } # ?commented',
     {"n", "s"}),
    ("SELECT ?n { ?s <http://example.org/a?b=1&&c=2> ?n }", {"n", "s"}),
])
def test_query_variables(query, variables):
    assert query_variables(query) == variables


def test_a_parameter_compared_without_spaces_is_accepted_and_bound():
    text = "SELECT ?a { ?a ?p ?b FILTER(?a<?limit&&?b>?a) }"
    check_params(text, {"limit": "Ada"})
    bound = with_params(text, {"limit": "Ada"})
    assert bound.startswith('SELECT ?a { VALUES (?limit) { ("Ada") } ')


BLOCK = 'VALUES (?name) { ("Ada Quill") }'


@pytest.mark.parametrize(("query", "bound"), [
    # a subquery's WHERE is not the query's: the block opens the outer group
    ("SELECT ?e { { SELECT ?e WHERE { ?e a ?t } } ?e ?p ?name }",
     "SELECT ?e { " + BLOCK + "  { SELECT ?e WHERE { ?e a ?t } } ?e ?p ?name }"),
    ("SELECT ?e WHERE { { SELECT ?e WHERE { ?e a ?t } } ?e ?p ?name }",
     "SELECT ?e WHERE { " + BLOCK + "  { SELECT ?e WHERE { ?e a ?t } } ?e ?p ?name }"),
    # nor an EXISTS's, in the projection or in a FILTER
    ("SELECT ?s (EXISTS { ?s a ?t } AS ?e) { ?s ?p ?name }",
     "SELECT ?s (EXISTS { ?s a ?t } AS ?e) { " + BLOCK + "  ?s ?p ?name }"),
    ("SELECT ?s (EXISTS { ?s a<http://x/ns#T> } AS ?t) WHERE { ?s ?p ?name }",
     "SELECT ?s (EXISTS { ?s a<http://x/ns#T> } AS ?t) WHERE { " + BLOCK + "  ?s ?p ?name }"),
    ("SELECT ?s { FILTER NOT EXISTS { SELECT ?s WHERE { ?s a ?t } } ?s ?p ?name }",
     "SELECT ?s { " + BLOCK + "  FILTER NOT EXISTS { SELECT ?s WHERE { ?s a ?t } } "
     "?s ?p ?name }"),
    # a WHERE clause that is nothing but a subquery: the subquery goes in braces
    ("SELECT ?name WHERE { SELECT ?name WHERE { ?s ?p ?name } }",
     "SELECT ?name WHERE { " + BLOCK + " { SELECT ?name WHERE { ?s ?p ?name } } }"),
    # keywords need no space between them
    ("SELECT ?e WHERE { SELECTDISTINCT ?e WHERE { ?e ?p ?name } }",
     "SELECT ?e WHERE { " + BLOCK + " { SELECTDISTINCT ?e WHERE { ?e ?p ?name } } }"),
    ("CONSTRUCTFROM<urn:g>WHERE{?s ?p ?name}", "CONSTRUCTFROM<urn:g>WHERE{?s ?p ?name}\n"
     + BLOCK),
    # a prefix called "construct" or "select" is no keyword either
    ("PREFIX construct: <urn:c#> SELECT * { ?s construct:p ?name }",
     "PREFIX construct: <urn:c#> SELECT * { " + BLOCK + "  ?s construct:p ?name }"),
    # a variable or a prefixed name called "where" is no keyword
    ("SELECT ?where { ?s ex:where ?name }", "SELECT ?where { " + BLOCK + "  ?s ex:where ?name }"),
    # a CONSTRUCT's template comes before its WHERE clause, keyword or not
    ("CONSTRUCT { ?s ?p ?name } WHERE { ?s ?p ?name }",
     "CONSTRUCT { ?s ?p ?name } WHERE { " + BLOCK + "  ?s ?p ?name }"),
    ("CONSTRUCT { ?s ?p ?name } { ?s ?p ?name }",
     "CONSTRUCT { ?s ?p ?name } { " + BLOCK + "  ?s ?p ?name }"),
    ("CONSTRUCT { ?s a<http://x/ns#T> }\nWHERE { ?s ?p ?name }",
     "CONSTRUCT { ?s a<http://x/ns#T> }\nWHERE { " + BLOCK + "  ?s ?p ?name }"),
    # the short CONSTRUCT holds triples only: the block goes at the end
    ("CONSTRUCT WHERE { ?s ?p ?name }", "CONSTRUCT WHERE { ?s ?p ?name }\n" + BLOCK),
    ("CONSTRUCTWHERE { ?s ?p ?name }", "CONSTRUCTWHERE { ?s ?p ?name }\n" + BLOCK),
    ("CONSTRUCT { << ?s <http://x/ns#p> ?o >> <urn:q> ?x }\nWHERE { ?s ?p ?name }",
     "CONSTRUCT { << ?s <http://x/ns#p> ?o >> <urn:q> ?x }\nWHERE { " + BLOCK
     + "  ?s ?p ?name }"),
    # a clause that is one subquery, with groups and modifiers of its own
    ("SELECT ?name WHERE { SELECT ?name WHERE { ?s ?p ?o OPTIONAL { ?s ?q ?name } } "
     "LIMIT 5 }",
     'SELECT ?name WHERE { { SELECT ?name WHERE { ?s ?p ?o OPTIONAL { ?s ?q ?name } } '
     'LIMIT 5 }  FILTER(sameTerm(?name, "Ada Quill")) }'),
    # braces and keywords in strings and comments are neither
    ('SELECT * WHERE { ?s ?p "} WHERE {" . ?s ?q ?name } # WHERE {',
     'SELECT * WHERE { ' + BLOCK + '  ?s ?p "} WHERE {" . ?s ?q ?name } # WHERE {'),
    # no group of its own: at the end
    ("DESCRIBE ?name", "DESCRIBE ?name\n" + BLOCK),
])
def test_the_values_block_opens_the_where_clause(query, bound):
    assert with_params(query, {"name": "Ada Quill"}) == bound
    pyoxigraph.Store().query(bound, prefixes={"ex": "http://example.org/"})  # it parses


def test_a_parameter_beside_a_subquery_narrows_the_answer(tmp_path):
    """Through Oxigraph, as ``kg query`` runs it: the parameter binds the
    outer ``?name``, so only its entity is answered."""
    graph = tmp_path / "people.ttl"
    graph.write_text('@prefix schema: <https://schema.org/> .\n'
                     '<urn:ada> a schema:Person ; schema:name "Ada Quill" .\n'
                     '<urn:ivo> a schema:Person ; schema:name "Ivo Marsh" .\n')
    text = ("SELECT ?e { { SELECT ?e WHERE { ?e a schema:Person } } "
            "?e schema:name ?name }")
    everyone = run_file_query(graph, text)
    assert sorted(row[0] for row in everyone.rows) == ["urn:ada", "urn:ivo"]
    one = run_file_query(graph, text, {"name": "Ivo Marsh"})
    assert one.rows == [["urn:ivo"]]
    # a WHERE clause that is one subquery, and a comparison written without spaces
    whole = "SELECT ?e WHERE { SELECT ?e ?name WHERE { ?e schema:name ?name } }"
    assert run_file_query(graph, whole, {"name": "Ada Quill"}).rows == [["urn:ada"]]
    below = "SELECT ?e { ?e schema:name ?n FILTER(?n<?limit) }"
    assert run_file_query(graph, below, {"limit": "Ivo"}).rows == [["urn:ada"]]


S, E = AT_START, AT_END  # a VALUES block opening the clause; a FILTER closing it


@pytest.mark.parametrize(("query", "places"), [
    # the clause's own triples, a plain group's, a GRAPH's: always bound, at the start
    ("SELECT * { ?s <urn:n> ?name }", {"s": S, "name": S}),
    ("SELECT * { GRAPH ?g { ?s <urn:n> ?name } }", {"g": S, "s": S, "name": S}),
    ("SELECT * { { ?s <urn:n> ?name } ?s a ?t }", {"s": S, "name": S, "t": S}),
    # a value only the clause's own filters read: given at the start, to compare with
    ("SELECT ?s { ?s <urn:n> ?n FILTER(CONTAINS(?n, ?part)) }", {"s": S, "n": S, "part": S}),
    # bound in some rows only: an OPTIONAL, a UNION's branch, a SERVICE SILENT, UNDEF, a
    # BIND: at the end, or rows without it would answer with the value pasted in
    ("SELECT ?e ?name { ?e a ?t OPTIONAL { ?e <urn:n> ?name } }", {"e": S, "t": S, "name": E}),
    ("SELECT * { { ?s <urn:n> ?name } UNION { ?s <urn:a> ?age } }",
     {"s": E, "name": E, "age": E}),
    ("SELECT * { ?s ?p ?o SERVICE SILENT <urn:far> { ?s <urn:n> ?name } }",
     {"s": S, "p": S, "o": S, "name": E}),
    ('SELECT * { ?s ?p ?o VALUES ?v { UNDEF "x" } }', {"s": S, "p": S, "o": S, "v": E}),
    ('SELECT * { ?s ?p ?o VALUES (?v ?w) { ("x" "y") } }',
     {"s": S, "p": S, "o": S, "v": S, "w": S}),
    ('SELECT * { VALUES (?s ?c) { (<urn:a> "X") (<urn:b> UNDEF) } ?s <urn:n> ?n }',
     {"s": E, "c": E, "n": S}),  # (a column with UNDEF, or beside one: at the end)
    ("SELECT ?e { ?e <urn:n> ?n BIND(?n AS ?x) }", {"e": S, "n": S, "x": E}),
    ("SELECT * { ?n a ?t OPTIONAL { ?n <urn:c> ?category } BIND(STR(?category) AS ?k) }",
     {"n": S, "t": S, "category": E, "k": E}),
    # used by an OPTIONAL or a MINUS before its binding: at the end, or they would see it
    # bound (used after it, at the start: they see it bound either way)
    ("SELECT * { ?s <urn:a> ?o OPTIONAL { ?s <urn:b> ?x } ?s <urn:c> ?x }",
     {"s": S, "o": S, "x": E}),
    ("SELECT * { ?s <urn:a> ?o MINUS { ?s <urn:b> ?x } ?s <urn:c> ?x }",
     {"s": S, "o": S, "x": E}),
    # only inside a MINUS, an EXISTS, a nested group's filter or a subquery that does not
    # select it, or outside the clause: a parameter cannot reach it
    ("SELECT ?s { ?s a ?t MINUS { ?s <urn:n> ?n FILTER(?n = ?exclude) } }", {"s": S, "t": S}),
    ("SELECT * { ?s ?p ?o FILTER EXISTS { ?s ?q ?name } }", {"s": S, "p": S, "o": S}),
    ("SELECT ?e { ?e <urn:n> ?n { BIND(?zz AS ?x) } }", {"e": S, "n": S, "x": E}),
    ("SELECT ?e WHERE { SELECT ?e WHERE { ?e <urn:n> ?name } }", {"e": S}),
    ("SELECT ?name WHERE { ?s ?p ?o }", {"s": S, "p": S, "o": S}),
    # a subquery: what it selects of what it binds, as its group binds it
    ("SELECT ?e WHERE { SELECT * WHERE { ?e <urn:n> ?name } }", {"e": S, "name": S}),
    ("SELECT ?e { { SELECT ?e (COUNT(*) AS ?n) WHERE { ?e ?q ?z } GROUP BY ?e } ?e ?p ?o }",
     {"e": S, "p": S, "o": S}),
    ("SELECT ?e { SELECT ?e (SAMPLE(?name) AS ?nm) WHERE { ?e <urn:n> ?name } GROUP BY ?e }",
     {"e": S}),
    ("SELECT ?e { { SELECTDISTINCT ?e WHERE { ?e <urn:n> ?name } } }", {"e": S}),
    ("SELECT * { ?s <urn:a> ?o { SELECT ?s ?x WHERE { ?s <urn:a> ?o VALUES ?x { UNDEF } } } }",
     {"s": S, "o": S, "x": E}),
    ("SELECT ?s { { SELECT * WHERE { ?s a ?t MINUS { ?s <urn:n> ?name } } } }",
     {"s": S, "t": S}),
    # a block at the query's end sees every variable
    ("DESCRIBE ?x", {"x": S}),
])
def test_where_each_parameter_goes(query, places):
    assert param_places(query) == places


GRAPH = """@prefix : <urn:> .
:ada :a 1 ; :name "Ada Quill" ; :c "V" .
:ivo :a 2 ; :name "Ivo Marsh" ; :b "other" ; :c "V" .
:eve :a 3 ; :b "V" .
"""


@pytest.mark.parametrize(("query", "params", "rows"), [
    # an OPTIONAL's variable: the rows where it has the value, no other
    ("SELECT ?s ?x { ?s :a ?o OPTIONAL { ?s :b ?x } }", {"x": "V"}, [["urn:eve", "V"]]),
    # read by an OPTIONAL before its binding: the OPTIONAL still sees it unbound
    ("SELECT ?s { ?s :a ?o OPTIONAL { ?s :b ?x } ?s :c ?x }", {"x": "V"},
     [["urn:ada"]]),
    # a MINUS before its binding still removes what it removed
    ("SELECT ?s { ?s :a ?o MINUS { ?s :b ?x } ?s :c ?x }", {"x": "V"}, [["urn:ada"]]),
    # a BIND's variable, after the BIND
    ('SELECT ?s { ?s :name ?n BIND(SUBSTR(?n, 1, 3) AS ?short) }', {"short": "Ivo"},
     [["urn:ivo"]]),
    # a value the clause compares with
    ("SELECT ?s { ?s :name ?n FILTER(STRSTARTS(?n, ?start)) }", {"start": "Ada"},
     [["urn:ada"]]),
    # a VALUES column with UNDEF
    ('SELECT ?s ?c { VALUES (?s ?c) { (:ada "X") (:ivo UNDEF) } ?s :a ?o }', {"c": "X"},
     [["urn:ada", "X"]]),
    # a subquery's UNDEF column
    ("SELECT ?s { ?s :a ?o { SELECT ?s ?x WHERE { ?s :a ?o VALUES ?x { UNDEF } } } }",
     {"x": "V"}, []),
])
def test_a_parameter_answers_for_the_rows_with_its_value(tmp_path, query, params, rows):
    graph = tmp_path / "g.ttl"
    graph.write_text(GRAPH)
    text = "PREFIX : <urn:>\n" + query
    check_params(text, params)
    assert sorted(run_file_query(graph, text, params).rows) == rows


def test_a_parameter_a_query_cannot_reach_is_refused():
    hidden = "SELECT ?e WHERE { SELECT ?e WHERE { ?e <urn:n> ?name } }"
    with pytest.raises(QueryError, match=r"--param name: \?name is only inside .* "
                                         r"\(\?e can be given\)"):
        check_params(hidden, {"name": "Ada Quill"})
    with pytest.raises(QueryError, match=r"no variable \?who"):
        check_params(hidden, {"who": "Ada Quill"})
    check_params(hidden, {"e": "urn:ada"})


def test_a_query_nested_too_deeply_for_its_parameters_is_refused_clearly():
    deep = "SELECT * WHERE " + "{ " * 3_000 + "?s ?p ?name " + "} " * 3_000
    with pytest.raises(QueryError, match="nests its groups too deeply"):
        check_params(deep, {"name": "Ada Quill"})
