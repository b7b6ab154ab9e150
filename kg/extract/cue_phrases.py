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
from functools import cache
from pathlib import Path

from spacy.matcher import Matcher
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


@cache
def _matcher(vocab: Vocab) -> Matcher:
    matcher = Matcher(vocab, validate=True)
    by_label: dict[str, list[list[dict]]] = {}
    for label, pattern in load_patterns():
        by_label.setdefault(label, []).append(list(pattern))
    for label, patterns in by_label.items():
        matcher.add(label, patterns)
    return matcher


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
