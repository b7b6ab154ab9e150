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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from spacy.tokens import Span, Token

from kg.extract.awards import (
    CategoryMention,
    credit_role,
    credits_person,
    is_acting,
    is_performer,
    is_program,
    is_record_performance,
    nearest_work_before,
    work_after,
    work_near,
    works_at,
)
from kg.extract.context import (
    ArticleContext,
    PersonMention,
    clean_text,
    is_possessive,
    subject_core,
)
from kg.extract.works import (
    TITLE_INNER,
    WorkHit,
    glued,
    is_cap,
    name_after,
    quoted_title_at,
    title_after,
    valid_title,
)
from kg.nlp import AWARD
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
    passing = ctx.cues.words("frame_passing_lemmas")
    title_nouns = ctx.cues.words("category_title_nouns")
    up_for = ctx.cues.words("frame_nomination_for_words")
    for cat in categories:
        if ctx.tweet_at(cat.span):
            continue
        tok, in_subject, contending = cat.span.root, False, False
        for _ in range(_MAX_CLIMB):
            if tok.dep_ in ("nsubj", "nsubjpass"):
                in_subject = True
            if tok.head.i == tok.i or tok.dep_ not in _CLIMB_DEPS:
                break
            tok = tok.head
            if tok.lower_ == "for" and tok.i > 0 and tok.doc[tok.i - 1].lower_ in up_for:
                contending = True  # "was up for two awards - A and B"
            if tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() not in passing:
                break  # not "including": "took four, including best actress for X"
            if tok.pos_ == "NOUN" and tok.lemma_.lower() in title_nouns:
                break
        lemma = tok.lemma_.lower()
        if tok.pos_ == "NOUN" and lemma in title_nouns:
            # "first-time winners in key categories, including best actress (X)"
            yield Frame(cat, tok, True, False)
            continue
        if tok.pos_ not in ("VERB", "AUX"):
            continue
        if contending:
            yield Frame(cat, tok, False, in_subject)
        elif lemma in win or (lemma in _TO_LEMMAS and _has_to(tok)):
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


def _title_at(ctx: ArticleContext, i: int, hi: int) -> Span | None:
    """The title starting at token i of a slot that only a title fills: the
    longest known work there, else the capitalised run ("Tin Harbor", "Can You
    Ever Forgive Me?", "Avatar: The Long Tide"), whatever the model's entity
    labels say, unless it is a person named with a known given name."""
    toks = ctx.tokens
    span = _slot_run(ctx, i, hi)
    if span is None:
        return None
    k = span.end
    if k < hi and is_possessive(toks[k]):  # "Wizkid's “Essence”": the owner, then the title
        k += 1
        while k < hi and toks[k].text in {'"', "“", "‘", "'"}:
            k += 1
        return _title_at(ctx, k, hi) if k < hi and is_cap(toks[k]) else None
    for end in range(span.end, span.start, -1):
        if ctx.known_work(ctx.text_of(span.start, end)):
            return ctx.doc[span.start : end]
    if not valid_title(ctx, span, strict=False) or span.text.isupper():
        return None
    person = ctx.person_at(span.start)
    if person is not None and person.given and person.end >= span.end:
        return None
    return span


def _slot_run(ctx: ArticleContext, i: int, hi: int) -> Span | None:
    toks = ctx.tokens  # indexed, never sliced: made once, unlike ``doc[j]``
    last = None
    j = i
    while j < hi:
        t = toks[j]
        if is_cap(t) and not (j > i and glued(toks, j)):
            last = j
        elif j > i and t.text in {"!", "?"} and last == j - 1:
            last = j
            break
        elif j > i and t.text == "-" and not toks[j - 1].whitespace_ and not t.whitespace_ \
                and j + 1 < hi and is_cap(toks[j + 1]):
            pass  # "Night-Swim"
        elif not (j > i and (_inner(t) or t.text == ":" or is_possessive(t))
                  and _cap_after_inner(toks, j + 1, hi)):
            break
        j += 1
    return ctx.doc[i : last + 1] if last is not None else None


