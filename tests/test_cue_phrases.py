"""Cue phrases as Matcher patterns: each label on sentences written for these
tests, and a bad pattern file failing loudly."""

from __future__ import annotations

import pytest

from kg.extract.cue_phrases import CuePatternError, cue_length, cue_spans, load_patterns
from kg.nlp import load_pipeline


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def _cues(nlp, text: str) -> dict[str, set[str]]:
    doc = nlp(text)
    found: dict[str, set[str]] = {}
    for span in cue_spans(doc):
        if cue_length(doc, span.start, span.label_) == len(span):  # the longest at its start
            found.setdefault(span.label_, set()).add(span.text.lower())
    return found


@pytest.mark.parametrize(("text", "label", "phrase"), [
    ("Ada Quill took home best actress.", "WIN", "took home"),
    ("Ada Quill is taking home the prize.", "WIN", "taking home"),
    ("Tin Harbor (won!) best drama.", "WIN", "(won!)"),
    ("Ada Quill beat out Lena Ortiz.", "LOSS", "beat out"),
    ("Ada Quill was up against Lena Ortiz.", "LOSS", "up against"),
    ("The award for best actress goes to Ada Quill.", "AWARD_TO", "goes to"),
    ("Best actress was presented to Ada Quill.", "AWARD_TO", "was presented to"),
    ("Lena Ortiz lost out to Ada Quill.", "LOST_TO", "lost out to"),
    ("Lena Ortiz is losing to Ada Quill again.", "LOST_TO", "losing to"),
    ("The show was hosted by Ivo Marsh.", "HOST", "hosted by"),
    ("The actress told Harbor Weekly she was thrilled.", "CITATION", "told"),
    ("(Photo courtesy: Harbor Weekly)", "CITATION", "(photo courtesy:"),
])
def test_each_label_matches_its_phrasing_in_any_inflection(nlp, text, label, phrase):
    assert phrase in _cues(nlp, text).get(label, set())


def test_going_to_is_no_award_cue(nlp):
    assert "AWARD_TO" not in _cues(nlp, "Ada Quill is going to the ceremony.")


def test_a_bad_pattern_line_names_the_file_and_line(tmp_path):
    bad = tmp_path / "cues.jsonl"
    bad.write_text('{"label": "WIN", "pattern": [{"LOWER": "won"}]}\n'
                   '{"label": "TRIUMPH", "pattern": [{"LOWER": "won"}]}\n', encoding="utf-8")
    with pytest.raises(CuePatternError, match=r"cues\.jsonl:2: unknown label"):
        load_patterns(bad)
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(CuePatternError, match=r"cues\.jsonl:1"):
        load_patterns(bad)


def test_the_split_matcher_finds_what_one_plain_matcher_finds(nlp):
    """Fixed words go to a PhraseMatcher and ``IN`` sets are written out, for
    speed: the matches must be those of spaCy's Matcher over the file's
    patterns as written."""
    from spacy.matcher import Matcher

    from kg.extract.cue_phrases import _matcher

    plain = Matcher(nlp.vocab)
    for label, pattern in load_patterns():
        plain.add(label, [list(pattern)])
    doc = nlp("Ada Quill took home the trophy and beat out Lena Ortiz, who lost out to her "
              "last year (won!). The prize went to Tomas Brandt, according to Harbor Weekly; "
              "he was honoured with it and told reporters he had competed with Noor Okafor. "
              "Courtesy: Harbor Weekly. The show, hosted by Ivo Marsh, was up against the likes "
              "of Tin Harbor, as per the nominees included list.")
    found = {(doc.vocab.strings[m], s, e) for m, s, e in _matcher(nlp.vocab)(doc)}
    assert found == {(doc.vocab.strings[m], s, e) for m, s, e in plain(doc)}
    assert {label for label, *_ in found} == {"WIN", "LOSS", "AWARD_TO", "LOST_TO", "HOST",
                                              "CITATION"}


def test_a_cased_orth_pattern_keeps_its_case_and_a_bad_in_set_is_refused(nlp):
    """Only caseless ORTH marks ("(", "!") go to the lower-case PhraseMatcher;
    an ORTH word with letters stays case-sensitive, and an ``IN`` that is not a
    list reaches the Matcher's validation instead of being spelt out."""
    from kg.extract.cue_phrases import _CueMatcher

    matcher = _CueMatcher(nlp.vocab, [("CITATION", ({"ORTH": "per"},)),
                                      ("WIN", ({"ORTH": "("}, {"LOWER": "won"}))])
    doc = nlp("PER the release, Ada Quill (WON) it; per Tomas Brandt, she did.")
    found = {(doc.vocab.strings[m], doc[s:e].text) for m, s, e in matcher(doc)}
    assert found == {("CITATION", "per"), ("WIN", "(WON")}
    from spacy.errors import MatchPatternError

    with pytest.raises(MatchPatternError, match=r"\bIN\b"):
        _CueMatcher(nlp.vocab, [("WIN", ({"LOWER": {"IN": "won"}},))])
