"""How ``kg query`` reads a query's own text for its parameters: which it
needs (shown after ``Use:`` in its opening comment) and which variables it
has (outside strings, IRIs and comments)."""

from __future__ import annotations

import pytest

from kg.query import QueryError, _with_params, check_params, needed_params, query_variables


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