def _inner(t: Token) -> bool:
    return t.lower_ in TITLE_INNER and t.text.islower()


def _cap_after_inner(toks: Sequence[Token], j: int, hi: int) -> bool:
    """Whether a capitalised word follows, past lower-case title words ("All
    Quiet on the Western Front")."""
    while j < hi and _inner(toks[j]):
        j += 1
    # not "Copper Lake at the 97th Academy Awards": an ordinal or an award ends the title
    return j < hi and is_cap(toks[j]) and toks[j].ent_type_ not in ("ORDINAL", "DATE", AWARD)


def _work_name(ctx: ArticleContext, span: Span) -> str:
    return ctx.known_work(span.text) or clean_text(span.text)


def frame_nominations(ctx: ArticleContext, categories: list[CategoryMention],
                      ceremony: CeremonyRef, covered: set[tuple[int, str]]
                      ) -> Iterator[NominationFact]:
    """Nominations read off category frames. ``covered`` holds (evidence start,
    category text) pairs another extractor already decided; those are skipped."""
    for frame in frames(ctx, categories):
        cat = frame.category
        sent = ctx.sentence_at(cat.span.start)
        ev = ctx.evidence(sent)
        if (ev.start, cat.ref.text) in covered:
            continue
        people = _frame_people(ctx, frame)
        if people and (is_performer(ctx, cat.ref) or credits_person(ctx, cat.ref)):
            # "Paper Lanterns took two prizes: best director for Noor Okafor"
            subject_title = _frame_title(ctx, frame) if _for_person(ctx, cat) else None
            topic = heading_work(ctx, cat.span.start) if _for_person(ctx, cat) else None
            hi = min([c.span.start for c in categories
                      if cat.span.end <= c.span.start < sent.end] + [sent.end])
            for p in people:
                work = work_near(ctx, p, sent.start, hi) or _cat_for_title(ctx, cat, hi) or \
                    work_after(ctx, cat.span.end, hi) or \
                    (_work_name(ctx, subject_title) if subject_title is not None else topic)
                yield NominationFact(Ref("person", p.name), cat.ref,
                                     Ref("work", work) if work else None, ceremony, frame.won,
                                     ev, 0.8)
        elif not is_performer(ctx, cat.ref):
            work = _frame_work(ctx, frame)
            if work is None and not is_program(ctx, cat.ref):
                # "took the award for Favorite Pop Song for their hit "Paper Kites""
                work = _cat_for_title(ctx, cat, sent.end) or \
                    work_after(ctx, cat.span.end, sent.end)
            if work:
                yield NominationFact(Ref("work", work), cat.ref, Ref("work", work), ceremony,
                                     frame.won, ev, 0.8)


def _cat_for_title(ctx: ArticleContext, cat: CategoryMention, hi: int) -> str | None:
    """The work in a "for" phrase right after the category ("best rock song for
    their hit "Paper Kites"")."""
    k = after_category(ctx, cat, hi)
    span = for_title(ctx, k, hi) if k is not None else None
    return _work_name(ctx, span) if span is not None else None


_PRIZE_NOUNS = {"award", "prize", "trophy", "honour", "honor", "gong", "statuette"}


def after_category(ctx: ArticleContext, cat: CategoryMention, hi: int) -> int | None:
    """Where the work phrase after a category starts: past "for" ("best actor
    for Tin Harbor") or "with" ("took video of the year with "Paper Kites""),
    and past a prize noun between ("the best actress award for The Vane")."""
    doc = ctx.doc
    k = cat.span.end
    if k < hi and doc[k].lemma_.lower() in _PRIZE_NOUNS:
        k += 1
    if k >= hi or doc[k].lower_ not in {"for", "with"}:
        return None
    return k + 1


