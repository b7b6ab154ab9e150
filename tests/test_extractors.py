"""Each extractor on its own, over a Doc of a few sentences written for these tests.

The end-to-end tests say whether the graph is right; these say which step is
wrong when it is not. Every name and title is invented; awards, outlets and
networks are real, as the gazetteers know them. The model is loaded once per
session (``load_pipeline`` keeps it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kg.articles import Article
from kg.extract import awards
from kg.extract.context import ArticleContext
from kg.extract.known_works import KnownWorks
from kg.extract.lists import find_list_entries
from kg.extract.outlets import extract_citations
from kg.extract.people import collect_persons
from kg.extract.quotes import extract_quotes
from kg.extract.works import find_works
from kg.gazetteer import fold, load_gazetteer
from kg.nlp import load_pipeline
from kg.pipeline import extract_article, first_pass, nlp_text
from kg.records import ArticleFacts, CeremonyRef, Ref

EMMYS = "Primetime Emmy Award"
# the 75th Emmys, for 2023, were held in January 2024
EMMYS_2023 = CeremonyRef(EMMYS, 2023)
PUBLISHED = dt.date(2024, 1, 16)


def context(body: str, date: dt.date = PUBLISHED) -> ArticleContext:
    """A context over ``body`` parsed by kg's pipeline, as an article dated ``date``."""
    head = f" date {date.isoformat()}\n"
    article = Article(id="t", path=Path("t.txt"), date=date, text=head + body,
                      body_start=len(head))
    return ArticleContext(article=article, doc=load_pipeline()(nlp_text(body)),
                          gaz=load_gazetteer())


def with_people(body: str) -> ArticleContext:
    ctx = context(body)
    return ctx.derive(persons=collect_persons(ctx))


def facts(body: str) -> ArticleFacts:
    """Both passes over one article, with its own titles as the corpus's."""
    ctx, hits = first_pass(context(body))
    return extract_article(ctx, hits, KnownWorks({fold(h.title): h.title for h in hits}))


# --- people --------------------------------------------------------------------------------

def test_the_text_of_a_token_range_is_the_spans_text():
    ctx = context("Ada Quill’s  new series,\n\n“Tin Harbor”\twon  big. 🎉 Noor  Okafor!\n")
    n = len(ctx.doc)
    assert all(ctx.text_of(i, j) == ctx.doc[i:j].text
               for i in range(n) for j in range(i + 1, n + 1))
    assert ctx.text_of(3, 3) == ""


def test_people_are_named_by_the_fullest_name_the_article_gives():
    ctx = context("Ada Quill thanked her co-star Tomas Brandt on stage. Later, Quill said "
                  "the night felt like a dream.")
    people = collect_persons(ctx)
    assert [p.name for p in people] == ["Ada Quill", "Tomas Brandt", "Ada Quill"]
    assert [p.start for p in people] == sorted(p.start for p in people)
    assert ctx.doc[people[2].start : people[2].end].text == "Quill"


def test_a_name_given_as_a_role_is_a_character():
    people = collect_persons(context("Tomas Brandt stars as Evelyn Marsh, a lighthouse keeper."))
    by_name = {p.name: p for p in people}
    assert not by_name["Tomas Brandt"].is_character
    assert by_name["Evelyn Marsh"].is_character


# --- works ---------------------------------------------------------------------------------

def test_a_networks_possessive_marks_a_title_and_its_network():
    hits = list(find_works(with_people("HBO's Copper Lake led the field this year.")))
    assert [(h.title, h.network) for h in hits] == [("Copper Lake", "HBO")]


def test_a_piece_of_a_category_name_is_not_a_title():
    """The model may end a category's name at an entity of its own ("Musical
    Event of" as an organisation); the rest ("Event of the Year") is a piece
    of the prize, not a title every other article would be searched for."""
    _, hits = first_pass(context("Nadia Brell won Musical Event of the Year for Glass Harbor "
                                 "at the 12th Country Music Association Awards."))
    assert {h.title for h in hits} == {"Glass Harbor"}


def test_only_capitalised_tokens_are_asked_whether_a_known_title_starts_there():
    ctx = context("Ada Quill stars in the drama “Tin Harbor”. The finale of tin harbor aired "
                  "on HBO, and Tin Harbor won.")
    ctx = ctx.derive(works={fold("Tin Harbor"): "Tin Harbor"})
    assert ctx.capitalised == [t.i for t in ctx.doc if t.text[:1].isupper()]
    assert ctx.capitalised_in(3, 12) == [i for i in ctx.capitalised if 3 <= i < 12]
    starts = [i for i in range(len(ctx.doc)) if awards.works_at(ctx, i)]
    assert starts and set(starts) <= set(ctx.capitalised)
    assert [ctx.doc[i].text for i in starts] == ["Tin", "Tin"]
    # the scan of the whole article finds what asking every token finds
    outside_tweets = [i for i in starts if not ctx.tweet_at(ctx.doc[i])]
    assert awards._work_positions(ctx) == (outside_tweets, ["Tin Harbor"] * len(outside_tweets))


