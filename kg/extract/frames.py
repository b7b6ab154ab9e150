"""Award frames anchored on category mentions: who won (or was up for) a category.

The cue-phrase rules in ``kg.extract.awards`` start from a verb and look for a
category. This module starts from each category mention and asks the parse
what it belongs to, which covers phrasings nobody listed:

    Wren Adler has won best new artist and best pop album at the Grammys
    The Long Field was crowned best picture
    The award for best actor went to Ivo Marsh for his role in Tin Harbor
    It took two other prizes: best director for Marsh and best actress for Ada Quill
    Ada Quill continued her sweep, winning best actress for her role in The Vane

Each frame is a candidate (a nominee slot, a polarity, a work slot); a frame
is kept only when the category's kind fits the nominee (a person for a
performance category, a title for a program category), so the decision is
made by the category, not by one more phrase.

The same slots mark work titles that no other phrasing marks ("X was crowned
best picture", "best actor for Tin Harbor", "A, Title One, B, Title Two" after
a loss cue, a quoted or parenthesised title): ``frame_titles`` yields them for
the corpus-wide title list of the first pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.tokens import Span, Token

from kg.extract.awards import (
    CategoryMention,
    _is_performer,
    _nearest_work_before,
    _work_after,
    _work_near,
)
from kg.extract.context import ArticleContext, PersonMention, clean_text, subject_core
from kg.extract.works import WorkHit, _cap, placeish, title_after, valid_title
from kg.records import CategoryRef, CeremonyRef, NominationFact, Ref

# how far up the parse a category may sit below the verb that governs it
_MAX_CLIMB = 5
_CLIMB_DEPS = {"dobj", "attr", "pobj", "prep", "oprd", "appos", "conj", "compound", "npadvmod",
               "nsubj", "nsubjpass", "dative", "acomp", "amod", "nmod", "poss", "cc"}
# a frame's polarity comes from the verb's lemma (data: ontology/patterns/cues.json)
_TO_LEMMAS = {"go", "give", "present", "hand", "award"}


@dataclass(frozen=True)
class Frame:
    """A category mention with the verb that governs it and that verb's polarity."""

    category: CategoryMention
    verb: Token
    won: bool
    category_in_subject: bool  # "the award for best actor went to X"


def frames(ctx: ArticleContext, categories: Iterable[CategoryMention]) -> Iterator[Frame]:
    """Frames for the category mentions outside tweets whose governing verb is a
    win or nomination verb."""
    win = ctx.cues.words("win_lemmas") | ctx.cues.words("frame_win_lemmas")
    nominate = ctx.cues.words("nomination_lemmas") | ctx.cues.words("frame_nomination_lemmas")
    for cat in categories:
        if ctx.tweet_at(cat.span):
            continue
        tok, in_subject = cat.span.root, False
        for _ in range(_MAX_CLIMB):
            if tok.dep_ in ("nsubj", "nsubjpass"):
                in_subject = True
            if tok.head.i == tok.i or tok.dep_ not in _CLIMB_DEPS:
                break
            tok = tok.head
            if tok.pos_ in ("VERB", "AUX"):
                break
        if tok.pos_ not in ("VERB", "AUX"):
            continue
        lemma = tok.lemma_.lower()
        if lemma in win or (lemma in _TO_LEMMAS and _has_to(tok)):
            yield Frame(cat, tok, True, in_subject)
        elif lemma in nominate:
            yield Frame(cat, tok, False, in_subject)


def _has_to(verb: Token) -> bool:
    return any(c.dep_ in ("prep", "dative") and c.lower_ == "to" for c in verb.children)


def _to_object(verb: Token) -> Token | None:
    prep = next((c for c in verb.children if c.dep_ in ("prep", "dative") and c.lower_ == "to"),
                None)
    return next((c for c in prep.children if c.dep_ == "pobj"), None) if prep else None


def _subject_token(verb: Token) -> Token | None:
    """The subject of the verb, or of the verb it hangs from ("X continued her
    sweep, winning best actress": the subject of "continued")."""
    head = verb
    for _ in range(4):
        subj = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None:
            return subj
        if head.dep_ not in ("advcl", "xcomp", "conj", "ccomp", "relcl") or head.head.i == head.i:
            return None
        if head.dep_ == "relcl":
            return head.head  # "X, who won best actor, ..."
        head = head.head
    return None


def _person_in(ctx: ArticleContext, tokens: Iterable[Token]) -> list[PersonMention]:
    found: list[PersonMention] = []
    for t in tokens:
        p = ctx.person_at(t.i)
        if p is not None and not p.is_character and p not in found:
            found.append(p)
    return found