def _slot(frame: Frame) -> Token | None:
    """The token whose phrase names the nominee: the object of "to" when the
    category is the subject ("the award for best actor went to X"), else the
    subject of the verb."""
    if frame.category_in_subject:
        return _to_object(frame.verb)
    return _subject_token(frame.verb)


def _frame_people(ctx: ArticleContext, frame: Frame) -> list[PersonMention]:
    """The people a frame names as nominees: "best director for X", the
    nominee slot's people (not an owner: "X's film"), or the person "he" /
    "the actress" refers to. For a program category only people named with a
    known given name count ("The Long Field won best picture" is a title)."""
    cat = frame.category
    p = _for_person(ctx, cat)
    if p is not None:
        return [p]
    tok = _slot(frame)
    if tok is None:
        return []
    people = _person_in(ctx, [t for t in subject_core(tok) if t.dep_ != "poss"])
    if not is_performer(ctx, cat.ref) and not credits_person(ctx, cat.ref):
        return [p for p in people if p.given]
    if people:
        return people
    if not is_performer(ctx, cat.ref):
        # "Tems took best international act": an artist prize goes to an artist,
        # whatever the model made of the name; so does a song or album prize whose
        # slot holds a band or label ("The Rivets took home the award for Favorite
        # Rock Song"), not a quoted title
        span = _frame_title(ctx, frame)
        artist = span is not None and (_is_artist_category(ctx, cat.ref) or any(
            t.ent_type_ in ("ORG", "PERSON", "NORP") for t in span) or _is_music(ctx, cat.ref))
        if artist and not ctx.known_work(span.text) and not ctx.in_quote(span.start):
            end = next((t.i for t in span if t.i > span.start and t.pos_ in ("VERB", "AUX")),
                       span.end)  # "BTS Makes History ...": a headline's verb ends the name
            return [PersonMention(span.start, end, clean_text(ctx.doc[span.start : end].text))]
    if tok.lower_ in ctx.cues.words("pronouns") or \
            tok.lemma_.lower() in ctx.cues.words("role_nouns"):
        focus = ctx.focus_before(tok.i, pronoun=tok.lower_)
        return [focus] if focus else []
    return []


def _for_person(ctx: ArticleContext, cat: CategoryMention) -> PersonMention | None:
    """The person a category names right beside it: "best director for Noor
    Okafor", "leading actress Hana Sorel", "best actor winner Ivo Marsh", "best
    actress (Hana Sorel)", "Hana Sorel (best actress)"."""
    doc, end = ctx.doc, cat.span.end
    k = end
    if k < ctx.sentence_at(cat.span.start).end and (doc[k].lower_ in {"for", "("} or
                                  doc[k].lower_ in ctx.cues.words("category_title_nouns")):
        k += 1
    p = ctx.person_at(k) if k < ctx.sentence_at(cat.span.start).end else None
    if p is not None and p.start == k and not p.is_character and not (
            p.end < len(doc) and is_possessive(doc[p.end])):  # not "for Mado's song"
        return p
    if end < len(doc) and doc[end].text == "(":  # "best actress (Lune)": a name, tagged or not
        close = next((t.i for t in doc[end + 1 : min(len(doc), end + 6)] if t.text == ")"), None)
        run = _slot_run(ctx, end + 1, close) if close is not None else None
        if run is not None and run.end == close and not ctx.known_work(run.text):
            return PersonMention(run.start, run.end, clean_text(run.text))
    start = cat.span.start  # "Zendaya (best actress)"
    if start >= 2 and doc[start - 1].text == "(" and end < len(doc) and doc[end].text == ")":
        p = ctx.person_at(start - 2)
        if p is not None and p.end == start - 1 and not p.is_character:
            return p
    return None


def _is_artist_category(ctx: ArticleContext, cat: CategoryRef) -> bool:
    feats = ctx.gaz.category_rules.features(cat.candidates[0] if cat.candidates else cat.text)
    return bool(feats & ctx.gaz.category_rules.artist_words)


