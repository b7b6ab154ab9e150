"""Tests for kg.viz: what is drawn, provenance in tooltips, safety, determinism and
the page as Chromium runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import rdflib
from helpers import page_data
from rdflib import RDF, BNode, Graph, Literal

from kg.viz import KINDS, VizStats, render_html
from kg.vocab import ID, KG, SCHEMA

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
TWEET_TEXT = "Tomas Brandt asked every viewer to call a friend tonight #Emmys"
WIN_SENTENCE = "Hollywood actor Tomas Brandt won his first Emmy Award at the 72nd Emmys."
LOSS_SENTENCE = "Ilse Varga was nominated for Paper Lanterns."
ARTICLE_FILE = "000_harbor_night"
DATE = rdflib.XSD.date
REPO = Path(__file__).resolve().parents[1]

WINNER, RIVAL, HOST = ID["tomas-brandt"], ID["ilse-varga"], ID["rosa-demir"]
SERIES, FILM = ID["copper-lake-nights"], ID["paper-lanterns"]
HBO, LANTERN, THR = ID["hbo"], ID["lantern-daily"], ID["the-hollywood-reporter"]
AWARD, CATEGORY = ID["primetime-emmy-award"], ID["emmy-lead-actor-limited"]
CEREMONY, VENUE = ID["72nd-primetime-emmys"], ID["staples-center"]
ARTICLE, TWEET, EVIL_TWEET = ID["article-000"], ID["tweet-1"], ID["tweet-evil"]
QUOTE, LANTERN_ACCOUNT, TROLL = ID["quote-1"], ID["account-lantern-daily"], ID["account-troll"]

NAMES = {
    WINNER: "Tomas Brandt", RIVAL: "Ilse Varga", HOST: "Rosa Demir",
    SERIES: "Copper Lake Nights", FILM: "Paper Lanterns", HBO: "HBO",
    LANTERN: "Lantern Daily", THR: "The Hollywood Reporter", AWARD: "Primetime Emmy Award",
    CATEGORY: "Outstanding Lead Actor in a Limited Series", CEREMONY: "72nd Primetime Emmy Awards",
    VENUE: "Harbor Hall", ARTICLE: "Tomas Brandt's Emmy speech",
}


def build_graph() -> Graph:
    """A small graph using every part of the model that the page draws or folds."""
    g = Graph()
    g.bind("kg", KG._NS)
    g.bind("schema", SCHEMA)
    types = {
        WINNER: SCHEMA.Person, RIVAL: SCHEMA.Person, HOST: SCHEMA.Person,
        SERIES: SCHEMA.TVSeries, FILM: SCHEMA.Movie, HBO: SCHEMA.Organization,
        LANTERN: SCHEMA.Organization, THR: SCHEMA.NewsMediaOrganization, AWARD: KG.Award,
        CATEGORY: KG.AwardCategory, CEREMONY: KG.AwardCeremony, VENUE: SCHEMA.Place,
        ARTICLE: SCHEMA.NewsArticle,
    }
    for node, cls in types.items():
        g.add((node, RDF.type, cls))
        g.add((node, SCHEMA.name, Literal(NAMES[node])))
    g.add((WINNER, SCHEMA.alternateName, Literal("Tomas Elias Brandt")))
    g.add((SERIES, KG.network, HBO))
    g.add((CATEGORY, KG.award, AWARD))
    g.add((CEREMONY, KG.award, AWARD))
    g.add((CEREMONY, KG.host, HOST))
    g.add((CEREMONY, KG.venue, VENUE))
    g.add((CEREMONY, KG.ordinal, Literal(72)))
    g.add((ARTICLE, KG.sourceFile, Literal(ARTICLE_FILE)))
    g.add((ARTICLE, SCHEMA.datePublished, Literal("2020-09-21", datatype=DATE)))
    for entity in (WINNER, RIVAL, SERIES, AWARD, CEREMONY, HOST):
        g.add((ARTICLE, SCHEMA.mentions, entity))  # tooltips only, never edges
    g.add((ARTICLE, KG.cites, THR))

    def evidence(sentence: str, start: int) -> BNode:
        ev = BNode()
        g.add((ev, RDF.type, KG.Evidence))
        g.add((ev, KG.sentence, Literal(sentence)))
        g.add((ev, KG.inArticle, ARTICLE))
        g.add((ev, KG.startOffset, Literal(start)))
        return ev

    for nominee, work, won, sentence, start in (
        (WINNER, SERIES, True, WIN_SENTENCE, 0),
        (RIVAL, FILM, False, LOSS_SENTENCE, 400),
    ):
        nom = BNode()  # blank nodes: their labels change on every parse
        g.add((nom, RDF.type, KG.Nomination))
        g.add((nom, KG.nominee, nominee))
        g.add((nom, KG.category, CATEGORY))
        g.add((nom, KG.forWork, work))
        g.add((nom, KG.ceremony, CEREMONY))
        g.add((nom, KG.won, Literal(won)))
        g.add((nom, KG.evidence, evidence(sentence, start)))
    g.add((WINNER, KG.wonAward, CATEGORY))  # shortcut repeating the nomination
    g.add((WINNER, KG.actedIn, SERIES))  # shortcut repeating the credit

    credit = BNode()
    g.add((credit, RDF.type, KG.Credit))
    g.add((credit, KG.performer, WINNER))
    g.add((credit, KG.work, SERIES))
    g.add((credit, KG.role, Literal("actor")))
    g.add((credit, KG.character, Literal("Jonah Fell")))
    g.add((credit, KG.evidence, evidence("Brandt plays twins in Copper Lake Nights.", 90)))

    g.add((LANTERN_ACCOUNT, RDF.type, KG.Account))
    g.add((LANTERN_ACCOUNT, KG.handle, Literal("lanterndaily")))
    g.add((LANTERN_ACCOUNT, KG.account, LANTERN))
    g.add((TWEET, RDF.type, SCHEMA.SocialMediaPosting))
    g.add((TWEET, SCHEMA.text, Literal(TWEET_TEXT)))
    g.add((TWEET, SCHEMA.author, LANTERN_ACCOUNT))
    g.add((TWEET, SCHEMA.datePublished, Literal("2020-09-21", datatype=DATE)))
    g.add((TWEET, SCHEMA.mentions, WINNER))
    g.add((ARTICLE, KG.embeds, TWEET))

    g.add((TROLL, RDF.type, KG.Account))  # no kg:account: drawn as the account itself
    g.add((TROLL, KG.handle, Literal("troll")))
    g.add((EVIL_TWEET, RDF.type, SCHEMA.SocialMediaPosting))
    g.add((EVIL_TWEET, SCHEMA.text, Literal(HOSTILE)))
    g.add((EVIL_TWEET, SCHEMA.author, TROLL))
    g.add((ARTICLE, KG.embeds, EVIL_TWEET))

    g.add((QUOTE, RDF.type, SCHEMA.Quotation))
    g.add((QUOTE, SCHEMA.text, Literal("Where do we all go when the lights go out???")))
    g.add((QUOTE, KG.speaker, WINNER))
    g.add((QUOTE, KG.inArticle, ARTICLE))
    g.add((QUOTE, KG.evidence, evidence("He asked: Where do we all go now, then?", 200)))
    return g


EXPECTED_EDGES = {
    ("Tomas Brandt", "won", NAMES[CATEGORY]),
    ("Ilse Varga", "nominated for", NAMES[CATEGORY]),
    (NAMES[CATEGORY], "at", NAMES[CEREMONY]),
    (NAMES[CATEGORY], "of", NAMES[AWARD]),
    (NAMES[CEREMONY], "of", NAMES[AWARD]),
    (NAMES[CEREMONY], "hosted by", "Rosa Demir"),
    (NAMES[CEREMONY], "held at", "Harbor Hall"),
    ("Tomas Brandt", "acted in", NAMES[SERIES]),
    ("Ilse Varga", "for work", "Paper Lanterns"),
    (NAMES[SERIES], "airs on", "HBO"),
    ("Lantern Daily", "posted", "Tweet @lanterndaily"),
    ("@troll", "posted", "Tweet @troll"),
    ("Tweet @lanterndaily", "mentions", "Tomas Brandt"),
    ("Tomas Brandt", "said", "\u201cWhere do we all go when the lights go\u2026\u201d"),
    ("\u201cWhere do we all go when the lights go\u2026\u201d", "quoted in", NAMES[ARTICLE]),
    (NAMES[ARTICLE], "cites", "The Hollywood Reporter"),
    (NAMES[ARTICLE], "embeds", "Tweet @lanterndaily"),
    (NAMES[ARTICLE], "embeds", "Tweet @troll"),
}


payload = page_data


def render(tmp_path: Path, graph: Graph | None = None, name: str = "graph.html",
           **kwargs: Any) -> tuple[VizStats, str, dict[str, Any]]:
    """The page and its data; tweets, quotations and articles drawn as nodes
    unless ``evidence_nodes=False`` (the default of ``render_html``) is passed."""
    kwargs.setdefault("evidence_nodes", True)
    out = tmp_path / name
    stats = render_html(build_graph() if graph is None else graph, out, **kwargs)
    page = out.read_text(encoding="utf-8")
    return stats, page, payload(page)


def node_by_name(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(n for n in data["nodes"] if n["name"] == name)


def edge_triples(data: dict[str, Any]) -> set[tuple[str, str, str]]:
    names = {n["id"]: n["name"] for n in data["nodes"]}
    return {(names[e["from"]], e["label"], names[e["to"]]) for e in data["edges"]}


def edge(data: dict[str, Any], src: str, label: str, dst: str) -> dict[str, Any]:
    names = {n["id"]: n["name"] for n in data["nodes"]}
    return next(e for e in data["edges"]
                if (names[e["from"]], e["label"], names[e["to"]]) == (src, label, dst))


# --------------------------------------------------------------------------- what is drawn


def test_nodes_edges_and_labels(tmp_path: Path) -> None:
    stats, _, data = render(tmp_path)
    assert stats == VizStats(nodes=17, edges=18, total_nodes=17, total_edges=18)
    assert len(data["nodes"]) == 17 and len(data["edges"]) == 18
    names = {n["name"] for n in data["nodes"]}
    assert set(NAMES.values()) <= names
    assert {"Tweet @lanterndaily", "Tweet @troll", "@troll"} <= names
    # Accounts with a known owner are shown as the owner; evidence and n-ary nodes never.
    assert "@lanterndaily" not in names
    assert not any("Evidence" in n["title"].split("\n")[0] for n in data["nodes"])
    assert edge_triples(data) == EXPECTED_EDGES  # shortcuts and article mentions not drawn
    assert node_by_name(data, "Tomas Brandt")["label"] == "Tomas Brandt"
    long_label = node_by_name(data, NAMES[CATEGORY])["label"]
    assert len(long_label) <= 32 and long_label.endswith("\u2026")


def test_types_colours_and_shapes(tmp_path: Path) -> None:
    _, _, data = render(tmp_path)
    groups = {n["name"]: n["group"] for n in data["nodes"]}
    assert groups["Tomas Brandt"] == "person"
    assert groups[NAMES[SERIES]] == groups["Paper Lanterns"] == "work"
    assert groups["HBO"] == groups["Lantern Daily"] == "organisation"
    assert groups["The Hollywood Reporter"] == "outlet"
    assert groups[NAMES[AWARD]] == "award"
    assert groups[NAMES[CATEGORY]] == "category"
    assert groups[NAMES[CEREMONY]] == "ceremony"
    assert groups["Tweet @troll"] == "tweet"
    assert groups["@troll"] == "account"
    assert groups[NAMES[ARTICLE]] == "article"
    assert groups["Harbor Hall"] == "place"
    assert groups["\u201cWhere do we all go when the lights go\u2026\u201d"] == "quotation"
    styles = data["options"]["groups"]
    assert len({(s["shape"], s["color"]["background"]) for s in styles.values()}) == len(KINDS)


def test_winners_and_losers_look_different(tmp_path: Path) -> None:
    _, _, data = render(tmp_path)
    won = edge(data, "Tomas Brandt", "won", NAMES[CATEGORY])
    lost = edge(data, "Ilse Varga", "nominated for", NAMES[CATEGORY])
    assert lost.get("dashes") is True and not won.get("dashes")
    assert won["color"] != lost["color"]


def test_legend_lists_every_type(tmp_path: Path) -> None:
    _, page, _ = render(tmp_path)
    legend = re.search(r'<aside id="kg-legend">(.*?)</aside>', page, re.S)
    assert legend is not None
    for kind in KINDS:
        if kind.key != "other":
            assert f'data-kind="{kind.key}"' in legend.group(1)
            assert kind.label in legend.group(1)
    assert "nominated for" in legend.group(1)
    assert '<input id="kg-search"' in page


# --------------------------------------------------------------------------- tooltips


def test_node_tooltips_carry_provenance(tmp_path: Path) -> None:
    _, _, data = render(tmp_path)
    mark = node_by_name(data, "Tomas Brandt")["title"]
    assert mark.startswith("Person: Tomas Brandt")
    assert "Also known as: Tomas Elias Brandt" in mark
    assert f"In articles: {ARTICLE_FILE}" in mark
    assert WIN_SENTENCE in mark  # earliest evidence sentence of his facts
    hugh = node_by_name(data, "Ilse Varga")["title"]
    assert LOSS_SENTENCE in hugh
    tweet = node_by_name(data, "Tweet @lanterndaily")["title"]
    assert tweet.startswith("Tweet\n")
    for part in (TWEET_TEXT, "Author: Lantern Daily", "Handle: @lanterndaily", "Date: 2020-09-21",
                 f"In articles: {ARTICLE_FILE}"):
        assert part in tweet
    article = node_by_name(data, NAMES[ARTICLE])["title"]
    assert f"File: {ARTICLE_FILE}" in article and "Mentions: " in article
    assert "Accounts: @lanterndaily" in node_by_name(data, "Lantern Daily")["title"]


def test_edge_tooltips_carry_evidence(tmp_path: Path) -> None:
    _, _, data = render(tmp_path)
    won = edge(data, "Tomas Brandt", "won", NAMES[CATEGORY])["title"]
    assert WIN_SENTENCE in won and f"Article: {ARTICLE_FILE}" in won
    assert "for Copper Lake Nights" in won and f"at {NAMES[CEREMONY]}" in won
    acted = edge(data, "Tomas Brandt", "acted in", NAMES[SERIES])["title"]
    assert "as Jonah Fell" in acted and "Brandt plays twins" in acted
    for e in data["edges"]:
        assert e["title"]


# --------------------------------------------------------------------------- safety


def test_hostile_text_is_never_markup(tmp_path: Path) -> None:
    _, page, data = render(tmp_path, title='<img src=x onerror="alert(1)"> & co')
    # The text survives intact as data...
    assert HOSTILE in node_by_name(data, "Tweet @troll")["title"]
    # ...but never appears as markup anywhere in the page.
    assert "<script>window.__pwned" not in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co" in page
    # Our three inline scripts (vis-network, data, app), none loading anything.
    tags = re.findall(r"^<script\b[^>]*>", page, re.M)
    assert tags == ["<script>", '<script id="kg-data" type="application/json">', "<script>"]


def test_page_is_offline_and_has_no_absolute_paths(tmp_path: Path) -> None:
    _, page, _ = render(tmp_path)
    remote = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?"
                        r"(?:https?:)?//", page, re.I)
    assert remote == []
    assert not re.search(r"@import|url\(\s*[\"']?(?:https?:)?//", page, re.I)
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page
    assert str(tmp_path) not in page and "site-packages" not in page


# --------------------------------------------------------------------------- determinism


def test_same_graph_gives_identical_bytes(tmp_path: Path) -> None:
    g = build_graph()
    render_html(g, tmp_path / "a.html")
    render_html(g, tmp_path / "b.html")
    # A fresh parse relabels every blank node; the page must not notice.
    reparsed = Graph().parse(data=g.serialize(format="turtle"), format="turtle")
    render_html(reparsed, tmp_path / "c.html")
    a = (tmp_path / "a.html").read_bytes()
    assert a == (tmp_path / "b.html").read_bytes() == (tmp_path / "c.html").read_bytes()


def test_identical_across_processes(tmp_path: Path) -> None:
    """What `kg viz GRAPH.ttl` does, in two interpreters with different string hashing."""
    ttl = tmp_path / "graph.ttl"
    build_graph().serialize(ttl, format="turtle")
    code = ("import sys; from pathlib import Path; from kg.triple_index import TripleIndex; "
            "from kg.viz import render_html; "
            "render_html(TripleIndex.read(Path(sys.argv[1])), Path(sys.argv[2]))")
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-c", code, str(ttl), str(tmp_path / f"{seed}.html")],
                       check=True, env=env, timeout=120)
    assert (tmp_path / "1.html").read_bytes() == (tmp_path / "2.html").read_bytes()


def test_the_same_page_however_the_graph_is_read(tmp_path: Path) -> None:
    """From an rdflib graph (the Python API), from a file read by Oxigraph's
    parser (``kg viz``) and from a database (a build's page): the same bytes,
    a language tag's case included (Oxigraph lowers it, rdflib keeps it)."""
    import pyoxigraph

    from kg.triple_index import TripleIndex

    g = build_graph()
    g.add((WINNER, SCHEMA.name, Literal("Tomas B.", lang="EN")))  # English first, any case
    g.add((WINNER, SCHEMA.name, Literal("Tomás Brandt", lang="pt")))
    ttl = tmp_path / "graph.ttl"
    g.serialize(ttl, format="turtle")
    store = pyoxigraph.Store()
    store.bulk_load(path=str(ttl), format=pyoxigraph.RdfFormat.TURTLE)
    pages = []
    for name, graph in (("graph", g), ("file", TripleIndex.read(ttl)),
                        ("store", TripleIndex.read(store))):
        render_html(graph, tmp_path / f"{name}.html")
        pages.append((tmp_path / f"{name}.html").read_bytes())
    assert pages[0] == pages[1] == pages[2]
    assert "Tomas B." in pages[0].decode("utf-8")


def test_write_is_atomic(tmp_path: Path) -> None:
    out = tmp_path / "graph.html"
    out.write_text("old")
    render_html(build_graph(), out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]
    assert (out.stat().st_mode & 0o777) == 0o666 & ~_umask()
    before = out.read_bytes()
    with pytest.raises(ValueError):
        render_html(build_graph(), out, focus="nobody at all")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]


