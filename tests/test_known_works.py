"""The corpus-wide title index the second pass searches every article with."""

from __future__ import annotations

import random

import pytest

from kg.extract.known_works import KnownWorks, TitleTable
from kg.gazetteer import fold

TITLES = ["The Copper Lake", "Copper Lake Nights", "Lantern", "The Salt Road", "Grey's Harbor",
          "The Night Shift Harbor", "Ruth", "Salt & Pepper", "Ada's Lantern Days"]


def known(titles: list[str]) -> KnownWorks:
    return KnownWorks({fold(t): t for t in titles})


def matched(works: KnownWorks, text: str) -> set[str]:
    """The titles whose own pattern finds them in ``text``: what the second pass keeps."""
    return {t for t in works.by_fold.values() if works.pattern(t).search(text)}


@pytest.mark.parametrize("text", [
    "The Copper Lake won, and so did copper lake nights.",
    "“Lantern” and the salt road were named; Grey’s Harbor lost.",
    "THE NIGHT SHIFT HARBOR, Ruth and Salt & Pepper.",
    "Ada’s Lantern Days opened.",
    "Copper Lake—the Salt Road.",
])
def test_every_title_the_text_mentions_is_a_candidate(text):
    works = known(TITLES)
    assert matched(works, text) <= set(works.candidates(text))
    assert matched(works, text)  # each text mentions one at least


def test_a_title_is_a_candidate_only_where_its_words_follow_each_other():
    works = known(TITLES)
    # every word of "The Copper Lake" and "The Salt Road" is here, never in a row
    text = "The lake was copper; the road was salt. Nights were long."
    assert works.candidates(text) == []
    assert works.candidates("By copper lake nights.") == ["Copper Lake Nights"]


def test_candidates_stay_exact_however_many_titles_share_first_words():
    """Thousands of titles starting with "The" must not all be tried on every
    article (that made the second pass grow with the square of the corpus)."""
    rng = random.Random(7)
    words = ["Copper", "Salt", "Lantern", "Harbor", "Quill", "Road", "Night", "River"]
    titles = sorted({"The " + " ".join(rng.sample(words, 3)) for _ in range(400)})
    works = known(titles)
    text = f"Tonight the prize went to {titles[5]}, not to the copper road."
    assert works.candidates(text) == [titles[5]]
    assert matched(works, text) == {titles[5]}


def test_an_article_is_touched_by_a_title_only_through_its_letters_in_a_row():
    """A store extracts a kept article again when a title it may touch came
    or went: a mention of the title, a hashtag of its letters, or a person
    named like the title without its "The" (no longer a person)."""
    works = known(["The Ada Quill"])
    assert works.candidates("Ada Quill spoke to the press.") == []
    assert works.mentioned_in("Ada Quill spoke to the press.")
    assert works.mentioned_in("Fans loved THE ADA QUILL.")
    assert not works.mentioned_in("The quill of Ada spoke to the press.")
    lake = known(["Copper Lake"])
    assert not lake.mentioned_in("The lake was copper.")
    assert lake.mentioned_in("Fans wrote #copperlake all night.")
    assert lake.mentioned_in("A copper   lake, at dusk.")


def test_the_title_table_sorts_its_keys_once_for_every_article():
    works = known(TITLES)
    assert isinstance(works.by_fold, TitleTable)
    assert works.by_fold.sorted_keys == sorted(fold(t) for t in TITLES)
    assert works.by_fold.sorted_keys is works.by_fold.sorted_keys


@pytest.mark.parametrize(("title", "text"), [
    ("Harbor Lights", "Tickets for the finale of the newHarbor Lights sold out."),  # glued
    ("Harbor Lights", "Ada Quill, the star of Copper LakeHarbor Lights, won."),
    ("The Ada Quill", "Quill thanked the crew.\n— Ada Qu\u200bill (@adaq) May 1, 2021"),
])
def test_an_article_is_read_as_the_extractors_read_it(title, text):
    """Words a lost line break glued are apart for the tokenizer, and a
    tweet's author is named without invisible characters: a title may touch
    the article through either."""
    assert known([title]).mentioned_in(text)


def test_a_dotted_capital_i_is_the_letter_a_pattern_takes_it_for():
    works = known(["Ada Quill Nights"])
    text = "Fans of ADA QUİLL NIGHTS queued all day."
    assert matched(works, text) == {"Ada Quill Nights"}
    assert works.candidates(text) == ["Ada Quill Nights"]


@pytest.mark.parametrize("text", ["Ada\u0345 won.", "\u0345Ada won.", "won Tin Harbor\u0345 prize"])
def test_a_mark_the_pattern_takes_for_a_letter_or_a_break_leaves_every_title_a_candidate(text):
    """U+0345 is a word break beside a title and, inside one, the letter iota
    to a case-insensitive pattern: a text holding it is searched for all."""
    works = known(["Ada", "Tin Harbor", "Copper Lake"])
    assert matched(works, text) <= set(works.candidates(text))
    assert works.candidates(text) == sorted(works.by_fold.values())


def test_a_title_that_is_only_the_word_the_touches_only_texts_with_the():
    works = known(["The!"])
    assert works.mentioned_in("The! returns.") and not works.mentioned_in("Ada Quill won.")