def _is_music(ctx: ArticleContext, cat: CategoryRef) -> bool:
    """A song, album or video prize: won by its artist unless the text names the
    record itself (quoted, or a title known from elsewhere)."""
    feats = ctx.gaz.category_rules.features(cat.candidates[0] if cat.candidates else cat.text)
    return bool(feats & ctx.gaz.category_rules.record_words) or is_record_performance(ctx, cat)


def _frame_title(ctx: ArticleContext, frame: Frame) -> Span | None:
    """The title in a frame's nominee slot ("Paper Lanterns was crowned best picture")."""
    tok = _slot(frame)
    if tok is None:
        return None
    quoted = quoted_title_at(ctx, tok.i)
    if quoted is not None:  # "the band's track 'Paper Kites' won best rock song"
        return quoted
    doc = ctx.doc
    start = tok.left_edge.i
    while start < tok.i and not is_cap(doc[start]):
        start += 1
    if start > tok.sent.start and doc[start - 1].pos_ == "SCONJ" and is_cap(doc[start - 1]) and \
            not any(t.text == "," for t in doc[start : frame.verb.i]):
        # "If Rivers Could Sing was crowned": a clause opening with "If" would end
        # in a comma before the main verb; without one, "If" begins the title
        start -= 1
    span = _title_at(ctx, start, tok.sent.end)
    return span if span is not None and span.start <= tok.i < span.end + 1 else None


def _frame_work(ctx: ArticleContext, frame: Frame) -> str | None:
    """The work a program-category frame names: a title in the nominee slot, or
    the work a descriptive slot ("the film", "the saga") stands for."""
    span = _frame_title(ctx, frame)
    if span is not None:
        return _work_name(ctx, span)
    tok = _slot(frame)
    if tok is not None and tok.lemma_.lower() in ctx.cues.words("cast_nouns"):
        of = next((c for c in tok.children if c.lower_ == "of"), None)  # "the cast of X won"
        if of is not None and of.i + 1 < len(ctx.doc):
            for _, work in works_at(ctx, of.i + 1):
                return work
    if tok is not None and tok.lemma_.lower() in ctx.cues.words("work_nouns") | {
            "story", "saga", "epic", "tale", "it"}:
        return heading_work(ctx, tok.i) or (
            nearest_work_before(ctx, tok.left_edge.i, sentences=2) if tok.lower_ != "it"
            else None)
    return None


def heading_work(ctx: ArticleContext, i: int) -> str | None:
    """The work a paragraph is about when it opens with its title as a heading
    ("Paper Lanterns – The period drama took seven prizes ...")."""
    doc = ctx.doc
    para = ctx.text.rfind("\n", 0, doc[i].idx) + 1
    span = doc.char_span(para, para + 1, alignment_mode="expand")
    if span is None:
        return None
    start = span.start
    while start < len(doc) and doc[start].is_space:
        start += 1
    run = _slot_run(ctx, start, min(len(doc), start + 12))
    if run is None or run.end >= len(doc) or doc[run.end].text not in {"–", "—", ":", "-"}:
        return None
    return ctx.known_work(run.text)


# --- nominee lists ---------------------------------------------------------------------

@dataclass(frozen=True)
class NomineeList:
    """"Other contenders for Best Picture were A, B and C": a category and the
    nominees a list names for it (titles for a program category, else people)."""

    category: CategoryMention
    items: tuple[Span, ...]
    people: tuple[PersonMention | None, ...]


_NOMINEE_NOUN_WINDOW = 12  # "the other contenders this year for Best Picture were ..."


