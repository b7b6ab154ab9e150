"""The shipped queries sort by keys they make (``CONCAT(" ", name)``), which
Oxigraph compares in memory instead of reading each name from a store on disk
at every comparison. These tests hold them to the order the plain names give:
code point order, a missing category first, a name before any longer name it
begins, winners before the rest of their category."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from kg.query import load_query_text, run_file_query, run_query

# invented ceremonies, categories and people; names chosen to trip a wrong key:
# one name the start of another ("Ann" / "Ann Lee" / "Ann-Marie"), and a tab
# after the shared start (a key that added a space after the name would put
# "Ann\tLee" before "Ann"), upper and lower case, accents, a category left out,
# two ceremonies out of order, a winner whose work sorts the other way, a
# capital that sorts before a small letter ("Zoe" before "bo")
NOMINATIONS = [
    # (ceremony, category or None, nominee, won, work or None)
    ("Zephyr Screen Awards", "Best Lantern Maker", "Ann Lee", True, "Glass Harbour"),
    ("Zephyr Screen Awards", "Best Lantern Maker", "Ann", True, "Zinc Road"),
    ("Zephyr Screen Awards", "Best Lantern Maker", "Ann\tLee", True, None),
    ("Zephyr Screen Awards", "Best Lantern Maker", "ann lee", True, None),
    ("Zephyr Screen Awards", "Best Lantern\tScore", "Dot Vale", True, "Glass\tEdge"),
    ("Zephyr Screen Awards", "Best Lantern", "Zoe Wren", False, None),
    ("Amber Stage Prize\tNorth", "Best Lantern", "Eve Park", True, None),
    ("Zephyr Screen Awards", "Best Lantern Maker", "Ann-Marie Quill", False, "Glass Harbour"),
    ("Zephyr Screen Awards", "Best Lantern", "Émile Roe", True, None),
    ("Zephyr Screen Awards", "Best Lantern", "bo Tran", False, "Glass"),
    ("Zephyr Screen Awards", None, "Cyd Moss", True, "Paper Moons"),
    ("Amber Stage Prize", "Best Lantern Maker", "Zed Orr", False, None),
    ("Amber Stage Prize", "Best Lantern Maker", "Abe Orr", True, "Paper Moons"),
    ("Amber Stage Prize", "best lantern maker", "Abe Orr", False, None),
    ("Amber Stage Prize Gala", "Best Lantern", "Abe Orr", True, None),
]

PREFIXES = """@prefix schema: <https://schema.org/> .
@prefix kg: <https://w3id.org/kgnews/ontology#> .
@prefix ex: <https://example.org/> .
"""


def _turtle() -> str:
    def name(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'

    out = [PREFIXES, 'ex:award a kg:Award ; schema:name "Lantern Prize" .']
    things: dict[str, str] = {}

    def thing(kind: str, text: str) -> str:
        key = (kind, text)
        if key not in things:
            things[key] = f"ex:{kind}{len(things)}"
            award = " ; kg:award ex:award" if kind == "c" else ""
            out.append(f"{things[key]} a {kind_class[kind]} ; schema:name {name(text)}{award} .")
        return things[key]

    kind_class = {"c": "kg:AwardCeremony", "k": "kg:AwardCategory", "p": "schema:Person",
                  "w": "schema:CreativeWork"}
    for i, (ceremony, category, nominee, won, work) in enumerate(NOMINATIONS):
        props = [f"kg:ceremony {thing('c', ceremony)}", f"kg:nominee {thing('p', nominee)}",
                 f"kg:won {'true' if won else 'false'}"]
        if category is not None:
            props.append(f"kg:category {thing('k', category)}")
        if work is not None:
            props.append(f"kg:forWork {thing('w', work)}")
        out.append(f"ex:n{i} a kg:Nomination ; " + " ; ".join(props) + " .")
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("order") / "graph.ttl"
    path.write_text(_turtle(), encoding="utf-8")
    return path


def _runners(graph_file: Path):
    graph = Graph().parse(graph_file, format="turtle")
    return {"oxigraph": lambda text: run_file_query(graph_file, text),
            "rdflib": lambda text: run_query(graph, text)}


def _missing_first(value: str | None) -> tuple[bool, str]:
    return (value is not None, value or "")


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_nominations_come_by_ceremony_category_winners_first_then_nominee(graph_file, engine):
    result = _runners(graph_file)[engine](load_query_text("nominations"))
    got = [tuple(r) for r in result.rows]
    expected = sorted(NOMINATIONS, key=lambda n: (n[0], _missing_first(n[1]), not n[3], n[2]))
    assert [(r[3], r[1], r[0], r[4]) for r in got] == [
        (c, k or "", p, "true" if won else "false") for c, k, p, won, _ in expected]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_winners_come_by_ceremony_category_then_winner(graph_file, engine):
    result = _runners(graph_file)[engine](load_query_text("winners"))
    won = [n for n in NOMINATIONS if n[3]]
    expected = sorted(won, key=lambda n: (n[0], _missing_first(n[1]), n[2]))
    assert [(r[3], r[1], r[0], r[2]) for r in result.rows] == [
        (c, k or "", p, w or "") for c, k, p, _, w in expected]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_ceremonies_come_by_name(graph_file, engine):
    result = _runners(graph_file)[engine](load_query_text("ceremonies"))
    assert [r[0] for r in result.rows] == sorted({n[0] for n in NOMINATIONS})


# (entity name, is it an account, the articles that mention it)
MENTIONED = [
    ("Ann", False, [1, 2]),
    ("Ann Lee", False, [1, 2]),
    ("Ann\tLee", False, [1, 2]),
    ("Émile Roe", False, [1, 2, 3]),
    ("bo Tran", False, [2, 3, 4]),
    ("Glass Harbour", False, [3]),           # one article: left out
    ("Lantern Prize", False, [1, 2, 3, 4]),
    ("Cyd Moss Fans", True, [1, 2, 3, 4]),  # an account: left out
]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_cross_article_comes_by_articles_then_name_without_accounts(tmp_path, engine):
    lines = [PREFIXES]
    for i in range(1, 5):
        lines.append(f'ex:a{i} a schema:NewsArticle ; kg:sourceFile "article-{i}.txt" .')
    for j, (name, account, articles) in enumerate(MENTIONED):
        kind = "kg:Account" if account else "schema:Person"
        lines.append(f'ex:e{j} a {kind} ; schema:name "{name}" .')
        lines.extend(f"ex:a{i} schema:mentions ex:e{j} ." for i in articles)
    path = tmp_path / "mentions.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _runners(path)[engine](load_query_text("cross-article"))
    expected = sorted(((name, str(len(articles))) for name, account, articles in MENTIONED
                       if not account and len(articles) > 1),
                      key=lambda row: (-int(row[1]), row[0]))
    assert [tuple(r) for r in result.rows] == expected


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_entities_come_by_type_then_name_and_works_by_name(graph_file, engine):
    run = _runners(graph_file)[engine]
    people = {n[2] for n in NOMINATIONS}
    works = {n[4] for n in NOMINATIONS if n[4]}
    categories = {n[1] for n in NOMINATIONS if n[1]}
    ceremonies = {n[0] for n in NOMINATIONS}
    expected = sorted([(name, "Person") for name in people]
                      + [(name, "CreativeWork") for name in works]
                      + [(name, "AwardCategory") for name in categories]
                      + [(name, "Event") for name in ceremonies]
                      + [("Lantern Prize", "Award")], key=lambda row: (row[1], row[0]))
    assert [tuple(r) for r in run(load_query_text("entities")).rows] == expected
    assert [r[0] for r in run(load_query_text("works")).rows] == sorted(works)


# (article file, tweet number, author's handle, names the tweet mentions);
# tweet IRIs end in their number, so "t10" sorts before "t2", and their texts
# (``_text``) sort the other way
TWEETS = [
    ("b-story.txt", 2, "lanternfan", ["Ann", "Ann\tLee"]),
    ("b-story.txt", 10, "lanternfan", ["Ann Lee"]),
    ("a-story.txt", 3, "Zed_Orr", ["bo Tran"]),
    ("a-story.txt", 30, "abe_orr", ["Zoe Wren", "Ann"]),
    ("a-story.txt", 4, "abe_orr", ["Ann\tLee"]),
]


def _text(kind: str, number: int) -> str:
    return f"{'a' if number < 5 else 'z'} {kind} {number}"


def _tweets_file(tmp_path: Path) -> Path:
    lines = [PREFIXES]
    articles = sorted({t[0] for t in TWEETS})
    people = sorted({name for t in TWEETS for name in t[3]})
    for i, article in enumerate(articles):
        lines.append(f'ex:a{i} a schema:NewsArticle ; kg:sourceFile "{article}" .')
    for j, person in enumerate(people):
        lines.append(f'ex:p{j} a schema:Person ; schema:name "{person}" .'.replace("\t", "\\t"))
    for article, number, handle, mentioned in TWEETS:
        lines.append(f'ex:acc-{handle} a kg:Account ; kg:handle "{handle}" .')
        lines.append(f'ex:t{number} a schema:SocialMediaPosting ; schema:author ex:acc-{handle} ; '
                     f'schema:text "{_text("tweet", number)}" .')
        lines.extend(f"ex:t{number} schema:mentions ex:p{people.index(n)} ." for n in mentioned)
        lines.append(f"ex:a{articles.index(article)} kg:embeds ex:t{number} .")
        lines.append(f'ex:q{number} a schema:Quotation ; schema:text "{_text("quote", number)}" ; '
                     f"kg:inArticle ex:a{articles.index(article)} .")
    path = tmp_path / "tweets.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_tweets_quotes_and_mentions_come_by_article_then_tweet_or_handle(tmp_path, engine):
    run = _runners(_tweets_file(tmp_path))[engine]
    by_iri = sorted(TWEETS, key=lambda t: (t[0], f"https://example.org/t{t[1]}"))
    tweets = run(load_query_text("tweets"))
    assert [(r[3], r[4]) for r in tweets.rows] == [(t[0], _text("tweet", t[1])) for t in by_iri]
    quotes = run(load_query_text("quotes"))
    assert [(r[2], r[1]) for r in quotes.rows] == [(t[0], _text("quote", t[1])) for t in by_iri]
    mentions = run(load_query_text("tweet-mentions"))
    expected = sorted({(t[0], t[2], name) for t in TWEETS for name in t[3]})
    assert [(r[2], r[0], r[1]) for r in mentions.rows] == expected
