"""kg.formats: every command reads a graph file alike (a relative IRI against
the file, a file that does not read told in the same words)."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import URIRef

from kg.dataset import to_rdflib
from kg.endpoint import EndpointError, opened_source
from kg.formats import oxigraph_format
from kg.query import QueryError, run_file_query
from kg.serve.engine import ServeError, load_into_store
from kg.triple_index import TripleIndex

NAME = "https://schema.org/name"
RELATIVE = f'<people/ada-quill> <{NAME}> "Ada Quill" .\n'


def _by_query(path: Path, tmp_path: Path) -> set[str]:
    rows = run_file_query(path, f"SELECT ?who WHERE {{ ?who <{NAME}> ?name }}").rows
    return {row[0] for row in rows}


def _by_push(path: Path, tmp_path: Path) -> set[str]:
    with opened_source(path) as store:
        return {q.subject.value for q in store.quads_for_pattern(None, None, None, None)}


def _by_serve(path: Path, tmp_path: Path) -> set[str]:
    load_into_store(path, tmp_path / "db")
    store = pyoxigraph.Store.read_only(str(tmp_path / "db"))
    return {q.subject.value for q in store.quads_for_pattern(None, None, None, None)}


def _by_page(path: Path, tmp_path: Path) -> set[str]:
    return {str(s) for s, _, _ in TripleIndex.read(path, oxigraph_format(path))}


def _by_rdflib_copy(path: Path, tmp_path: Path) -> set[str]:
    return {str(s) for s in to_rdflib(path, oxigraph_format(path)).subjects()}


# each command's reader, and what it raises for a file that does not read
ERRORS = {_by_query: QueryError, _by_push: EndpointError, _by_serve: ServeError}
READERS = [*ERRORS, _by_page, _by_rdflib_copy]


@pytest.mark.parametrize("read", READERS, ids=lambda r: r.__name__)
def test_a_relative_iri_is_read_against_the_file(read, tmp_path):
    """As rdflib's parser reads it; Oxigraph refuses it without a base IRI."""
    graph = tmp_path / "graph.ttl"
    graph.write_text(RELATIVE, encoding="utf-8")
    expected = (tmp_path / "people" / "ada-quill").resolve().as_uri()
    assert read(graph, tmp_path) == {expected}
    assert expected == str(URIRef("people/ada-quill", base=graph.resolve().as_uri()))


@pytest.mark.parametrize("read", READERS, ids=lambda r: r.__name__)
def test_an_n3_formula_is_quoted_not_said(read, tmp_path):
    """What a formula holds (a rule's sides) is no fact of the graph."""
    graph = tmp_path / "graph.n3"
    graph.write_text(f'<urn:kg:ada> <{NAME}> "Ada Quill" .\n'
                     f'{{ <urn:kg:zed> <{NAME}> "Zed" }} => {{ <urn:kg:ada> <{NAME}> "A" }} .\n',
                     encoding="utf-8")
    read_now = read(graph, tmp_path)
    assert "urn:kg:ada" in read_now and "urn:kg:zed" not in read_now


@pytest.mark.parametrize("read", [_by_page, _by_rdflib_copy], ids=lambda r: r.__name__)
def test_a_literal_with_a_base_direction_is_refused_by_what_reads_into_rdflib(read, tmp_path):
    """rdflib has no place for it (RDF 1.2): refused, not dropped."""
    graph = tmp_path / "graph.ttl"
    graph.write_text(f'<urn:kg:ada> <{NAME}> "Ada Quill"@en--ltr .\n', encoding="utf-8")
    with pytest.raises(ValueError, match="base direction"):
        read(graph, tmp_path)


@pytest.mark.parametrize("read", ERRORS, ids=lambda r: r.__name__)
def test_a_file_that_does_not_read_is_told_alike(read, tmp_path):
    graph = tmp_path / "broken.ttl"
    graph.write_text(f'<urn:a> <{NAME}> "no end .\n', encoding="utf-8")
    with pytest.raises(ERRORS[read], match=r"broken\.ttl: not a readable Turtle file \(.*line 1"):
        read(graph, tmp_path)