def test_a_write_that_fails_half_way_leaves_the_old_page_and_no_temporary_file(
        tmp_path: Path, monkeypatch) -> None:
    import kg.atomic

    out = tmp_path / "graph.html"
    out.write_text("the old page")
    written: list[Path] = []

    def disk_full(tmp: Path, path: Path) -> None:  # the page is written, the rename fails
        written.append(tmp)
        assert tmp.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg.atomic, "replace_from", disk_full)
    with pytest.raises(OSError, match="No space left"):
        render_html(build_graph(), out)
    assert written and out.read_text() == "the old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_empty_graph(tmp_path: Path) -> None:
    stats, _, data = render(tmp_path, Graph())
    assert stats == VizStats(0, 0, 0, 0)
    assert data["nodes"] == [] and data["edges"] == []


# --------------------------------------------------------------------------- focus / max


def test_focus_keeps_the_neighbourhood(tmp_path: Path) -> None:
    stats, _, data = render(tmp_path, focus="ilse VARGA", hops=1)
    assert {n["name"] for n in data["nodes"]} == {"Ilse Varga", NAMES[CATEGORY], "Paper Lanterns"}
    assert stats.nodes == 3 and stats.edges == 2 and stats.total_nodes == 17
    _, _, data = render(tmp_path, focus="Ilse Varga", hops=2)
    assert {n["name"] for n in data["nodes"]} == {
        "Ilse Varga", NAMES[CATEGORY], "Paper Lanterns", "Tomas Brandt", NAMES[CEREMONY],
        NAMES[AWARD]}
    _, _, data = render(tmp_path, focus="Ilse Varga", hops=0)
    assert [n["name"] for n in data["nodes"]] == ["Ilse Varga"]


