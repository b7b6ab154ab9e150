"""What the extractors know about one article: the Doc and views of it
(tokens, sentences, entities, tweets, quotations), offsets, evidence, the
people named in it, who the text is about at a point, and the corpus's work
titles.

An ``ArticleContext`` does not change once made. The people and the titles are
found by steps of their own (``kg.extract.people.collect_persons``, the first
pass over the whole corpus) and handed over with ``derive``, which makes a new
context over the same Doc: so no extractor sees a half-filled list, and the
indexes built over the people are never out of date. (What it caches of the
Doc alone, such as the category mentions per award, only ever gains entries,
each the same whenever it is computed.)"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property

from spacy.tokens import Doc, Span, Token

from kg.articles import Article
from kg.datafiles import CuesFile, read_data
from kg.extract.known_works import TitleTable
from kg.extract.quote_spans import find_quote_spans
from kg.extract.tweets import TweetSpan, find_tweets
from kg.gazetteer import ONTOLOGY_DIR, Gazetteer, fold
from kg.records import Evidence

_PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f",
                   "actress": "f"}
APOSTROPHE_S = {"'s", "’s", "‘s", "'", "’"}
# quotation marks that open and close a quoted title or quotation, curly and straight
OPEN_QUOTES = frozenset({'"', "“", "‘", "'"})
CLOSE_QUOTES = frozenset({'"', "”", "’", "'"})


@dataclass(frozen=True)
class Cues:
    """Cue words from ``ontology/patterns/cues.json`` (cue phrases are Matcher
    patterns: ``kg.extract.cue_phrases``)."""

    raw: dict
    _sets: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def words(self, key: str) -> frozenset[str]:
        """The casefolded words under ``key``, built once (asked for on every token)."""
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = frozenset(w.casefold() for w in self.raw.get(key, ()))
        return found



@cache
def load_cues() -> Cues:
    return Cues(read_data(ONTOLOGY_DIR / "patterns" / "cues.json", CuesFile))


@dataclass
class PersonMention:
    start: int  # token indexes in the doc
    end: int
    name: str  # the fullest name the article gives this person
    is_character: bool = False
    given: bool = False  # starts with a known given name: surely a person, not a title


# how far back (in characters) the person a pronoun refers to is looked for; a
# paragraph of real news is well under this, so only run-on texts are cut
FOCUS_WINDOW_CHARS = 10_000


# the views of the Doc alone, which a derived context shares with its source
# (views of the people or the titles are built again for the new ones)
_DOC_VIEWS = ("tweets", "tokens", "sentences", "sentence_starts", "text", "ents",
              "_ent_starts", "_tweet_starts", "tweet_token_starts", "_line_breaks",
              "quote_token_mask", "capitalised")


@dataclass(frozen=True)
class ArticleContext:
    article: Article
    doc: Doc
    gaz: Gazetteer
    cues: Cues = field(default_factory=load_cues)
    persons: tuple[PersonMention, ...] = ()  # in text order
    works: TitleTable = field(default_factory=TitleTable)  # folded title -> title
    # one Evidence per sentence, shared by the contexts derived from this one
    _evidence_by_offsets: dict[tuple[int, int], Evidence] = field(default_factory=dict,
                                                                  repr=False)
    _memos: dict[str, dict] = field(default_factory=dict, repr=False, compare=False)
    # award name -> the category mentions found for it (``kg.extract.awards``): they
    # depend on the Doc alone, so derived contexts share them, and the first
    # pass's are kept for the second (``kg.pipeline.first_pass_state``)
    categories_by_award: dict[str, list] = field(default_factory=dict, repr=False,
                                                 compare=False)

    def derive(self, persons: Iterable[PersonMention] | None = None,
               works: Mapping[str, str] | None = None) -> ArticleContext:
        """A context over the same Doc that knows these people or titles (the
        Doc's views are shared, not made again)."""
        changes: dict[str, object] = {}
        if persons is not None:
            changes["persons"] = tuple(persons)
        if works is not None:
            changes["works"] = works if isinstance(works, TitleTable) else TitleTable(works)
        new = dataclasses.replace(self, _memos={}, **changes)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k in _DOC_VIEWS})
        return new

    def memo(self, name: str) -> dict:
        """A dict an extractor keeps its own index of this article in (clause
        splits per sentence, counts per name ...), one per ``name`` and
        context: a context does not change, so nothing kept goes stale."""
        return self._memos.setdefault(name, {})

    @property
    def offset(self) -> int:
        return self.article.body_start

    @cached_property
    def tweets(self) -> list[TweetSpan]:
        return list(find_tweets(self.article.text, self.article.body_start))

    @cached_property
    def tokens(self) -> list[Token]:
        """The Doc's tokens, made once: ``doc[i]`` builds a new Token object on
        every call, and the extractors ask for tokens by index millions of times."""
        return list(self.doc)

    @cached_property
    def capitalised(self) -> list[int]:
        """The indices of the tokens that start with a capital, in order: only
        these can start a known title (``kg.extract.awards.works_at``), so a
        scan of a whole article for titles asks about these alone (asking
        about every token was a twentieth of an article's extraction)."""
        return [t.i for t in self.tokens if t.text[:1].isupper()]

    def capitalised_in(self, start: int, end: int) -> list[int]:
        """``capitalised`` from token ``start`` up to ``end``."""
        caps = self.capitalised
        return caps[bisect.bisect_left(caps, start) : bisect.bisect_left(caps, end)]

    @cached_property
    def sentences(self) -> list[Span]:
        return list(self.doc.sents)

    @cached_property
    def sentence_starts(self) -> list[int]:
        """Where each sentence starts, in order (the sentences cover the Doc)."""
        return [s.start for s in self.sentences]

    def sentence_index(self, i: int) -> int:
        """The index in ``sentences`` of token ``i``'s sentence, by bisection."""
        return bisect.bisect_right(self.sentence_starts, i) - 1

    def sentence_at(self, i: int) -> Span:
        """The sentence of token ``i``, by bisection (spaCy's ``Span.sent`` walks
        the sentence, which is slow when a sentence is very long)."""
        return self.sentences[self.sentence_index(i)]

    @cached_property
    def text(self) -> str:
        """The Doc's text, computed once (spaCy joins its tokens on every access)."""
        return self.doc.text

    def text_of(self, start: int, end: int) -> str:
        """``doc[start:end].text`` without making the Span (asked for every end
        of every run of capitals that may be a title)."""
        if end <= start:
            return ""
        first, last = self.tokens[start], self.tokens[end - 1]
        return self.text[first.idx : last.idx + len(last)]

    @cached_property
    def ents(self) -> list[Span]:
        """The Doc's entities, computed once (spaCy rebuilds them on every access)."""
        return list(self.doc.ents)

    @cached_property
    def _ent_starts(self) -> list[int]:
        return [e.start for e in self.ents]

    def ents_in(self, span: Span) -> list[Span]:
        """The entities inside ``span`` (found by bisection: entities are sorted
        and do not overlap)."""
        out = []
        for k in range(bisect.bisect_left(self._ent_starts, span.start), len(self.ents)):
            e = self.ents[k]
            if e.start >= span.end:
                break
            if e.end <= span.end:
                out.append(e)
        return out

    def ent_at(self, i: int) -> Span | None:
        k = bisect.bisect_right(self._ent_starts, i) - 1
        return self.ents[k] if k >= 0 and self.ents[k].end > i else None

    def file_offset(self, char: int) -> int:
        return self.offset + char

    @cached_property
    def _tweet_starts(self) -> list[int]:
        return [t.start for t in self.tweets]

    @cached_property
    def tweet_token_starts(self) -> list[int]:
        """The token each embedded tweet starts at, in text order, computed once
        (a clause asks where the next tweet begins for every cue word: looking
        at every tweet each time is quadratic in an article of many tweets)."""
        out = []
        for t in self.tweets:
            span = self.doc.char_span(t.start - self.offset, t.end - self.offset,
                                      alignment_mode="expand")
            if span is not None:
                out.append(span.start)
        return out

    def tweet_at(self, token: Token | Span) -> TweetSpan | None:
        """The embedded tweet holding ``token`` (tweets are in text order and do
        not overlap, so found by bisection)."""
        return self.tweet_at_offset(
            self.file_offset(token.idx if isinstance(token, Token) else token.start_char))

    def tweet_at_offset(self, pos: int) -> TweetSpan | None:
        """The embedded tweet holding file offset ``pos``, by bisection."""
        k = bisect.bisect_right(self._tweet_starts, pos) - 1
        return self.tweets[k] if k >= 0 and pos < self.tweets[k].end else None

    def evidence(self, span: Span) -> Evidence:
        """Evidence for a fact found in ``span``: its sentence (or tweet)."""
        tweet = self.tweet_at(span)
        if tweet:
            return self.evidence_chars(tweet.start, tweet.end, file_offsets=True)
        sent = self.sentence_at(span.start) if span.start < len(self.doc) else span
        return self.evidence_chars(sent.start_char, sent.end_char)

    def evidence_chars(self, start: int, end: int, file_offsets: bool = False) -> Evidence:
        if not file_offsets:
            start, end = self.file_offset(start), self.file_offset(end)
        text = self.article.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        # one object per sentence: an article's dozens of mentions share it
        # (and so does pickling), rather than each holding a copy of the text
        shared = self._evidence_by_offsets.get((start, end))
        if shared is None:
            shared = self._evidence_by_offsets[(start, end)] = Evidence(
                self.article.id, start, end, text[start:end])
        return shared

    # --- people -------------------------------------------------------------------

    # The indexes below, built once per context, turn scans of every person
    # (quadratic over a long article) into lookups.

    def person_at(self, i: int) -> PersonMention | None:
        return self._person_index.get(i)

    @cached_property
    def _person_index(self) -> dict[int, PersonMention]:
        """Token -> the first person (in list order) covering it."""
        index: dict[int, PersonMention] = {}
        for p in self.persons:
            for k in range(p.start, p.end):
                index.setdefault(k, p)
        return index

    def persons_in(self, start: int, end: int) -> list[PersonMention]:
        """The people wholly inside tokens [start, end), in ``persons`` order,
        found by bisection over their starts (asked once per clause and
        candidate title: a scan of every person would be quadratic)."""
        starts, order = self._persons_by_start
        found = []
        for k in range(bisect.bisect_left(starts, start), len(starts)):
            p_start, index = order[k]
            if p_start > end:
                break
            if self.persons[index].end <= end:
                found.append(index)
        return [self.persons[i] for i in sorted(found)]

    @cached_property
    def _persons_by_start(self) -> tuple[list[int], list[tuple[int, int]]]:
        """(starts, (start, index in ``persons``)) sorted by start."""
        order = sorted((p.start, i) for i, p in enumerate(self.persons))
        return [start for start, _ in order], order

    def named_elsewhere(self, key: str, i: int) -> bool:
        """Whether a person not covering token ``i`` is called ``key`` (casefolded)
        in full or, for a name of several words, by one of its words: "Lindqvist"
        of "Maya Lindqvist". By an index of the names."""
        return any(not p.start <= i < p.end for p in self._persons_by_word.get(key, ()))

    @cached_property
    def _persons_by_word(self) -> dict[str, list[PersonMention]]:
        index: dict[str, list[PersonMention]] = {}
        for p in self.persons:
            name = p.name.casefold()
            words = name.split()
            for w in dict.fromkeys([name, *(words if len(words) > 1 else ())]):
                index.setdefault(w, []).append(p)
        return index

    def focus_before(self, i: int, pronoun: str | None = None) -> PersonMention | None:
        """The person the text is about at token ``i`` (whom "he", "she" or "the
        winner" refers to): the most salient person of the current paragraph so
        far, where being a sentence subject counts double and a later mention wins
        a tie; in a paragraph that names no one who fits, the focus of the last
        paragraph that does. "she" and "he" only refer to people whose first name
        is not known to be of the other gender."""
        doc = self.doc
        wanted = _PRONOUN_GENDER.get((pronoun or "").casefold())
        # only the last paragraph that names someone who fits counts: walk the
        # people back from ``i`` and stop once that paragraph is behind us
        # (walking from the start would be quadratic in a long article)
        starts = self._person_starts
        table: dict[str, float] = {}
        last: dict[str, PersonMention] = {}
        focus_para = None
        # a "paragraph" of a text without line breaks can be the whole text: only
        # the people within FOCUS_WINDOW_CHARS before ``i`` count, so each call
        # costs at most that window, not the text so far
        horizon = (doc[i].idx if i < len(doc) else len(doc.text)) - FOCUS_WINDOW_CHARS
        for k in range(bisect.bisect_right(starts, i) - 1, -1, -1):
            p = self.persons[k]
            if doc[p.start].idx < horizon:
                break
            head = doc[p.end - 1]
            if p.is_character or self.in_quote(p.start) or head.dep_ in ("poss", "compound"):
                continue
            if wanted and self.gaz.gender(p.name.split()[0]) not in (None, wanted):
                continue
            para = self.paragraph_start(doc[p.start].idx)
            if focus_para is None:
                focus_para = para
            elif para != focus_para:
                break
            subject = any(t.dep_ in ("nsubj", "nsubjpass") for t in doc[p.start : p.end])
            table[p.name] = table.get(p.name, 0.0) + (2.0 if subject else 1.0)
            last.setdefault(p.name, p)
        if not table:
            return None
        name = max(table, key=lambda n: (table[n], last[n].start))
        return last[name]

    @cached_property
    def _person_starts(self) -> list[int]:
        """The start token of each person, in list order (people are kept in text
        order)."""
        return [p.start for p in self.persons]

    @cached_property
    def _line_breaks(self) -> list[int]:
        return [m.start() for m in re.finditer("\n", self.text)]

    def paragraph_start(self, char: int) -> int:
        """Where the line holding ``char`` starts (by bisection over the line breaks)."""
        k = bisect.bisect_left(self._line_breaks, char)
        return self._line_breaks[k - 1] + 1 if k else 0

    @cached_property
    def quote_token_mask(self) -> set[int]:
        mask: set[int] = set()
        for q in find_quote_spans(self.text):
            span = self.doc.char_span(q.start, q.end, alignment_mode="expand")
            if span is not None:
                mask.update(range(span.start, span.end))
        return mask

    def in_quote(self, i: int) -> bool:
        return i in self.quote_token_mask

    def known_work(self, text: str) -> str | None:
        return self.works.get(fold(text))

    def may_start_known_work(self, word: str) -> bool:
        """Whether some known title starts with ``word`` (a cheap test before
        trying every run of capitals that starts there against the titles)."""
        keys, prefix = self.works.sorted_keys, fold(word)
        k = bisect.bisect_left(keys, prefix)
        return k < len(keys) and keys[k].startswith(prefix)


_CORE_DEPS = {"compound", "conj", "cc", "flat", "det", "amod", "nmod", "punct", "poss", "case"}


def subject_core(token: Token) -> list[Token]:
    """The subject phrase without its relative clauses and modifiers ("Wren, who
    edged out X, kept it brief" is about Wren, not X): the head with its
    compounds and coordinated heads ("A and B won")."""
    out, todo = [], [token]
    while todo:
        t = todo.pop()
        out.append(t)
        todo.extend(c for c in t.children if c.dep_ in _CORE_DEPS)
    return sorted(out, key=lambda t: t.i)


def known_name(ent: Span) -> str:
    """The canonical name the gazetteer ruler gave an entity, else its text."""
    return ent.ent_id_ or ent.text


def clean_text(text: str) -> str:
    """Normalise whitespace and typographic apostrophes in a name."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip(" ,;:-–—\"“”'")


def is_possessive(token: Token) -> bool:
    return token.text in APOSTROPHE_S or token.tag_ == "POS"