def nominee_lists(ctx: ArticleContext, categories: list[CategoryMention]
                  ) -> Iterator[NomineeList]:
    """Lists introduced by a nominee noun and a category: "the nominees for best
    actor were A, B and C", "other contenders for Best Picture included A, B"."""
    doc = ctx.doc
    nouns = ctx.cues.words("nominee_list_nouns")
    for cat in categories:
        sent = ctx.sentence_at(cat.span.start)
        lo = max(sent.start, cat.span.start - _NOMINEE_NOUN_WINDOW)
        if ctx.tweet_at(cat.span) or not any(t.lemma_.lower() in nouns or t.lower_ in nouns
                                             for t in doc[lo : cat.span.start + 2]):
            continue
        k = cat.span.end
        while k < sent.end and not (doc[k].lemma_ in ("be", "include") or doc[k].text == ":"):
            if doc[k].lemma_.lower() not in nouns and doc[k].pos_ not in ("ADV", "DET", "ADJ"):
                break
            k += 1
        if k >= sent.end or not (doc[k].lemma_ in ("be", "include") or doc[k].text == ":"):
            continue
        items = _list_items(ctx, k + 1, _line_end(ctx, k))
        if len(items) >= 2:
            people = tuple(_person_item(ctx, span) for span in items)
            yield NomineeList(cat, tuple(items), people)


_MAX_LIST_TOKENS = 300  # a nominee list is read this far at most


def _line_end(ctx: ArticleContext, k: int) -> int:
    """The end of the line token ``k`` is on (a list may run past a colon the
    parser took for a sentence end: "Harbor Lights: Low Tide")."""
    doc = ctx.doc
    end = k
    limit = min(len(doc), k + _MAX_LIST_TOKENS)
    while end < limit and "\n" not in doc[end].text and "\n" not in doc[end].whitespace_:
        end += 1
    return min(end + 1, len(doc))


def _list_items(ctx: ArticleContext, start: int, end: int) -> list[Span]:
    """Capitalised items separated by commas and a final "and"; the list ends at
    the first piece that is not one capitalised run."""
    doc = ctx.doc
    items: list[Span] = []
    k = start
    while k < end:
        while k < end and (doc[k].text in {",", ";"} or doc[k].lower_ in {"and", "&"}):
            k += 1
        if k >= end or doc[k].is_punct:
            break
        run = _slot_run(ctx, k, end)
        if run is None:
            break
        if items and any(t.lower_ in {"and", "&"} for t in run):
            cut = max(t.i for t in run if t.lower_ in {"and", "&"})  # "C and D" ends a list
            items.append(doc[run.start : cut])
            run = _slot_run(ctx, cut + 1, end)
            if run is None:
                break
        items.append(run)
        k = run.end
        if k < end and doc[k].text == "(":  # "A (Some Film)"
            close = next((t.i for t in doc[k:end] if t.text == ")"), None)
            if close is None:
                break
            k = close + 1
        if k < end and not (doc[k].text in {",", ";"} or doc[k].lower_ in {"and", "&"}):
            break
    return items


def _person_item(ctx: ArticleContext, span: Span) -> PersonMention | None:
    p = ctx.person_at(span.start)
    return p if p is not None and p.start == span.start and p.end >= span.end - 1 and \
        not p.is_character else None


def list_nominations(ctx: ArticleContext, categories: list[CategoryMention],
                     ceremony: CeremonyRef) -> Iterator[NominationFact]:
    for nl in nominee_lists(ctx, categories):
        ev = ctx.evidence(nl.category.span.sent)
        program = not is_performer(ctx, nl.category.ref) and \
            not credits_person(ctx, nl.category.ref)
        for span, person in zip(nl.items, nl.people, strict=True):
            if program and (person is None or not person.given):
                title = _work_name(ctx, span)
                yield NominationFact(Ref("work", title), nl.category.ref, Ref("work", title),
                                     ceremony, False, ev, 0.8)
            elif not program and person is not None:
                work = work_near(ctx, person, span.start, span.sent.end)
                yield NominationFact(Ref("person", person.name), nl.category.ref,
                                     Ref("work", work) if work else None, ceremony, False, ev,
                                     0.8)


# --- titles the frames mark (first pass) ------------------------------------------------

_ROLE_WORDS = {"role", "roles", "performance", "turn", "portrayal", "work", "part"}
_POSSESSIVE_PRONOUNS = {"his", "her", "their", "its"}


_FOR_WINDOW = 30  # how far after a category its "for" phrase is looked for