def test_focus_by_alias(tmp_path: Path) -> None:
    _, _, data = render(tmp_path, focus="tomas elias brandt", hops=1)
    assert "Tomas Brandt" in {n["name"] for n in data["nodes"]}


def test_unknown_focus_lists_close_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Tomas Brant") as info:
        render_html(build_graph(), tmp_path / "x.html", focus="Tomas Brant")
    assert "'Tomas Brandt'" in str(info.value)
    assert not (tmp_path / "x.html").exists()


def test_max_nodes_keeps_most_connected_deterministically(tmp_path: Path) -> None:
    # the winner, the category, the ceremony and the article all have degree 4; ties
    # go by name, so the article ("Tomas Brandt's ...") is the one left out
    stats, _, data = render(tmp_path, max_nodes=3)
    assert [n["name"] for n in data["nodes"]] == [
        "Tomas Brandt", NAMES[CATEGORY], NAMES[CEREMONY]]
    assert stats.nodes == 3 and stats.total_nodes == 17
    _, _, data = render(tmp_path, focus="Harbor Hall", hops=3, max_nodes=2)
    assert {n["name"] for n in data["nodes"]} == {"Harbor Hall", NAMES[CEREMONY]}


@pytest.mark.parametrize("kwargs", [{"hops": -1}, {"max_nodes": 0}])
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        render_html(build_graph(), tmp_path / "x.html", **kwargs)


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture
def viz_page(viz_browser: Any, tmp_path: Path) -> Any:
    """The synthetic graph's page, loaded and laid out, with what it logged and fetched."""
    out = tmp_path / "graph.html"
    render_html(build_graph(), out, evidence_nodes=True)
    page = _open(viz_browser, out)
    yield page
    page.close()


