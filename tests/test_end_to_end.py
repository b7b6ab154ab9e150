"""Build the seed articles and check the competency answers, determinism,
round-tripping through Turtle, and that the committed output/ is current."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import column, page_data, rows
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.builder import BuildResult, build_graph
from kg.exports import export

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CEREMONY = "72nd Primetime Emmy Awards"
CATEGORY = "Outstanding Lead Actor in a Limited Series or Movie"


@pytest.fixture(scope="module")
def seeds_graph(seeds_build: BuildResult) -> Graph:
    return seeds_build.graph


def test_winner(seeds_graph):
    assert rows(seeds_graph, "winners") == [{
        "winner": "Mark Ruffalo", "category": CATEGORY,
        "work": "I Know This Much Is True", "ceremony": CEREMONY}]


def test_the_fellow_nominees_share_the_winners_category(seeds_graph):
    got = {(r["nominee"], r["work"], r["won"]) for r in rows(seeds_graph, "nominations")
           if r["category"] == CATEGORY and r["ceremony"] == CEREMONY}
    assert got == {
        ("Mark Ruffalo", "I Know This Much Is True", "true"),
        ("Jeremy Irons", "Watchmen", "false"),
        ("Hugh Jackman", "Bad Education", "false"),
        ("Paul Mescal", "Normal People", "false"),
        ("Jeremy Pope", "Hollywood", "false"),
    }


def test_ceremony_details(seeds_graph):
    assert rows(seeds_graph, "ceremonies") == [{
        "ceremony": CEREMONY, "award": "Primetime Emmy Award", "date": "2020-09-20",
        "host": "Jimmy Kimmel", "venue": "Staples Center"}]


def test_network_of_the_winning_show(seeds_graph):
    works = {r["work"]: r["network"] for r in rows(seeds_graph, "works")}
    assert works["I Know This Much Is True"] == "HBO"
    assert "Hollywood" in works  # the series, from "Hollywood's Jeremy Pope"


def test_tweets_are_first_class(seeds_graph):
    handles = column(seeds_graph, "tweets", "handle")
    assert {"nowthisnews", "davidmackau", "sageyoungest", "BessieKaine", "MoeTheSudani",
            "yay4democracy", "GMA"} == handles
    tags = {(r["handle"], r["hashtag"]) for r in rows(seeds_graph, "tweet-hashtags")}
    assert ("sageyoungest", "Emmys") in tags  # glued: "in general!!#Emmys"
    mentions = {(r["handle"], r["mentioned"]) for r in rows(seeds_graph, "tweet-mentions")}
    assert ("davidmackau", "Mark Ruffalo") in mentions  # "mark ruffalo" in lower case


def test_outlets_and_quotes(seeds_graph):
    outlets = {(r["outlet"], r["article"]) for r in rows(seeds_graph, "outlets")}
    assert ("The Hollywood Reporter", "000_d11e5540654e02b6") in outlets
    speakers = {r["speaker"] for r in rows(seeds_graph, "quotes") if r["speaker"]}
    assert speakers == {"Mark Ruffalo"}
    assert len([r for r in rows(seeds_graph, "quotes")
                if r["article"] == "003_73170c5da3306430"]) >= 4


def test_entities_are_typed_and_linked(seeds_graph):
    entities = {(r["entity"], r["type"]) for r in rows(seeds_graph, "entities")}
    assert ("Mark Ruffalo", "Person") in entities
    assert ("Ruffalo", "Person") not in entities
    assert (CATEGORY, "AwardCategory") in entities
    assert (CEREMONY, "Event") in entities
    assert ("Primetime Emmy Award", "Award") in entities
    assert ("Hollywood", "CreativeWork") in entities


def test_two_builds_are_byte_identical_and_turtle_round_trips(seeds_build, seeds_graph):
    first = export(seeds_build.database, "ttl")
    with build_graph([SEEDS]) as again:
        second = export(again.database, "ttl")
    assert first == second
    reparsed = Graph().parse(data=first.decode("utf-8"), format="turtle")
    assert isomorphic(reparsed, seeds_graph)


def test_committed_output_is_current(seeds_build):
    committed = (ROOT / "output" / "graph.ttl").read_bytes()
    assert committed == export(seeds_build.database, "ttl"), (
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