def frame_titles(ctx: ArticleContext, categories: list[CategoryMention]) -> Iterator[WorkHit]:
    """Titles in the slots of award phrasing (see the module docstring)."""
    for cat in categories:
        if ctx.tweet_at(cat.span):
            continue
        sent = ctx.sentence_at(cat.span.start)
        # "best actor for Tin Harbor", "best actress for her role in The Vane"
        k = after_category(ctx, cat, sent.end)
        if k is not None:
            yield from _title_after_for(ctx, k, sent.end)
    for frame in frames(ctx, categories):
        cat = frame.category
        sent = ctx.sentence_at(cat.span.start)
        people = _frame_people(ctx, frame)
        if is_performer(ctx, cat.ref) or people or frame.category_in_subject:
            # "Ada Quill won best actress for her role in The Vane"
            person = people[0] if len(people) == 1 and is_acting(ctx, cat.ref) else None
            near = ctx.doc[cat.span.end : min(sent.end, cat.span.end + _FOR_WINDOW)]
            for t in near:  # the "for" of the verb's own phrase, a few words on
                if t.lower_ == "for" and frame.verb in t.ancestors and (
                        person is None or not person.start <= t.i < person.end):
                    yield from _title_after_for(ctx, t.i + 1, sent.end, person,
                                                credit_role(ctx, cat.ref))
                    break
            continue
        span = _frame_title(ctx, frame)
        if span is not None:
            yield WorkHit(clean_text(span.text), span, confidence=0.8)
    for nl in nominee_lists(ctx, categories):
        if is_performer(ctx, nl.category.ref) or credits_person(ctx, nl.category.ref):
            continue
        for span, person in zip(nl.items, nl.people, strict=True):
            if (person is None or not person.given) and valid_title(ctx, span, strict=False):
                yield WorkHit(clean_text(span.text), span, confidence=0.8)
    yield from _name_title_pairs(ctx)
    yield from _parenthesised_titles(ctx)
    yield from _role_titles(ctx)
    yield from _cast_lists(ctx)
    yield from _heading_titles(ctx)


def _heading_titles(ctx: ArticleContext) -> Iterator[WorkHit]:
    """"Paper Lanterns – The period drama took seven prizes": a paragraph
    opening with a capitalised run, a dash and a description by a work noun
    is about that work."""
    doc = ctx.doc
    work_nouns = ctx.cues.words("work_nouns") | {"story", "saga", "epic", "tale", "picture"}
    for sent in ctx.sentences:
        start = sent.start
        if start > 0 and "\n" not in doc[start - 1].text + doc[start - 1].whitespace_:
            continue
        run = _slot_run(ctx, start, min(sent.end, start + 12))
        if run is None or run.end + 1 >= sent.end or doc[run.end].text not in {"–", "—"}:
            continue
        if any(p.given for p in _person_in(ctx, run)) or ctx.tweet_at(run):
            continue
        for t in doc[run.end + 1 : min(sent.end, run.end + 7)]:
            if t.pos_ in ("VERB", "AUX"):
                break
            if t.lemma_.lower() in work_nouns and t.pos_ == "NOUN":
                if valid_title(ctx, run, strict=False):
                    yield WorkHit(clean_text(run.text), run, confidence=0.8)
                break


def _role_titles(ctx: ArticleContext) -> Iterator[WorkHit]:
    """"X made history, winning for her role as Y in Tin Harbor": a role phrase
    names the work its clause's subject acted in, whatever the verb."""
    doc = ctx.doc
    toks = ctx.tokens
    for tok in toks:
        if tok.lower_ != "for" or tok.i + 2 >= len(doc) or ctx.tweet_at(tok):
            continue
        if toks[tok.i + 1].lower_ not in _POSSESSIVE_PRONOUNS or \
                toks[tok.i + 2].lower_ not in _ROLE_WORDS:
            continue
        person = _clause_person(ctx, tok)
        if person is not None:
            yield from _title_after_for(ctx, tok.i + 1, tok.sent.end, person, "actor")