@pytest.fixture
def overview_page(viz_browser: Any, tmp_path: Path) -> Any:
    """The synthetic graph's default page: evidence in the detail panel."""
    out = tmp_path / "overview.html"
    render_html(build_graph(), out)
    page = _open(viz_browser, out)
    yield page
    page.close()


def _open(viz_browser: Any, out: Path) -> Any:
    """``out`` loaded and laid out, with what it logged and fetched."""
    page = viz_browser.new_page(viewport={"width": 1400, "height": 900})
    page.kg_errors = []
    page.kg_requests = []
    page.on("console", lambda m: page.kg_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: page.kg_errors.append(str(exc)))
    page.on("request", lambda r: page.kg_requests.append(r.url))
    page.goto(out.resolve().as_uri())
    page.wait_for_function("window.kgReady === true", timeout=60_000)
    return page


def _node_at(page: Any, name: str) -> tuple[str, float, float]:
    """The id of the node named ``name`` and where it is drawn on the page."""
    node_id = page.evaluate(
        "name => network.body.data.nodes.get({filter: n => n.name === name})[0].id", name)
    x, y = page.evaluate(
        """id => {
            const p = network.canvasToDOM(network.getPositions([id])[id]);
            const box = document.getElementById('mynetwork').getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        node_id,
    )
    return node_id, x, y


def _hover(page: Any, name: str) -> str:
    """Move the mouse onto a node and return the text of vis-network's tooltip."""
    _, x, y = _node_at(page, name)
    page.mouse.move(5, 5)
    page.mouse.move(x, y, steps=5)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    return tooltip.evaluate("el => el.textContent")


@pytest.mark.browser
def test_page_loads_offline_without_errors(viz_page: Any) -> None:
    assert viz_page.kg_errors == []
    assert viz_page.kg_requests, "the page itself should have been requested"
    offline = [u for u in viz_page.kg_requests if not u.startswith(("file:", "data:", "about:"))]
    assert offline == []


@pytest.mark.browser
def test_network_holds_all_nodes_and_edges(viz_page: Any) -> None:
    counts = viz_page.evaluate(
        "[network.body.data.nodes.length, network.body.data.edges.length]")
    assert counts == [17, 18]
    assert viz_page.locator("#kg-legend").is_visible()
    assert viz_page.locator("#kg-legend li[data-kind=person]").is_visible()


@pytest.mark.browser
def test_hovering_a_tweet_shows_its_text(viz_page: Any) -> None:
    text = _hover(viz_page, "Tweet @lanterndaily")
    assert TWEET_TEXT in text and "@lanterndaily" in text


@pytest.mark.browser
def test_hostile_tweet_renders_as_text(viz_page: Any) -> None:
    text = _hover(viz_page, "Tweet @troll")
    assert "<script>window.__pwned=1</script>" in text and "<img src=x" in text
    viz_page.wait_for_timeout(300)  # give an injected onerror handler time to fire
    assert viz_page.evaluate("typeof window.__pwned") == "undefined"
    assert viz_page.locator("div.vis-tooltip img, div.vis-tooltip script").count() == 0
    assert viz_page.kg_errors == []


@pytest.mark.browser
def test_type_filter_and_search(viz_page: Any) -> None:
    viz_page.locator("#kg-legend input[data-kind=tweet]").uncheck()
    hidden = viz_page.evaluate(
        "network.body.data.nodes.get({filter: n => n.hidden === true}).map(n => n.name)")
    assert sorted(hidden) == ["Tweet @lanterndaily", "Tweet @troll"]
    assert viz_page.evaluate(
        "network.body.data.edges.get({filter: e => e.hidden === true}).length") == 5
    viz_page.fill("#kg-search", "tomas brandt")
    viz_page.press("#kg-search", "Enter")
    selected = viz_page.evaluate(
        "network.getSelectedNodes().map(id => network.body.data.nodes.get(id).name)")
    assert selected == ["Tomas Brandt"]
    viz_page.click("#kg-reset")
    assert viz_page.evaluate(
        "network.body.data.nodes.get({filter: n => n.hidden === true}).length") == 0


@pytest.mark.browser
def test_screenshot(viz_browser: Any, tmp_path: Path) -> None:
    # screenshot() starts its own Playwright, which cannot nest inside the session's
    # one in this thread: run it in a child process. viz_browser only gates skip/CI.
    del viz_browser
    out = tmp_path / "graph.html"
    render_html(build_graph(), out)
    png = tmp_path / "graph.png"
    code = "import sys; from pathlib import Path; from kg.viz import screenshot; " \
           "screenshot(Path(sys.argv[1]), Path(sys.argv[2]), width=800, height=500)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code, str(out), str(png)], check=True, env=env,
                   timeout=120)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 800 and int.from_bytes(data[20:24], "big") == 500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html", "graph.png"]