def test_a_sentence_naming_one_network_and_one_work_links_the_two_as_a_guess():
    def airs(second: str) -> list[tuple[str, str, float]]:
        found = facts(f"Ada Quill stars in the drama series “Tin Harbor”. {second}")
        return [(a.work.name, a.network.name, a.confidence) for a in found.airs]

    assert airs("The finale of Tin Harbor drew a record audience for HBO.") == [
        ("Tin Harbor", "HBO", 0.5)]
    assert airs("Tin Harbor gave HBO and Netflix their best night in years.") == []


# --- awards and categories -----------------------------------------------------------------

AWARD_SENTENCE = ("Ada Quill won outstanding supporting actress in a drama series at the 75th "
                  "Primetime Emmy Awards on Monday for Copper Lake.")


def test_the_award_and_its_numbered_ceremony():
    ctx = with_people(AWARD_SENTENCE)
    mentions = awards.award_mentions(ctx)
    award = awards.main_award(ctx, mentions)
    assert award is not None and award.name == EMMYS
    assert awards.main_ceremony(ctx, mentions, award) == EMMYS_2023


def test_a_category_written_in_lower_case_is_the_official_one():
    ctx = with_people(AWARD_SENTENCE)
    award = awards.main_award(ctx, awards.award_mentions(ctx))
    cats = awards.category_mentions(ctx, award)
    assert [c.ref.candidates for c in cats] == [
        ("Outstanding Supporting Actress in a Drama Series",)]


def test_a_win_with_its_category_work_and_ceremony():
    (nom,) = facts(AWARD_SENTENCE).nominations
    assert nom.nominee == Ref("person", "Ada Quill") and nom.won
    assert nom.category is not None and nom.category.candidates == (
        "Outstanding Supporting Actress in a Drama Series",)
    assert nom.work == Ref("work", "Copper Lake")
    assert nom.ceremony == EMMYS_2023
    assert nom.evidence.sentence == AWARD_SENTENCE


def test_a_win_without_a_category_still_names_its_ceremony():
    (nom,) = facts('"I never expected this," Ada Quill said after winning at the 75th '
                   "Primetime Emmy Awards.").nominations
    assert (nom.nominee.name, nom.category, nom.won, nom.ceremony) == (
        "Ada Quill", None, True, EMMYS_2023)


LIST = ("Here are the winners of the 75th Primetime Emmy Awards.\n\n"
        "Outstanding Drama Series\nCopper Lake (WINNER)\nSalt Road\n\n"
        "Outstanding Lead Actress in a Drama Series\nAda Quill, Copper Lake (WINNER)\n"
        "Sheila Vance Okoro, Salt Road\n")


def test_a_winners_list_gives_each_nominee_its_category_work_and_result():
    ctx = with_people(LIST)
    award = awards.main_award(ctx, awards.award_mentions(ctx))
    entries = [(e.category.candidates[0], e.nominee, e.work, e.won)
               for e in find_list_entries(ctx, award)]
    assert entries == [
        ("Outstanding Drama Series", "Copper Lake", "Copper Lake", True),
        ("Outstanding Drama Series", "Salt Road", None, False),
        ("Outstanding Lead Actress in a Drama Series", "Ada Quill", "Copper Lake", True),
        ("Outstanding Lead Actress in a Drama Series", "Sheila Vance Okoro", "Salt Road", False),
    ]


def test_no_list_without_an_award():
    ctx = with_people("Outstanding Drama Series\nCopper Lake (WINNER)\nSalt Road\n")
    assert list(find_list_entries(ctx, None)) == []


# --- the ceremony itself -------------------------------------------------------------------

def test_the_ceremonys_host_venue_and_date():
    ctx = with_people("The 75th Primetime Emmy Awards, hosted by Tomas Brandt, took place at "
                      "the Peacock Theater in Los Angeles on Monday, January 15.")
    mentions = awards.award_mentions(ctx)
    ceremony = awards.main_ceremony(ctx, mentions, awards.main_award(ctx, mentions))
    found = list(awards.ceremony_facts(ctx, ceremony, mentions))
    assert {f.host for f in found if f.host} == {Ref("person", "Tomas Brandt")}
    assert {f.venue for f in found if f.venue} == {Ref("place", "Peacock Theater")}
    assert {f.date for f in found if f.date} == {dt.date(2024, 1, 15)}
    assert all(f.ceremony == EMMYS_2023 for f in found)


def test_no_ceremony_no_ceremony_facts():
    ctx = with_people("Tomas Brandt hosted a dinner at the Peacock Theater on Monday.")
    assert list(awards.ceremony_facts(ctx, None, [])) == []


# --- outlets and quotations ----------------------------------------------------------------

def test_outlets_cited_by_a_cue_and_by_a_verb():
    ctx = with_people("The show was renewed, according to Variety. Ada Quill told People "
                      "the news.")
    assert {(c.outlet.kind, c.outlet.name) for c in extract_citations(ctx)} == {
        ("outlet", "Variety"), ("outlet", "People")}


@pytest.mark.parametrize("body, speaker", [
    ('"I never expected this," Ada Quill said backstage.', "Ada Quill"),
    ('Ada Quill walked on stage. "I never expected this," she said.', "Ada Quill"),
])
def test_a_quotation_and_its_speaker(body, speaker):
    (quote,) = extract_quotes(with_people(body))
    assert quote.text.startswith("I never expected this")
    assert quote.speaker == Ref("person", speaker)