def _clause_person(ctx: ArticleContext, tok: Token) -> PersonMention | None:
    """The person a phrase at ``tok`` is about: the subject of the verb it hangs
    from, else the last person named before it in the sentence."""
    head = tok
    for _ in range(6):
        if head.pos_ in ("VERB", "AUX"):
            subj = _subject_token(head)
            if subj is not None:
                people = _person_in(ctx, subject_core(subj))
                if len(people) == 1:
                    return people[0]
                if subj.lower_ in ctx.cues.words("pronouns"):
                    return ctx.focus_before(tok.i, pronoun=subj.lower_)
            break
        if head.head.i == head.i:
            break
        head = head.head
    before = [p for p in ctx.persons_in(tok.sent.start, tok.i) if not p.is_character]
    return before[-1] if before else None


def _cast_lists(ctx: ArticleContext) -> Iterator[WorkHit]:
    """"Tin Harbor cast members A, B and C", "the Tin Harbor stars A and B":
    each person in the list acted in the title before the cast noun."""
    doc = ctx.doc
    toks = ctx.tokens
    nouns = ctx.cues.words("cast_nouns")
    for tok in toks:
        if tok.lower_ not in nouns or tok.i == 0 or ctx.tweet_at(tok):
            continue
        k = tok.i
        while k + 1 < len(doc) and toks[k + 1].lower_ in nouns:  # "cast members"
            k += 1
        j = tok.i - 1
        while j > tok.sent.start and toks[j].text in {'"', "”", "’", "'"}:
            j -= 1
        end = j + 1
        start = j
        while start > max(tok.sent.start, j - 12) and (is_cap(toks[start - 1]) or
                                                       _inner(toks[start - 1])):
            start -= 1
        while start < end and not is_cap(toks[start]):
            start += 1
        if start >= end or toks[start].text in {'"', "“"}:
            continue
        title = _slot_run(ctx, start, end)
        if title is None or title.end != end or not valid_title(ctx, title, strict=False) or \
                any(p.given for p in _person_in(ctx, title)):
            continue
        people = []
        i = k + 1
        while i < tok.sent.end:
            p = ctx.person_at(i)
            if p is None or p.start != i or p.is_character:
                break
            people.append(p)
            i = p.end
            while i < tok.sent.end and (toks[i].text == "," or toks[i].lower_ in {"and", "&"}):
                i += 1
        for p in people:
            yield WorkHit(clean_text(title.text), title, person=p, confidence=0.8)


def _title_after_for(ctx: ArticleContext, i: int, hi: int, person: PersonMention | None = None,
                     role: str = "actor") -> Iterator[WorkHit]:
    """The title after "for", as a work hit credited to the frame's nominee, with
    the character a role phrase names ("for his portrayal of X in Tin Harbor")."""
    span = for_title(ctx, i, hi)
    if span is None:
        return
    character = None
    if person is not None and role == "actor":
        doc = ctx.doc
        for k in range(i, span.start - 1):
            if doc[k].lower_ in {"as", "of"}:
                # past a description: "as US envoy Lewis Strand", "of physicist J Ross Hale"
                m = k + 1
                while m < span.start - 1 and (doc[m].is_lower or doc[m].ent_type_ in (
                        "GPE", "NORP") and not ctx.person_at(m)):
                    m += 1
                if not is_cap(doc[m]) or m >= span.start:
                    continue
                name = name_after(ctx, m, span.start)
                if name is not None and not ctx.known_work(name.text):
                    character = clean_text(name.text)
                break
    yield WorkHit(clean_text(span.text), span, person=person, confidence=0.8, role=role,
                  character=character)


