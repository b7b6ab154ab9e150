"""Cue phrases ("took home", "lost out to", "according to") as spaCy ``Matcher``
patterns over lemmas and lower-case forms.

The patterns are data: ``ontology/patterns/cue_phrases.jsonl``, one pattern per
line with its label, in the token-pattern format of spaCy's ``Matcher`` and
``EntityRuler``::

    {"label": "LOST_TO", "pattern": [{"LEMMA": "lose"}, {"LOWER": "to"}]}

so adding a phrasing is one line (and one test). A lemma covers every
inflection ("lost to", "loses to", "losing to"); a lower-case form is used where
only some inflections are a cue ("won" wins, "win" is read from the parse).

All cues of a Doc are matched in one pass and kept in ``doc.spans["kg_cues"]``.
A reader asks for the longest match of one label starting at a token. Labels
may overlap ("beat" is both WIN and LOSS); the reader sets the precedence, and
``kg.extract.awards.extract_nominations`` reads AWARD_TO, then LOST_TO, then
LOSS and WIN together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup
from spacy.vocab import Vocab

from kg.gazetteer import ONTOLOGY_DIR

PATTERNS_FILE = ONTOLOGY_DIR / "patterns" / "cue_phrases.jsonl"
LABELS = ("WIN", "LOSS", "AWARD_TO", "LOST_TO", "HOST", "CITATION")
SPANS_KEY = "kg_cues"
_TABLE_KEY = "kg_cue_table"


class CuePatternError(ValueError):
    """A line of the cue pattern file that is not a valid pattern."""


@cache
def load_patterns(path: Path = PATTERNS_FILE) -> tuple[tuple[str, tuple[dict, ...]], ...]:
    """(label, pattern) pairs from the JSONL file; a bad line fails loudly with
    its path and line number."""
    out: list[tuple[str, tuple[dict, ...]]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label, pattern = row["label"], row["pattern"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise CuePatternError(f"{path}:{number}: not a cue pattern ({exc})") from exc
        if label not in LABELS:
            raise CuePatternError(f"{path}:{number}: unknown label {label!r}; one of {LABELS}")
        if not isinstance(pattern, list) or not pattern or \
                not all(isinstance(t, dict) and t for t in pattern):
            raise CuePatternError(f"{path}:{number}: a pattern is a non-empty list of tokens")
        out.append((label, tuple(pattern)))
    return tuple(out)


def _spelled_out(pattern: tuple[dict, ...]) -> list[list[dict]]:
    """The pattern with each ``{"ATTR": {"IN": [...]}}`` token written out as
    one pattern per value: the same matches, found without a Python call per
    token and pattern (what an ``IN`` set costs the Matcher)."""
    out: list[list[dict]] = [[]]
    for token in pattern:
        (attr, value), *rest = token.items()
        if rest or not isinstance(value, dict) or list(value) != ["IN"] or \
                not isinstance(value["IN"], list):  # anything else: the Matcher validates it
            out = [[*head, token] for head in out]
        else:
            out = [[*head, {attr: v}] for head in out for v in dict.fromkeys(value["IN"])]
    return out


def _lower_words(pattern: list[dict]) -> list[str] | None:
    """The lower-case words the pattern spells, if each token is one fixed
    lower-case form (``LOWER``, or ``ORTH`` of a mark without letters, which
    has no case: "(" or "!"); else None."""
    words = []
    for token in pattern:
        (attr, value), *rest = token.items()
        if rest or not isinstance(value, str) or value != value.lower() or not (
                attr == "LOWER" or (attr == "ORTH" and value == value.upper())):
            return None
        words.append(value)
    return words


class _CueMatcher:
    """Every pattern's matches, as spaCy's ``Matcher`` gives them. The patterns
    that spell fixed words go to a ``PhraseMatcher`` on lower-case forms, which
    looks each token up once; the rest (lemmas) stay in a ``Matcher``, which
    tries every pattern at every token (most of the time of reading a Doc's cues
    when all were there)."""

    def __init__(self, vocab: Vocab,
                 patterns: Iterable[tuple[str, tuple[dict, ...]]] | None = None) -> None:
        self.tokens = Matcher(vocab, validate=True)
        self.phrases = PhraseMatcher(vocab, attr="LOWER")
        token_patterns: dict[str, list[list[dict]]] = {}
        phrases: dict[str, list[Doc]] = {}
        for label, pattern in load_patterns() if patterns is None else patterns:
            for spelled in _spelled_out(pattern):
                words = _lower_words(spelled)
                if words is None:
                    token_patterns.setdefault(label, []).append(spelled)
                else:
                    phrases.setdefault(label, []).append(Doc(vocab, words=words))
        for label, alternatives in token_patterns.items():
            self.tokens.add(label, alternatives)
        for label, docs in phrases.items():
            self.phrases.add(label, docs)

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(label, start, end) of every match, each once, in document order."""
        return sorted({*self.tokens(doc), *self.phrases(doc)}, key=lambda m: (m[1], m[2], m[0]))


@cache
def _matcher(vocab: Vocab) -> _CueMatcher:
    return _CueMatcher(vocab)


def forget_matchers() -> None:
    """Drop the matchers built for each vocabulary (with ``release_pipeline``)."""
    _matcher.cache_clear()


def cue_spans(doc: Doc) -> SpanGroup:
    """Every cue phrase in the Doc (kept in ``doc.spans["kg_cues"]``)."""
    if SPANS_KEY not in doc.spans:
        matcher = _matcher(doc.vocab)
        doc.spans[SPANS_KEY] = [Span(doc, start, end, label=match_id)
                                for match_id, start, end in matcher(doc)]
    return doc.spans[SPANS_KEY]


def cue_length(doc: Doc, i: int, label: str) -> int:
    """Number of tokens of the longest ``label`` cue starting at token ``i`` (0
    if none)."""
    table = doc.user_data.get(_TABLE_KEY)
    if table is None:
        table = {name: {} for name in LABELS}
        for span in cue_spans(doc):
            starts = table[span.label_]
            starts[span.start] = max(starts.get(span.start, 0), len(span))
        doc.user_data[_TABLE_KEY] = table
    return table[label].get(i, 0)


__all__ = ["LABELS", "CuePatternError", "cue_length", "cue_spans", "forget_matchers",
           "load_patterns"]
