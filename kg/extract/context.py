"""Per-article state shared by the extractors: the Doc, offsets, evidence,
the people named in the article and who the text is currently about."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache, cached_property

from spacy.tokens import Doc, Span, Token

from kg.articles import Article
from kg.extract.tweets import TweetSpan, find_tweets
from kg.gazetteer import ONTOLOGY_DIR, Gazetteer, fold
from kg.records import Evidence

APOSTROPHE_S = {"'s", "’s", "‘s", "'", "’"}


@dataclass(frozen=True)
class Cues:
    """Cue words and phrases from ``ontology/patterns/cues.json``."""

    raw: dict

    def words(self, key: str) -> frozenset[str]:
        return frozenset(w.casefold() for w in self.raw.get(key, ()))

    def phrases(self, key: str) -> list[tuple[str, ...]]:
        out = [tuple(p.casefold().split()) for p in self.raw.get(key, ())]
        return sorted(out, key=lambda p: (-len(" ".join(p)), p))


@cache
def load_cues() -> Cues:
    return Cues(json.loads((ONTOLOGY_DIR / "patterns" / "cues.json").read_text(encoding="utf-8")))


@dataclass
class PersonMention:
    start: int  # token indexes in the doc
    end: int
    name: str  # the fullest name the article gives this person
    is_character: bool = False
    given: bool = False  # starts with a known given name: surely a person, not a title


@dataclass
class ArticleContext:
    article: Article
    doc: Doc
    gaz: Gazetteer
    cues: Cues = field(default_factory=load_cues)
    persons: list[PersonMention] = field(default_factory=list)
    works: dict[str, str] = field(default_factory=dict)  # folded title -> title

    @property
    def offset(self) -> int:
        return self.article.body_start

    @cached_property
    def tweets(self) -> list[TweetSpan]:
        return list(find_tweets(self.article.text, self.article.body_start))

    @cached_property
    def sentences(self) -> list[Span]:
        return list(self.doc.sents)

    def file_offset(self, char: int) -> int:
        return self.offset + char

    def tweet_at(self, token: Token | Span) -> TweetSpan | None:
        pos = self.file_offset(token.idx if isinstance(token, Token) else token.start_char)
        return next((t for t in self.tweets if t.start <= pos < t.end), None)

    def evidence(self, span: Span) -> Evidence:
        """Evidence for a fact found in ``span``: its sentence (or tweet)."""
        tweet = self.tweet_at(span)
        if tweet:
            return self.evidence_chars(tweet.start, tweet.end, file_offsets=True)
        sent = span.sent if span.start < len(self.doc) else span
        return self.evidence_chars(sent.start_char, sent.end_char)

    def evidence_chars(self, start: int, end: int, file_offsets: bool = False) -> Evidence:
        if not file_offsets:
            start, end = self.file_offset(start), self.file_offset(end)
        text = self.article.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return Evidence(self.article.id, start, end, text[start:end])

    # --- people -------------------------------------------------------------------

    def person_at(self, i: int) -> PersonMention | None:
        return next((p for p in self.persons if p.start <= i < p.end), None)

    def persons_in(self, start: int, end: int) -> list[PersonMention]:
        return [p for p in self.persons if start <= p.start and p.end <= end]

    def focus_before(self, i: int) -> PersonMention | None:
        """The person the text is about at token ``i``: the last person who was a
        sentence subject (or a sentence's first named person) before ``i``."""
        best = None
        for sent in self.sentences:
            if sent.start > i:
                break
            cands = [p for p in self.persons_in(sent.start, min(sent.end, i + 1))
                     if not p.is_character and not self.in_quote(p.start)
                     and self.doc[p.end - 1].dep_ not in ("poss", "pobj", "dobj", "compound")]
            subj = [p for p in cands if any(
                t.dep_ in ("nsubj", "nsubjpass") for t in self.doc[p.start : p.end])]
            if subj:
                best = subj[-1]
            elif cands:
                best = cands[0]
        return best

    @cached_property
    def quote_token_mask(self) -> set[int]:
        from kg.extract.quotes import find_quote_spans

        mask: set[int] = set()
        for q in find_quote_spans(self.doc.text):
            span = self.doc.char_span(q.start, q.end, alignment_mode="expand")
            if span is not None:
                mask.update(range(span.start, span.end))
        return mask

    def in_quote(self, i: int) -> bool:
        return i in self.quote_token_mask

    def known_work(self, text: str) -> str | None:
        return self.works.get(fold(text))


def clean_text(text: str) -> str:
    """Normalise whitespace and typographic apostrophes in a name."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip(" ,;:-–—\"“”'")


def is_possessive(token: Token) -> bool:
    return token.text in APOSTROPHE_S or token.tag_ == "POS"
