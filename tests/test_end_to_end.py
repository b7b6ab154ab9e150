"""Build the seed articles and check the competency answers, determinism,
round-tripping through Turtle, and that the committed output/ is current."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from conftest import in_ci
from helpers import page_data, rows, seeds_winner
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.builder import BuildResult, build_graph
from kg.exports import export
from kg.query import load_query_text, run_database_query, run_file_query, shipped_queries

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# the shared evaluation: the competency questions' gold answers for the seeds, and
# the scorer that matches rows to them (kept beside the project, in ../shared)
EVAL = ROOT.parent / "shared" / "eval"
QUERIES = ["winners", "nominations", "credits", "works", "ceremonies", "tweets",
           "tweet-hashtags", "tweet-mentions", "outlets", "quotes", "entities"]


@pytest.fixture(scope="module")
def seeds_graph(seeds_build: BuildResult) -> Graph:
    return seeds_build.graph


@pytest.fixture(scope="module")
def scorer() -> tuple[Any, dict]:
    """``../shared/eval/score.py`` and the seeds' gold file (the test fails in CI
    without them, and is skipped elsewhere)."""
    script, gold = EVAL / "score.py", EVAL / "gold-seeds.json"
    if not (script.is_file() and gold.is_file()):
        message = f"the shared evaluation is not at {EVAL}"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    spec = importlib.util.spec_from_file_location("kg_eval_score", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, json.loads(gold.read_text(encoding="utf-8"))


@pytest.mark.parametrize("query", QUERIES)
def test_each_competency_question_on_the_seeds_matches_the_gold_answers(
        seeds_graph, scorer, query):
    """Through the shipped query, every gold row and nothing else (the seeds score
    1.0 on every question; a drop says which question and which rows)."""
    score, gold = scorer
    result = score.score_query(query, rows(seeds_graph, query), gold["queries"].get(query, []))
    assert (result["fp"], result["fn"]) == (0, 0), (
        f"{query}: missed {result['missed'][:5]}, wrong {result['wrong'][:5]}")
    assert result["tp"] > 0 or not gold["queries"].get(query)


def test_every_competency_question_of_the_contract_is_checked(scorer):
    score, _ = scorer
    assert list(score.COLUMNS) == QUERIES


def test_two_builds_are_byte_identical_and_turtle_round_trips(seeds_build, seeds_graph,
                                                              tmp_path):
    first = seeds_build.turtle.read_bytes()
    with build_graph([SEEDS], turtle=tmp_path / "again.ttl") as again:
        second = (tmp_path / "again.ttl").read_bytes()
        assert export(seeds_build.database, "ttl") == export(again.database, "ttl")
    assert first == second
    reparsed = Graph().parse(data=first.decode("utf-8"), format="turtle")
    assert isomorphic(reparsed, seeds_graph)


def test_the_turtle_written_while_building_holds_the_database_once_a_subject_each(
        seeds_build):
    """The Turtle a build writes from its stream of quads, not from its database:
    the same triples, none twice, and each subject's written together (named once)."""
    written = [q.triple for q in pyoxigraph.parse(path=seeds_build.turtle,
                                                  format=pyoxigraph.RdfFormat.TURTLE)]
    stored = {q.triple for q in seeds_build.database.quads_for_pattern(None, None, None, None)}
    assert len(written) == len(set(written)) == len(stored) > 500
    assert set(written) == stored
    runs = [subject for subject, _ in itertools.groupby(t.subject for t in written)]
    assert len(runs) == len(set(runs)) > 50


def test_a_build_without_a_database_writes_the_same_and_reads_it_back(
        seeds_build, seeds_graph, tmp_path):
    """What ``kg build`` does when asked for no format but N-Triples and
    N-Quads: no database, the same Turtle, the database's quads in the line
    formats (each once), and the graph read from the Turtle."""
    turtle, nt, nq = (tmp_path / f"graph.{fmt}" for fmt in ("ttl", "nt", "nq"))
    with build_graph([SEEDS], turtle=turtle, lines={"nt": nt, "nq": nq},
                     database=False) as alone:
        assert alone.database is None
        assert turtle.read_bytes() == seeds_build.turtle.read_bytes()
        assert alone.triples == seeds_build.triples == len(seeds_graph)
        assert isomorphic(alone.graph, seeds_graph)
    stored = list(seeds_build.database.quads_for_pattern(None, None, None, None))
    quads = list(pyoxigraph.parse(path=nq, format=pyoxigraph.RdfFormat.N_QUADS))
    assert len(quads) == len(stored) and set(quads) == set(stored)
    triples = [q.triple for q in pyoxigraph.parse(path=nt, format=pyoxigraph.RdfFormat.N_TRIPLES)]
    assert len(triples) == len(stored) and set(triples) == {q.triple for q in stored}
    with pytest.raises(ValueError, match="must write its Turtle"):
        build_graph([SEEDS], database=False)


def test_every_shipped_query_asked_of_the_build_database_answers_as_kg_query_does(
        seeds_build):
    """From Python, ``run_database_query`` over a build's database gives the
    rows ``kg query --graph graph.ttl`` gives, in the same order."""
    params = {"entity": {"name": seeds_winner()}}
    answered = 0
    for q in shipped_queries():
        text = load_query_text(q.name)
        ours = run_database_query(seeds_build.database, text, params.get(q.name))
        theirs = run_file_query(seeds_build.turtle, text, params.get(q.name))
        assert (ours.columns, ours.rows) == (theirs.columns, theirs.rows), q.name
        answered += bool(ours.rows)
    assert answered >= 10


def test_committed_output_is_current(seeds_build):
    committed = (ROOT / "output" / "graph.ttl").read_bytes()
    assert committed == seeds_build.turtle.read_bytes(), (
        "output/graph.ttl is stale: run 'kg build seeds -o output'")


def test_committed_html_is_current(seeds_graph, tmp_path):
    """The committed page shows what a build draws now: the same nodes, edges,
    tooltips and panels (the page data), whatever the page around them (a
    pyvis or vis-network upgrade changes that, not what the page says)."""
    from kg.viz import render_html

    render_html(seeds_graph, tmp_path / "graph.html")
    committed = page_data((ROOT / "output" / "graph.html").read_text(encoding="utf-8"))
    assert committed == page_data((tmp_path / "graph.html").read_text(encoding="utf-8")), (
        "output/graph.html is stale: run 'kg build seeds -o output'")