def test_validate_reads_every_format_alike(tmp_path, capsys):
    """kg validate reads a graph file as the other commands do: the named
    graphs of N-Quads and TriG merged, an N3 formula (quoted, not asserted)
    left out; the same report whatever the file's format."""
    from kg.cli import EXIT_SOME_FAILED, main

    person = "https://w3id.org/kgnews/id/person/"
    a = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    unnamed = f"<{person}ada-quill> <{a}> <https://schema.org/Person>"
    named = f'<{person}ivo-marsh> <{NAME}> "Ivo Marsh"'
    typed = f"<{person}ivo-marsh> <{a}> <https://schema.org/Person>"
    quoted = f"<{person}zed-quarry> <{a}> <https://schema.org/Person>"  # were it said: no name
    rdf_xml = f"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        xmlns:s="https://schema.org/">
      <s:Person rdf:about="{person}ada-quill"/>
      <s:Person rdf:about="{person}ivo-marsh"><s:name>Ivo Marsh</s:name></s:Person>
    </rdf:RDF>"""
    json_ld = json.dumps({"@graph": [
        {"@id": f"{person}ada-quill", "@type": "https://schema.org/Person"},
        {"@id": f"{person}ivo-marsh", "@type": "https://schema.org/Person", NAME: "Ivo Marsh"}]})
    files = {"graph.ttl": f"{unnamed} .\n{named} .\n{typed} .\n",
             "graph.nt": f"{unnamed} .\n{named} .\n{typed} .\n",
             "graph.nq": f"{unnamed} <urn:g:1> .\n{named} <urn:g:2> .\n{typed} <urn:g:1> .\n",
             "graph.trig": f"<urn:g:1> {{ {unnamed} . {typed} . }}\n<urn:g:2> {{ {named} . }}\n",
             "graph.n3": f"{unnamed} .\n{named} .\n{typed} .\n"
                         f"{{ {quoted} }} => {{ {typed} }} .\n",
             "graph.rdf": rdf_xml, "graph.jsonld": json_ld}
    reports = {}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert main(["validate", str(tmp_path / name)]) == EXIT_SOME_FAILED, name
        reports[name] = capsys.readouterr().out
    report = reports["graph.ttl"]
    assert all(other == report for other in reports.values())
    assert "Results (1)" in report and "person/ada-quill" in report
    assert "MinCountConstraintComponent" in report and "ivo-marsh" not in report


def test_validate_shows_iris_by_the_files_own_prefixes(tmp_path, capsys):
    """As the file wrote them (pySHACL shows them by the graph's prefixes)."""
    from kg.cli import main

    graph = tmp_path / "graph.ttl"
    graph.write_text("@prefix who: <https://w3id.org/kgnews/id/person/> .\n"
                     "who:ada-quill a <https://schema.org/Person> .\n", encoding="utf-8")
    main(["validate", str(graph)])
    assert "Focus Node: who:ada-quill" in capsys.readouterr().out


def test_a_literal_not_of_its_datatype_is_reported_without_a_traceback(tmp_path, caplog):
    """rdflib logs a traceback as it makes such a term; the shapes report it."""
    import logging

    from tests.test_cli import kg_here

    kg_ns, xsd = "https://w3id.org/kgnews/ontology#", "http://www.w3.org/2001/XMLSchema#"
    graph = tmp_path / "graph.nt"
    graph.write_text(
        f"<urn:kg:harbor-awards-1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        f"<{kg_ns}AwardCeremony> .\n"
        f'<urn:kg:harbor-awards-1> <{kg_ns}ordinal> "first"^^<{xsd}integer> .\n',
        encoding="utf-8")
    rdflib_terms = logging.getLogger("rdflib.term")
    level = rdflib_terms.level
    try:
        for command in (["validate", str(graph)],
                        ["viz", str(graph), "-o", str(tmp_path / "page.html")]):
            rdflib_terms.setLevel(logging.NOTSET)  # as a fresh process has it
            caplog.clear()
            assert kg_here(*command).returncode in (0, 1)
            assert not [r for r in caplog.records if r.name == "rdflib.term"], command
        assert "DatatypeConstraintComponent" in kg_here("validate", str(graph)).stdout
    finally:
        rdflib_terms.setLevel(level)
