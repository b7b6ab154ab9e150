"""The quads of a resolved corpus (``kg.rdf``): each written once, and each
subject's together, so that Turtle written from the stream names every subject
once; a partial corpus (what a store update writes) still gives every quad its
facts own."""

from __future__ import annotations

import datetime as dt
import itertools

from kg.rdf import corpus_quads
from kg.records import Evidence, Quote, Tweet
from kg.resolve import (
    ArticleInfo,
    Corpus,
    Credit,
    Entity,
    Nomination,
    ResolvedQuote,
    ResolvedTweet,
)

DAY = dt.date(2031, 3, 2)


def _ev(article: str, start: int, sentence: str) -> Evidence:
    return Evidence(article, start, start + len(sentence), sentence)


def _corpus() -> Corpus:
    win = _ev("a1", 0, "Ada Quill won Best Lead Actor for Tin Harbor.")
    cast = _ev("a1", 50, "Ada Quill stars in Tin Harbor.")
    post = _ev("a2", 0, "So proud of @adaquill!")
    said = _ev("a2", 30, "\u201cIt was a long night,\u201d Tomas Brandt said.")
    people = {
        "person/ada-quill": Entity("person/ada-quill", "person", "Ada Quill",
                                   aliases={"Quill"}, evidence=[win]),
        "person/tomas-brandt": Entity("person/tomas-brandt", "person", "Tomas Brandt",
                                      evidence=[said]),
        "work/tin-harbor": Entity("work/tin-harbor", "work", "Tin Harbor", evidence=[cast]),
        "organization/gull-tv": Entity("organization/gull-tv", "organization", "Gull TV",
                                       subkind="network"),
        "account/tomasb": Entity("account/tomasb", "account", "@tomasb",
                                 attrs={"handle": "tomasb", "display": "Tomas Brandt",
                                        "owner": "person/tomas-brandt"}),
    }
    return Corpus(
        articles=[ArticleInfo("a1", DAY), ArticleInfo("a2", DAY), ArticleInfo("a3", DAY)],
        entities=people,
        # the same nominee and category at two ceremonies: one wonAward quad
        nominations=[Nomination("person/ada-quill", "category/best-lead-actor",
                                "work/tin-harbor", f"ceremony/{n}", True, [win], 1.0)
                     for n in ("first", "second")],
        credits=[Credit("person/ada-quill", "work/tin-harbor", "actor", None, [cast], 0.8)],
        airs={"work/tin-harbor": ("organization/gull-tv", [cast])},
        tweets=[ResolvedTweet("a2", Tweet("So proud of @adaquill!", "Tomas Brandt", "tomasb",
                                          DAY, post), "account/tomasb", ["person/ada-quill"])],
        quotes=[ResolvedQuote("a2", Quote("It was a long night", None, said),
                              "person/tomas-brandt")],
        mentions={("a1", "person/ada-quill"), ("a1", "work/tin-harbor"),
                  ("a2", "person/ada-quill")},
        citations={("a2", "organization/gull-tv")},
    )


def _subject_runs(quads: list) -> list:
    return [s for s, _ in itertools.groupby(q.subject for q in quads)]


def test_every_quad_once_and_every_subject_together():
    quads = list(corpus_quads(_corpus()))
    assert len(quads) == len(set(quads))
    runs = _subject_runs(quads)
    assert len(runs) == len(set(runs))
    subjects = {q.subject.value.rsplit("/id/", 1)[1].split("/")[0] for q in quads}
    assert subjects >= {"person", "work", "account", "nomination", "credit", "evidence",
                        "article", "tweet", "quote"}
    # an article that links nothing still has its node
    assert any(q.subject.value.endswith("/article/a3") for q in quads)


def test_what_an_entity_won_acted_in_and_airs_on_comes_with_it():
    quads = list(corpus_quads(_corpus()))
    ada = [q for q in quads if q.subject.value.endswith("/person/ada-quill")]
    predicates = [q.predicate.value.rsplit("#", 1)[-1] for q in ada]
    assert predicates.count("wonAward") == 1 and "actedIn" in predicates
    harbor = [q.predicate.value for q in quads if q.subject.value.endswith("/work/tin-harbor")]
    assert any(p.endswith("#network") for p in harbor)


def test_a_partial_corpus_still_writes_the_facts_about_entities_it_does_not_hold():
    """A store update writes some facts without their entities (and the other
    way round): the quads a fact owns must not depend on which entities come
    with it."""
    whole = set(corpus_quads(_corpus()))
    facts_only = _corpus()
    facts_only.entities = {}
    entities_only = _corpus()
    entities_only.nominations, entities_only.credits, entities_only.airs = [], [], {}
    parts = set(corpus_quads(facts_only)) | set(corpus_quads(entities_only))
    assert parts == whole
    fact_predicates = {q.predicate.value.rsplit("#", 1)[-1] for q in corpus_quads(facts_only)
                       if q.subject.value.endswith("/person/ada-quill")}
    assert fact_predicates == {"wonAward", "actedIn"}
    # nominations in any order give the same quads
    shuffled = _corpus()
    shuffled.nominations.reverse()
    shuffled.credits.reverse()
    assert set(corpus_quads(shuffled)) == whole