def for_title(ctx: ArticleContext, i: int, hi: int) -> Span | None:
    """The title a "for" phrase starting at token i names: "for Tin Harbor",
    "for her role as X in Tin Harbor", "for the film Tin Harbor", "for their
    2021 summer hit "Paper Kites"". None when the phrase names no title."""
    doc = ctx.doc
    work_nouns = ctx.cues.words("work_nouns")
    k = i
    if k < hi and (doc[k].lower_ in _POSSESSIVE_PRONOUNS or doc[k].lower_ == "the"):
        k += 1
        if k < hi and doc[k].lower_ in _ROLE_WORDS:
            k += 1
            while k < hi and doc[k].lower_ not in {"in", "on", ",", ";"}:  # "as X in"
                k += 1
            if k >= hi or doc[k].lower_ not in {"in", "on"}:
                return None
            k += 1
            if k < hi and doc[k].lower_ in _POSSESSIVE_PRONOUNS:
                k += 1
        else:
            # "their 2021 summer hit": a few lower-case words or numbers, then a work noun
            m = k
            while m < min(hi, k + 4) and doc[m].lower_ not in work_nouns and (
                    doc[m].is_lower or doc[m].like_num):
                m += 1
            if m >= hi or doc[m].lower_ not in work_nouns:
                return None
            k = m
    while k < hi and doc[k].lower_ in work_nouns:
        k += 1
    while k < hi and doc[k].text in {'"', "“", "‘"}:
        k += 1
    if k >= hi or ctx.person_at(k) is not None and ctx.person_at(k).given:
        return None
    return _title_at(ctx, k, hi)


def _name_title_pairs(ctx: ArticleContext) -> Iterator[WorkHit]:
    """"beat A, Title One, B, Title Two and C, Title Three": after a loss or
    nomination cue, a capitalised run between a person and the next comma
    that is not itself a person is the work that person was up for."""
    doc = ctx.doc
    for sent in ctx.sentences:
        if ctx.tweet_at(sent):
            continue
        persons = [p for p in ctx.persons_in(sent.start, sent.end) if not p.is_character]
        tagged = 0
        for p, nxt in zip(persons, persons[1:], strict=False):
            if p.end + 1 >= nxt.start or doc[p.end].text != ",":
                continue
            end = nxt.start
            while end > p.end + 1 and doc[end - 1].lower_ in {",", "and", "&"}:
                end -= 1
            span = doc[p.end + 1 : end]
            if not span or not is_cap(span[0]) or any(t.text in {";", ":"} for t in span):
                continue
            title = title_after(ctx, span.start, end)
            if end == nxt.start:
                continue  # "A, Title B": the title goes with B
            if title is None or title.end != end or not valid_title(ctx, title):
                continue
            if ctx.person_at(title.start) is not None:
                continue
            tagged += 1
            yield WorkHit(clean_text(title.text), title,
                          person=p, confidence=0.7)
        yield from _untagged_pair_titles(ctx, persons, tagged)


def _untagged_pair_titles(ctx: ArticleContext, persons: list[PersonMention], tagged: int
                          ) -> Iterator[WorkHit]:
    """"A Name, Title One, B Name, Title Two": where the model took a title for a
    person, a "person" without a known given name sitting between two people
    who have one, each after a comma, is the first one's work (with the
    ``tagged`` pairs found otherwise, at least two pairs in the sentence, so the
    list is surely alternating)."""
    doc = ctx.doc
    pairs = []
    for a, b, c in zip(persons, persons[1:], persons[2:], strict=False):
        if not (not b.given and (a.given or c.given)):
            continue
        if doc[a.end].text != "," or a.end + 1 != b.start:
            continue
        if not (b.end < c.start and all(t.lower_ in {",", "and", "&"}
                                        for t in doc[b.end : c.start])):
            continue
        span = doc[b.start : b.end]
        if valid_title(ctx, span, strict=False):
            pairs.append((a, span))
    if len(pairs) + tagged >= 2:
        for person, span in pairs:
            yield WorkHit(clean_text(span.text), span, person=person, confidence=0.7)


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


__all__ = ["Frame", "NomineeList", "frame_nominations", "frame_titles", "frames",
           "list_nominations", "nominee_lists"]