# --------------------------------------------------------------------------- the overview


def big_graph(people: int = 2500, works: int = 2000, awards: int = 20) -> Graph:
    """About 5,000 invented entities: people nominated for works in categories of
    awards at ceremonies, each nomination with its evidence sentence."""
    g = Graph()
    article = ID["article/big"]
    g.add((article, RDF.type, SCHEMA.NewsArticle))
    g.add((article, KG.sourceFile, Literal("big")))

    def entity(local: str, cls: rdflib.URIRef, name: str) -> rdflib.URIRef:
        node = ID[local]
        g.add((node, RDF.type, cls))
        g.add((node, SCHEMA.name, Literal(name)))
        return node

    award_nodes = [entity(f"award/{a}", KG.Award, f"Harbor Prize {a}") for a in range(awards)]
    ceremonies, categories = [], []
    for a, award in enumerate(award_nodes):
        for year in (1, 2):
            cer = entity(f"ceremony/{a}-{year}", KG.AwardCeremony, f"Harbor Prize {a} night {year}")
            g.add((cer, KG.award, award))
            ceremonies.append(cer)
        for c in range(20):
            cat = entity(f"category/{a}-{c}", KG.AwardCategory, f"Best Thing {c} of Prize {a}")
            g.add((cat, KG.award, award))
            categories.append(cat)
    work_nodes = [entity(f"work/{w}", SCHEMA.CreativeWork, f"Copper Lake {w}")
                  for w in range(works)]
    for p in range(people):
        person = entity(f"person/{p}", SCHEMA.Person, f"Ada Quill {p}")
        cat = categories[p % len(categories)]
        nom = ID[f"nomination/{p}"]
        g.add((nom, RDF.type, KG.Nomination))
        g.add((nom, KG.nominee, person))
        g.add((nom, KG.category, cat))
        g.add((nom, KG.forWork, work_nodes[p % works]))
        g.add((nom, KG.ceremony, ceremonies[(p // len(categories)) % len(ceremonies)]))
        g.add((nom, KG.won, Literal(p % 5 == 0)))
        ev = ID[f"evidence/{p}"]
        g.add((ev, RDF.type, KG.Evidence))
        g.add((ev, KG.sentence, Literal(f"Ada Quill {p} was up for Best Thing.")))
        g.add((ev, KG.inArticle, article))
        g.add((nom, KG.evidence, ev))
    return g


def test_overview_puts_evidence_in_the_panel(tmp_path: Path) -> None:
    stats, _, data = render(tmp_path, evidence_nodes=False)
    kinds = {n["group"] for n in data["nodes"]}
    assert not kinds & {"tweet", "quotation", "article"}
    assert stats.total_nodes == 17 and stats.nodes == len(data["nodes"])
    # an outlet known only from the articles citing it stays, without edges
    assert "The Hollywood Reporter" in {n["name"] for n in data["nodes"]}
    mark = node_by_name(data, "Tomas Brandt")
    assert "1 tweet \u00b7 1 quotation \u00b7 1 article" in mark["title"]
    panel = mark["panel"]
    assert panel["type"] == "Person" and panel["aliases"] == ["Tomas Elias Brandt"]
    won = panel["facts"][0]
    assert won["text"] == f"Tomas Brandt won {NAMES[CATEGORY]}"
    assert won["evidence"] == WIN_SENTENCE and won["article"] == ARTICLE_FILE
    assert f"for {NAMES[SERIES]}" in won["notes"]
    ids = {n["name"]: n["id"] for n in data["nodes"]}
    assert won["nodes"] == [ids["Tomas Brandt"], ids[NAMES[CATEGORY]]]
    assert any(e["id"] == won["edge"] and e["label"] == "won" for e in data["edges"])
    assert [t["text"] for t in panel["tweets"]] == [TWEET_TEXT]
    assert panel["tweets"][0]["by"] == "Lantern Daily @lanterndaily"
    assert panel["tweets"][0]["article"] == ARTICLE_FILE
    assert [q["text"] for q in panel["quotes"]] == ["Where do we all go when the lights go out???"]
    assert panel["articles"] == [ARTICLE_FILE]
    # the hostile tweet has no owner to list it under: it is in no panel, and the
    # troll account is not drawn in the overview at all
    assert "@troll" not in ids


def test_edges_know_their_ceremony_and_award(tmp_path: Path) -> None:
    _, _, data = render(tmp_path, evidence_nodes=False)
    ids = {n["name"]: n["id"] for n in data["nodes"]}
    won = edge(data, "Tomas Brandt", "won", NAMES[CATEGORY])
    assert won["won"] is True
    assert won["cer"] == [ids[NAMES[CEREMONY]]] and won["award"] == [ids[NAMES[AWARD]]]
    acted = edge(data, "Tomas Brandt", "acted in", NAMES[SERIES])
    assert acted["won"] is False and acted["cer"] == [] and acted["award"] == []


def test_large_graph_is_laid_out_before_the_page_opens(tmp_path: Path) -> None:
    g = big_graph(people=300, works=100, awards=4)
    stats, page, data = render(tmp_path, g, evidence_nodes=False)
    assert stats.nodes > 150
    assert data["options"]["physics"] == {"enabled": False}
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in data["nodes"])
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == len(data["nodes"])
    _, again, _ = render(tmp_path, g, name="again.html", evidence_nodes=False)
    assert page == again
    # small graphs keep the settling animation
    _, _, small = render(tmp_path, evidence_nodes=False)
    assert small["options"]["physics"]["enabled"] is True


def _click_node(page: Any, name: str) -> str:
    """Click a node where it is drawn; return its id."""
    node_id, x, y = _node_at(page, name)
    page.mouse.click(x, y)
    page.locator("#kg-panel").wait_for(state="visible", timeout=5_000)
    return node_id


def _visible_names(page: Any) -> set[str]:
    return set(page.evaluate(
        "network.body.data.nodes.get({filter: n => !n.hidden}).map(n => n.name)"))


@pytest.mark.browser
def test_clicking_a_person_opens_the_panel(overview_page: Any) -> None:
    page = overview_page
    assert page.kg_errors == []
    mark = _click_node(page, "Tomas Brandt")
    panel = page.locator("#kg-panel").inner_text()
    for part in ("Person", "Tomas Brandt", "Also known as: Tomas Elias Brandt",
                 f"Tomas Brandt won {NAMES[CATEGORY]}", WIN_SENTENCE, ARTICLE_FILE,
                 TWEET_TEXT, "Where do we all go when the lights go out???"):
        assert part in panel
    # clicking a fact selects the two nodes it links and its edge
    page.locator("#kg-panel .kg-fact a").first.click()
    selected = page.evaluate("network.getSelectedNodes()")
    category = page.evaluate(
        "name => network.body.data.nodes.get({filter: n => n.name === name})[0].id",
        NAMES[CATEGORY])
    assert sorted(selected) == sorted([mark, category])
    assert page.evaluate("network.getSelectedEdges().map(id => network.body.data.edges"
                         ".get(id).label)") == ["won"]
    # a node's neighbourhood on its own, and back
    page.click("#kg-around")
    assert _visible_names(page) == {"Tomas Brandt", NAMES[CATEGORY], NAMES[SERIES]}
    page.click("#kg-around")
    assert "Ilse Varga" in _visible_names(page)
    assert page.kg_errors == []


@pytest.mark.browser
def test_ceremony_award_and_winner_filters(overview_page: Any) -> None:
    page = overview_page
    everyone = _visible_names(page)
    page.check("#kg-won")
    shown = _visible_names(page)
    assert "Tomas Brandt" in shown and NAMES[CATEGORY] in shown
    assert "Ilse Varga" not in shown and "Paper Lanterns" not in shown
    page.uncheck("#kg-won")
    assert _visible_names(page) == everyone
    ceremony = page.evaluate(
        "name => network.body.data.nodes.get({filter: n => n.name === name})[0].id",
        NAMES[CEREMONY])
    page.select_option("#kg-ceremony", ceremony)
    shown = _visible_names(page)
    assert {"Tomas Brandt", "Ilse Varga", NAMES[CEREMONY], "Rosa Demir"} <= shown
    assert "HBO" not in shown  # airs a show; no part of the ceremony
    page.click("#kg-reset")
    assert _visible_names(page) == everyone
    assert page.kg_errors == []


@pytest.mark.browser
def test_hostile_text_in_the_panel_is_text(viz_browser: Any, tmp_path: Path) -> None:
    g = build_graph()
    g.add((WINNER, SCHEMA.alternateName, Literal(HOSTILE)))
    g.add((EVIL_TWEET, SCHEMA.mentions, WINNER))
    g.add((QUOTE, SCHEMA.text, Literal(HOSTILE)))
    evil_work, credit, ev = ID["evil-work"], BNode(), BNode()  # a fact and its sentence
    g.add((evil_work, RDF.type, SCHEMA.CreativeWork))
    g.add((evil_work, SCHEMA.name, Literal(HOSTILE)))
    g.add((credit, RDF.type, KG.Credit))
    g.add((credit, KG.performer, WINNER))
    g.add((credit, KG.work, evil_work))
    g.add((credit, KG.role, Literal("actor")))
    g.add((credit, KG.evidence, ev))
    g.add((ev, RDF.type, KG.Evidence))
    g.add((ev, KG.sentence, Literal(HOSTILE)))
    g.add((ev, KG.inArticle, ARTICLE))
    out = tmp_path / "hostile.html"
    render_html(g, out)
    page = _open(viz_browser, out)
    _click_node(page, "Tomas Brandt")
    text = page.locator("#kg-panel").evaluate("el => el.textContent")
    # alias, tweet, quotation, a fact's text and its evidence sentence
    assert text.count("<script>window.__pwned=1</script>") >= 5
    page.wait_for_timeout(300)  # give an injected onerror handler time to fire
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#kg-panel img, #kg-panel script").count() == 0
    assert page.kg_errors == []
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_a_5000_entity_page_is_usable_at_once(viz_browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "big.html"
    stats = render_html(big_graph(), out)
    assert stats.nodes >= 4900
    page = _open(viz_browser, out)  # laid out beforehand: ready without a simulation
    assert page.kg_errors == []
    assert [u for u in page.kg_requests if not u.startswith(("file:", "data:", "about:"))] == []
    page.fill("#kg-search", "Ada Quill 1234")
    page.press("#kg-search", "Enter")
    assert page.evaluate("network.getSelectedNodes().map(id => network.body.data.nodes"
                         ".get(id).name)") == ["Ada Quill 1234"]
    assert "Ada Quill 1234 nominated for" in page.locator("#kg-panel").inner_text()
    page.close()


def test_focus_on_evidence_needs_evidence_nodes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="evidence nodes"):
        render_html(build_graph(), tmp_path / "x.html", focus="Tweet @troll")
    _, _, data = render(tmp_path, focus="Tweet @troll", hops=1)
    assert {n["name"] for n in data["nodes"]} == {"Tweet @troll", "@troll", NAMES[ARTICLE]}


def test_viz_command_draws_evidence_on_request(tmp_path: Path) -> None:
    from kg.cli import main

    ttl = tmp_path / "graph.ttl"
    build_graph().serialize(ttl, format="turtle")
    assert main(["viz", str(ttl), "-o", str(tmp_path / "a.html")]) == 0
    assert main(["viz", str(ttl), "-o", str(tmp_path / "b.html"), "--evidence-nodes"]) == 0
    overview = payload((tmp_path / "a.html").read_text(encoding="utf-8"))
    full = payload((tmp_path / "b.html").read_text(encoding="utf-8"))
    assert "tweet" not in {n["group"] for n in overview["nodes"]}
    assert "tweet" in {n["group"] for n in full["nodes"]}


def test_the_page_does_not_depend_on_hash_seeds(tmp_path: Path) -> None:
    """Names that differ only in case come out in one order, whatever order a
    set held them in (Python salts string hashes per process)."""
    import subprocess
    import sys

    spellings = ["Harbor Prizes", "HARBOR PRIZES", "harbor prizes", "Harbor prizes",
                 "HARBOR Prizes", "harbor Prizes"]
    ttl = tmp_path / "g.ttl"
    ttl.write_text("@prefix schema: <https://schema.org/> .\n"
                   "<https://w3id.org/kgnews/id/award/harbor-prize> a "
                   "<https://w3id.org/kgnews/ontology#Award> ;\n"
                   '  schema:name "Harbor Prize" ;\n'
                   + "".join(f'  schema:alternateName "{s}" ;\n' for s in spellings)
                   + '  schema:alternateName "Harbor" .\n', encoding="utf-8")
    pages = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"{seed}.html"
        subprocess.run([sys.executable, "-m", "kg", "viz", str(ttl), "-o", str(out)],
                       check=True, capture_output=True, timeout=120,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        pages.append(out.read_bytes())
    assert pages[0] == pages[1] == pages[2]