def _title_at(ctx: ArticleContext, i: int, hi: int | None = None) -> Span | None:
    """A title starting at token i: the longest known work there, else a
    capitalised run that is not a person named with a given name."""
    span = title_after(ctx, i, hi)
    if span is None:
        return None
    for end in range(span.end, span.start, -1):
        if ctx.known_work(ctx.doc[span.start : end].text):
            return ctx.doc[span.start : end]
    if not valid_title(ctx, span) or placeish(span):
        return None
    person = ctx.person_at(span.start)
    if person is not None and person.given and person.end >= span.end:
        return None
    return span


def _work_name(ctx: ArticleContext, span: Span) -> str:
    return ctx.known_work(span.text) or clean_text(span.text)


def frame_nominations(ctx: ArticleContext, categories: list[CategoryMention],
                      ceremony: CeremonyRef, covered: set[tuple[int, str]]
                      ) -> Iterator[NominationFact]:
    """Nominations read off category frames. ``covered`` holds (evidence start,
    category text) pairs another extractor already decided; those are skipped."""
    doc = ctx.doc
    for frame in frames(ctx, categories):
        cat = frame.category
        sent = cat.span.sent
        ev = ctx.evidence(sent)
        if (ev.start, cat.ref.text) in covered:
            continue
        performer = _is_performer(ctx, cat.ref)
        nominees: list[Ref] = []
        work: str | None = None
        after_cat = cat.span.end
        # "best director for Marsh", "best actress for her role in The Vane"
        if after_cat + 1 < sent.end and doc[after_cat].lower_ == "for":
            p = ctx.person_at(after_cat + 1)
            if p is not None and p.start == after_cat + 1 and not p.is_character:
                nominees.append(Ref("person", p.name))
                work = _work_near(ctx, p, sent.start, sent.end)
        if not nominees and frame.category_in_subject:
            obj = _to_object(frame.verb)
            if obj is not None:
                nominees.extend(_nominee_at(ctx, obj, cat.ref, performer, sent))
        if not nominees and not frame.category_in_subject:
            subj = _subject_token(frame.verb)
            if subj is not None:
                nominees.extend(_nominee_at(ctx, subj, cat.ref, performer, sent))
        if not nominees:
            continue
        for nominee in nominees:
            w = work
            if nominee.kind == "work":
                w = nominee.name
            elif w is None and performer:
                p = next((p for p in ctx.persons_in(sent.start, sent.end)
                          if p.name == nominee.name), None)
                w = (_work_near(ctx, p, sent.start, sent.end) if p else None) or \
                    _work_after(ctx, after_cat, sent.end)
            yield NominationFact(nominee, cat.ref, Ref("work", w) if w else None, ceremony,
                                 frame.won, ev, 0.8)


def _nominee_at(ctx: ArticleContext, tok: Token, cat: CategoryRef, performer: bool,
                sent: Span) -> list[Ref]:
    """The nominee a slot holds: people for a performance category, a title (or
    the work a descriptive noun stands for) for a program category."""
    core = [t for t in subject_core(tok) if t.dep_ != "poss"]  # not "Marsh's film"
    people = _person_in(ctx, core)
    if performer:
        if people:
            return [Ref("person", p.name) for p in people]
        if tok.lower_ in ctx.cues.words("pronouns") or \
                tok.lemma_.lower() in ctx.cues.words("role_nouns"):
            focus = ctx.focus_before(tok.i, pronoun=tok.lower_)
            return [Ref("person", focus.name)] if focus else []
        return []
    if not people:
        start = tok.left_edge.i
        while start < tok.i and not _cap(ctx.doc[start]):
            start += 1
        span = _title_at(ctx, start, sent.end)
        if span is not None and span.start <= tok.i < span.end + 1:
            return [Ref("work", _work_name(ctx, span))]
    if people and _credits_person(ctx, cat):
        return [Ref("person", p.name) for p in people]  # "Marsh won best director"
    if tok.lemma_.lower() in ctx.cues.words("work_nouns") | {"story", "saga", "epic", "tale"}:
        work = _nearest_work_before(ctx, tok.left_edge.i, sentences=2)
        return [Ref("work", work)] if work else []
    return []


def _credits_person(ctx: ArticleContext, cat: CategoryRef) -> bool:
    """Categories a person may win though they are not performances
    (directing, writing, cinematography, an artist's song or album): any
    category without a film or television program word (picture, film, series...)."""
    feats = ctx.gaz.category_rules.features(cat.candidates[0] if cat.candidates else cat.text)
    programs = set(ctx.cues.words("program_category_words"))
    return not (feats & programs)


# --- titles the frames mark (first pass) ------------------------------------------------

_ROLE_WORDS = {"role", "roles", "performance", "turn", "portrayal", "work", "part"}
_POSSESSIVE_PRONOUNS = {"his", "her", "their", "its", "the"}


