"""How ``kg query`` reads a query's own text for its parameters: which it
needs (shown after ``Use:`` in its opening comment) and which variables it
has (outside strings, IRIs and comments)."""

from __future__ import annotations

import pytest

from kg.query import (
    QueryError,
    _with_params,
    check_params,
    needed_params,
    query_variables,
    run_file_query,
)


def test_a_parameter_shown_after_use_is_needed():
    text = '# One person.\n# Use: kg query person.rq --param "who=Ada Quill"\nSELECT ?who {}'
    assert needed_params(text) == ["who"]
    with pytest.raises(QueryError, match='needs --param "who=..."'):
        check_params(text, {})


def test_an_optional_parameter_shown_elsewhere_is_not_needed():
    text = ('# Use: kg query wins.rq --param "who=Ivo Marsh"\n'
            '# Add --param "year=2021" for one year only.\n'
            "SELECT ?who ?year {}")
    assert needed_params(text) == ["who"]
    check_params(text, {"who": "Ivo Marsh"})  # no year: answers for every year


def test_parameters_after_the_opening_comment_are_not_read():
    text = '# Every win.\n#\n# Use: kg query wins.rq --param "who=Ivo Marsh"\nSELECT ?who {}'
    assert needed_params(text) == []


@pytest.mark.parametrize(("query", "variables"), [
    # comparisons written without spaces are not IRIs
    ("SELECT * { ?a ?p ?d FILTER(?a<?b&&?c>?d) }", {"a", "b", "c", "d", "p"}),
    ("SELECT * { ?s ?p ?n FILTER(?n<2&&?m>1) }", {"s", "p", "n", "m"}),
    ('SELECT * { ?s ?p ?n FILTER("x"<?s||?k>"y") }', {"s", "p", "n", "k"}),
    ("SELECT * { ?s ?p ?n FILTER((?n)<?k&&?s>?n) }", {"s", "p", "n", "k"}),
    # an IRI, a string and a comment hide what looks like a variable
    ('SELECT ?n { ?s <urn:x?hidden> ?n FILTER(?n != "?quoted") } # ?commented',
     {"n", "s"}),
    ("SELECT ?n { ?s <http://example.org/a?b=1&&c=2> ?n }", {"n", "s"}),
])
def test_query_variables(query, variables):
    assert query_variables(query) == variables


def test_a_parameter_compared_without_spaces_is_accepted_and_bound():
    text = "SELECT ?a { ?a ?p ?b FILTER(?a<?limit&&?b>?a) }"
    check_params(text, {"limit": "Ada"})
    bound = _with_params(text, {"limit": "Ada"})
    assert bound.startswith('SELECT ?a { VALUES (?limit) { ("Ada") } ')


BLOCK = 'VALUES (?name) { ("Ada Quill") }'


@pytest.mark.parametrize(("query", "bound"), [
    # a subquery's WHERE is not the query's: the block opens the outer group
    ("SELECT ?e { { SELECT ?e WHERE { ?e a ?t } } ?e ?p ?name }",
     "SELECT ?e { " + BLOCK + "  { SELECT ?e WHERE { ?e a ?t } } ?e ?p ?name }"),
    ("SELECT ?e WHERE { { SELECT ?e WHERE { ?e a ?t } } ?e ?p ?name }",
     "SELECT ?e WHERE { " + BLOCK + "  { SELECT ?e WHERE { ?e a ?t } } ?e ?p ?name }"),
    # a variable or a prefixed name called "where" is no keyword
    ("SELECT ?where { ?s ex:where ?name }", "SELECT ?where { " + BLOCK + "  ?s ex:where ?name }"),
    # a CONSTRUCT's template comes before its WHERE clause, keyword or not
    ("CONSTRUCT { ?s ?p ?name } WHERE { ?s ?p ?name }",
     "CONSTRUCT { ?s ?p ?name } WHERE { " + BLOCK + "  ?s ?p ?name }"),
    ("CONSTRUCT { ?s ?p ?name } { ?s ?p ?name }",
     "CONSTRUCT { ?s ?p ?name } { " + BLOCK + "  ?s ?p ?name }"),
    # braces and keywords in strings and comments are neither
    ('SELECT * WHERE { ?s ?p "} WHERE {" . ?s ?q ?name } # WHERE {',
     'SELECT * WHERE { ' + BLOCK + '  ?s ?p "} WHERE {" . ?s ?q ?name } # WHERE {'),
    ("DESCRIBE ?name", "DESCRIBE ?name\n" + BLOCK),
])
def test_the_values_block_opens_the_where_clause(query, bound):
    assert _with_params(query, {"name": "Ada Quill"}) == bound


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
