"""Quotation spans and their speakers, on snippets written for these tests."""

from __future__ import annotations

from helpers import build_texts, rows

from kg.extract.quote_spans import find_quote_spans


def spans(text: str) -> list[str]:
    return [text[q.start : q.end] for q in find_quote_spans(text)]


def test_double_and_single_quotes_and_apostrophes():
    text = "She said: 'I didn't know what's next.' Then \u201cthanks\u201d and \"bye now\"."
    assert spans(text) == ["I didn't know what's next.", "thanks", "bye now"]


def test_quote_within_a_quote_stays_in_the_outer_one():
    text = "He said, \"A poet wrote, 'less is more.' I agree.\""
    assert spans(text) == ["A poet wrote, 'less is more.' I agree."]


def test_a_quote_continued_in_the_next_paragraph():
    text = "He went on: \u201cFirst part.\n\n\u201cSecond part.\u201d"
    found = find_quote_spans(text)
    assert [text[q.start:q.end] for q in found] == ["First part.", "Second part."]
    assert [q.continued for q in found] == [False, True]


def test_speakers_by_name_pronoun_role_and_continuation(tmp_path):
    graph = build_texts(tmp_path, {"q1": (
        "Nadia Brooks won an Emmy for Outstanding Lead Actress in a Comedy Series.\n\n"
        "\u201cI am so grateful,\u201d Brooks said. \u201cMy family made this possible.\u201d\n\n"
        "The actress continued: \u201cThank you all.\n\n"
        "\u201cGood night.\u201d\n\n"
        "Critics called the show a \u201cmasterpiece\u201d in their reviews."
    )})
    got = [(r["speaker"], r["quote"]) for r in rows(graph, "quotes")]
    assert sorted(got) == sorted([
        ("Nadia Brooks", "I am so grateful,"),
        ("Nadia Brooks", "My family made this possible."),
        ("Nadia Brooks", "Thank you all."),
        ("Nadia Brooks", "Good night."),
    ])  # the scare quote "masterpiece" has no speaker cue and is not a quotation


def test_text_quoted_inside_a_tweet_is_not_a_quotation(tmp_path):
    graph = build_texts(tmp_path, {"q2": (
        "Fans reacted online.\n\n"
        "She said \"we did it\" and I cried pic.twitter.com/x1 "
        "\u2014 A Fan (@afan) March 1, 2021"
    )})
    assert rows(graph, "quotes") == []


def test_a_stage_name_the_model_does_not_tag_speaks(tmp_path):
    graph = build_texts(tmp_path, {"q2": (
        "The band won Best New Artist at the Grammys.\n\n"
        "\u201cSeven friends from one small town made this,\u201d KQ said."
    )})
    assert [(r["speaker"], r["quote"]) for r in rows(graph, "quotes")] == [
        ("KQ", "Seven friends from one small town made this,")]


def test_a_pronoun_speaker_is_resolved_where_the_pronoun_stands(tmp_path):
    graph = build_texts(tmp_path, {"q": (
        "Ivo Marsh won best actor at the 97th Academy Awards.\n\n"
        "He thanked director Tomas Brandt for \u201cthe wildest journey of my life\u201d."
    )}, date="2025-03-03")
    speakers = {r["speaker"] for r in rows(graph, "quotes")}
    assert speakers == {"Ivo Marsh"}


def test_owned_things_and_photo_credits_are_not_people(tmp_path):
    graph = build_texts(tmp_path, {"p": (
        "Image Source: Getty Images | Photo by Lena Ortiz\n\n"
        "Wren Adler won best new artist at the 67th Annual Grammy Awards, then promoted "
        "her record-breaking Halcyon Nights Tour on stage."
    )}, date="2025-02-03")
    people = {r["entity"] for r in rows(graph, "entities") if r["type"] == "Person"}
    assert "Wren Adler" in people and "Lena Ortiz" in people
    assert not {"Photo", "Halcyon Nights Tour", "Image Source"} & people


def test_a_hyphenated_stage_name_speaks(tmp_path):
    graph = build_texts(tmp_path, {"s": (
        "Koray won Top Social Artist at the 2025 Billboard Music Awards.\n\n"
        "\"Thank you fans for giving us this award,\" J-Kay began while RM added, "
        "\"We think this award is proof of our bond.\""
    )}, date="2025-05-20")
    speakers = {r["speaker"] for r in rows(graph, "quotes")}
    assert speakers == {"J-Kay", "RM"}


def test_an_opening_participle_is_no_first_name(tmp_path):
    graph = build_texts(tmp_path, {"p": (
        "Koray won the Top Social Artist award at the 2025 Billboard Music Awards.\n"
        "Beating Lune, Mado, Tessa Vale and Wren Adler, Koray won the fan-voted honour for "
        "the fourth consecutive time."
    )}, date="2025-05-20")
    people = {r["entity"] for r in rows(graph, "entities") if r["type"] == "Person"}
    assert "Beating Lune" not in people and "Lune" in people