def frame_titles(ctx: ArticleContext, categories: list[CategoryMention]) -> Iterator[WorkHit]:
    """Titles in the slots of award phrasing (see the module docstring)."""
    doc = ctx.doc
    for cat in categories:
        if ctx.tweet_at(cat.span):
            continue
        sent = cat.span.sent
        # "best actor for Tin Harbor", "best actress for her role in The Vane"
        k = cat.span.end
        if k < sent.end and doc[k].lower_ == "for":
            yield from _title_after_for(ctx, k + 1, sent.end)
    for frame in frames(ctx, categories):
        sent = frame.category.span.sent
        if _is_performer(ctx, frame.category.ref) or frame.category_in_subject:
            # "Ada Quill won best actress for her role in The Vane"
            for t in frame.verb.subtree:
                if t.lower_ == "for" and t.i > frame.category.span.start:
                    yield from _title_after_for(ctx, t.i + 1, sent.end)
                    break
            continue
        subj = _subject_token(frame.verb)
        if subj is None or _person_in(ctx, subject_core(subj)):
            continue
        start = subj.left_edge.i
        while start < subj.i and not _cap(doc[start]):
            start += 1
        span = _title_at(ctx, start, sent.end)
        if span is not None and span.start <= subj.i < span.end + 1:
            yield WorkHit(clean_text(span.text), span, confidence=0.8)
    yield from _name_title_pairs(ctx)
    yield from _parenthesised_titles(ctx)


def _title_after_for(ctx: ArticleContext, i: int, hi: int) -> Iterator[WorkHit]:
    doc = ctx.doc
    k = i
    if k < hi and doc[k].lower_ in _POSSESSIVE_PRONOUNS:
        k += 1
        if k < hi and doc[k].lower_ in _ROLE_WORDS:
            k += 1
            while k < hi and doc[k].lower_ not in {"in", "on", ",", ";"}:  # "as X in"
                k += 1
            if k < hi and doc[k].lower_ in {"in", "on"}:
                k += 1
            else:
                return
            if k < hi and doc[k].lower_ in _POSSESSIVE_PRONOUNS:
                k += 1
        elif k < hi and doc[k].lower_ in ctx.cues.words("work_nouns"):
            k += 1
        else:
            return
    while k < hi and doc[k].lower_ in ctx.cues.words("work_nouns"):
        k += 1
    if k >= hi or ctx.person_at(k) is not None and ctx.person_at(k).given:
        return
    span = _title_at(ctx, k, hi)
    if span is not None:
        yield WorkHit(clean_text(span.text), span, confidence=0.8)


def _name_title_pairs(ctx: ArticleContext) -> Iterator[WorkHit]:
    """"beat A, Title One, B, Title Two and C, Title Three": after a loss or
    nomination cue, a capitalised run between a person and the next comma
    that is not itself a person is the work that person was up for."""
    doc = ctx.doc
    for sent in ctx.sentences:
        if ctx.tweet_at(sent):
            continue
        persons = [p for p in ctx.persons_in(sent.start, sent.end) if not p.is_character]
        for p, nxt in zip(persons, persons[1:], strict=False):
            if p.end + 1 >= nxt.start or doc[p.end].text != ",":
                continue
            end = nxt.start
            while end > p.end + 1 and doc[end - 1].lower_ in {",", "and", "&"}:
                end -= 1
            span = doc[p.end + 1 : end]
            if not span or not _cap(span[0]) or any(t.text in {";", ":"} for t in span):
                continue
            title = title_after(ctx, span.start, end)
            if end == nxt.start:
                continue  # "A, Title B": the title goes with B
            if title is None or title.end != end or not valid_title(ctx, title):
                continue
            if ctx.person_at(title.start) is not None:
                continue
            yield WorkHit(clean_text(title.text), title,
                          person=p if _is_person_slot(ctx, p) else None, confidence=0.7)


def _is_person_slot(ctx: ArticleContext, p: PersonMention) -> bool:
    return not p.is_character


_PAREN = re.compile(r"\(([^()\n]{2,80})\)")


def _parenthesised_titles(ctx: ArticleContext) -> Iterator[WorkHit]:
    """"Ada Quill (The Vane)": a title in parentheses right after a person."""
    doc = ctx.doc
    for m in _PAREN.finditer(ctx.text):
        before = doc.char_span(m.start(), m.start() + 1, alignment_mode="expand")
        if before is None or before.start == 0:
            continue
        person = ctx.person_at(before.start - 1)
        if person is None or person.end != before.start or person.is_character:
            continue
        span = doc.char_span(m.start(1), m.end(1), alignment_mode="expand")
        if span is None or ctx.tweet_at(span):
            continue
        title = title_after(ctx, span.start, span.end)
        if title is None or title.end != span.end or not valid_title(ctx, title) or \
                ctx.person_at(title.start) is not None or \
                re.search(r"\d{4}|@|#", title.text):
            continue
        yield WorkHit(clean_text(title.text), title, person=person, confidence=0.8)


__all__ = ["Frame", "frames", "frame_nominations", "frame_titles"]
