"""Creative works (series, films) and what the text says about them.

A capitalised run is taken for a title only where news phrasing marks it as
one: "HBO's X", "the HBO series X", "the series X", "X's <person>",
"X star <person>", "as <character> in X", a quoted title after "in"/"for".
Each pattern also yields what it says: the network that airs the work, or a
person who acted in it (and as whom).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from kg.extract.context import (
    CLOSE_QUOTES,
    OPEN_QUOTES,
    ArticleContext,
    PersonMention,
    clean_text,
    is_possessive,
    known_name,
)
from kg.nlp import AWARD, KNOWN_ORG, NETWORK, OUTLET

# "for" is left out on purpose: in award news it separates more often than it joins
# ("won Best Actor for The Quiet Acre", "Outstanding Drama Series for The Salt Road")
TITLE_INNER = {"of", "the", "a", "an", "and", "in", "on", "to", "is", "at", "with",
               "from", "or", "&", "vs", "vs.", "de", "del", "la", "le", "les", "los", "las"}
ABBREVIATIONS = {"Mrs", "Mr", "Dr", "St", "Jr", "Ms", "Sr"}
_NOT_TITLE_ENTS = {"GPE", "LOC", "NORP", "DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY",
                   "PERCENT", NETWORK, OUTLET, KNOWN_ORG, AWARD}
_CHARACTER_VERBS = {"play", "portray"}
# words that stand between a network and a title: "HBO's new reality show X"
_WORK_ADJECTIVES = {"limited", "new", "hit", "reality", "talk", "variety", "animated", "sketch",
                    "period", "historical", "acclaimed", "original", "docu"}
_GENRE_WORDS = {"drama", "comedy", "limited", "variety", "reality", "series", "movie", "television",
                "tv", "musical", "documentary", "animated", "anthology", "talk", "sketch"}
_TITLE_STOP_ENTS = {AWARD, NETWORK, OUTLET, KNOWN_ORG, "DATE", "TIME", "PERSON"}


@dataclass(frozen=True)
class WorkHit:
    """A work found by a pattern, with what the pattern says about it."""

    title: str
    span: Span
    network: str | None = None
    person: PersonMention | None = None
    character: str | None = None
    confidence: float = 1.0
    role: str = "actor"


def is_cap(tok: Token) -> bool:
    return (tok.text[:1].isupper() or tok.text[:1].isdigit()) and not tok.is_punct


def glued(toks: Doc | Sequence[Token], j: int) -> bool:
    """Whether token ``j`` starts a word glued to the one before ("ShiftHarbor")
    (``toks``: the Doc, or a context's list of its tokens, which is faster)."""
    return j > 0 and not toks[j - 1].whitespace_ and toks[j - 1].is_alpha and toks[j].is_alpha \
        and toks[j].text[:1].isupper() and toks[j - 1].text[-1:].islower()


def title_after(ctx: ArticleContext, i: int, limit: int | None = None) -> Span | None:
    """The capitalised run starting at token ``i``: 'The Long Way Home Is True'."""
    doc = ctx.doc
    toks = ctx.tokens
    limit = min(limit or len(doc), len(doc))
    if i >= limit or not is_cap(toks[i]):
        return None
    last, j = None, i
    while j < limit:
        t = toks[j]
        person = ctx.person_at(j) if j > i else None
        if j > i and (glued(toks, j) or (person is not None and person.start == j
                                         and person.given and not ctx.person_at(i))):
            break
        if j > i and t.ent_type_ in _TITLE_STOP_ENTS and t.ent_type_ != toks[i].ent_type_ and \
                not (t.ent_type_ == "PERSON" and ctx.person_at(j) is None):
            break
        if j > i and t.lower_ in ("and", "&"):
            k = j + 1  # "Merrow Point and Kingsfall's Dorian Lowell": a new item starts
            while k < limit and is_cap(toks[k]):
                k += 1
            if k < limit and is_possessive(toks[k]):
                break
        inner = j > i and (
            (t.lower_ in TITLE_INNER and (t.text.islower() or t.text == "&"))
            or (t.text == "-" and not toks[j - 1].whitespace_ and not t.whitespace_
                and j + 1 < limit and is_cap(toks[j + 1]))  # "Night-Swim"
            or (is_possessive(t) and j + 1 < limit and is_cap(toks[j + 1]))
            or (t.text == "." and toks[j - 1].text in ABBREVIATIONS)
        )
        if t.text[:1].isdigit() and j > i and not (is_cap(toks[j - 1]) and toks[j - 1].is_alpha):
            break  # "Low Tide at the 2020 Emmys": a year is not part of the title
        if is_cap(t):
            last = j
        elif not inner:
            break
        j += 1
    return doc[i : last + 1] if last is not None else None


def name_after(ctx: ArticleContext, i: int, limit: int) -> Span | None:
    """A run of capitalised words (a name, no inner lower-case words)."""
    toks = ctx.tokens
    j = i
    while j < limit and is_cap(toks[j]) and toks[j].is_alpha and not (j > i and glued(toks, j)):
        j += 1
    return ctx.doc[i:j] if j > i else None


def title_before(ctx: ArticleContext, j: int) -> Span | None:
    """The capitalised run ending just before token ``j``: "Night Shift" in
    "Night Shift's Ada Okafor"."""
    doc = ctx.doc
    i = j
    while i > 0:
        t = doc[i - 1]
        person = ctx.person_at(i - 1)
        if person is not None:
            if i == j:  # the whole run is one "person" span: "Quiet Rivers' Lena Ortiz"
                i = person.start
            break
        if t.text in ("\n", "\n\n") or t.is_space:
            break
        if is_possessive(t) and i >= 2 and doc[i - 2].ent_type_ in (NETWORK, OUTLET, KNOWN_ORG):
            break  # "Netflix's Colder Rivers": the network is not part of the title
        if is_cap(t) or (t.lower_ in TITLE_INNER and t.text.islower() and i < j) or (
                is_possessive(t) and i < j and is_cap(doc[i])) or (
                t.text == "." and i - 2 >= 0 and doc[i - 2].text in ABBREVIATIONS):
            if i < j and glued(doc, i):
                break
            i -= 1
        else:
            break
    work_nouns = ctx.cues.words("work_nouns")
    while i < j and (not is_cap(doc[i]) or doc[i].lower_ in work_nouns or is_possessive(doc[i])):
        i += 1
    return doc[i:j] if i < j else None


def valid_title(ctx: ArticleContext, span: Span | None, strict: bool = True) -> bool:
    if span is None or len(span) == 0 or len(span) > 10:
        return False
    text = span.text
    if not any(c.isalpha() for c in text) or text.isupper() and len(text) <= 3 and strict:
        return False
    if any(t.ent_type_ in (NETWORK, OUTLET, KNOWN_ORG, AWARD) for t in span):
        return False
    if strict and all(t.ent_type_ in _NOT_TITLE_ENTS for t in span):
        return False
    if len(span) == 1 and (span[0].pos_ not in ("PROPN", "NOUN") or
                           span[0].lower_ in ctx.gaz.category_vocab or
                           span[0].text in ctx.cues.raw.get("demonyms", ())):
        return False  # "a Black actress", "Female Actor in a Leading Role", "Welsh actor"
    if len(span) == 2 and span[0].lower_ == "the" and \
            span[1].text in ctx.cues.raw.get("demonyms", ()):
        return False  # "The British actress"
    if any(c in text for c in "#@/"):
        return False
    if strict and ctx.person_at(span.start) and ctx.person_at(span.start).end >= span.end \
            and len(ctx.person_at(span.start).name.split()) > 1 \
            and ctx.person_at(span.start).name != clean_text(text):
        return False  # a person's name ("Lindqvist" of "Maya Lindqvist")
    words = {w.casefold() for w in re.findall(r"\w+", text)}
    if words <= _generic_words(ctx):
        return False  # "Comedy Series", "Lead Actor"
    return not ctx.gaz.award(text)


def _generic_words(ctx: ArticleContext) -> frozenset[str]:
    """Words that make up category and genre names, not titles: one set per
    context (joining the lists for every candidate title cost more than the test)."""
    memo = ctx.memo("generic_title_words")
    if not memo:
        rules = ctx.gaz.category_rules
        memo["words"] = frozenset(rules.head_words | rules.role_words | rules.connectors
                                  | rules.openers | set(rules.synonyms)
                                  | ctx.cues.words("work_nouns") | _GENRE_WORDS)
    return memo["words"]


_MAX_QUOTED_TITLE = 10


def quoted_title_at(ctx: ArticleContext, i: int) -> Span | None:
    """The quoted title token ``i`` lies in ("'Paper Kites'", "“Low Tide”"): a
    short run of title words between an opening and a closing quote mark, each
    content word capitalised. Quotation marks around a slot are the writer
    saying "this is a name", whatever the model made of the words."""
    doc = ctx.doc
    lo = max(doc[i].sent.start, i - _MAX_QUOTED_TITLE)
    hi = min(doc[i].sent.end, i + _MAX_QUOTED_TITLE + 1)
    start = next((k for k in range(i, lo - 1, -1) if doc[k].text in OPEN_QUOTES), None)
    end = next((k for k in range(i + 1, hi) if doc[k].text in CLOSE_QUOTES), None)
    if start is None or end is None or end - start < 2:
        return None
    span = doc[start + 1 : end]
    words = [t for t in span if not t.is_punct]
    if not words or not all(is_cap(t) or (t.lower_ in TITLE_INNER and t.text.islower())
                                                  for t in words) or not is_cap(words[0]):
        return None
    if ctx.gaz.match_category("", span.text) or not valid_title(ctx, span, strict=False):
        return None
    return span


def placeish(span: Span) -> bool:
    """A one-word place used as a modifier ("a London actor"), not a title."""
    return len(span) == 1 and span[0].ent_type_ in ("GPE", "LOC", "NORP")


def find_works(ctx: ArticleContext) -> Iterator[WorkHit]:
    """Yield every work a pattern marks in the article."""
    yield from _network_titles(ctx)
    for tok in ctx.tokens:
        yield from _quoted_after_owner(ctx, tok)
        yield from _after_work_noun(ctx, tok)
        yield from _named_after_noun(ctx, tok)
        yield from _before_persons_name(ctx, tok)
        no_title = yield from _before_credit_noun(ctx, tok)
        if no_title:
            continue
        # "as <character> in X", "who played his father, Hedda, in X"
        if tok.lower_ == "as" or tok.lemma_ in _CHARACTER_VERBS:
            hit = _character_in_work(ctx, tok)
            if hit:
                yield hit
    yield from _quoted_titles(ctx)


def _network_titles(ctx: ArticleContext) -> Iterator[WorkHit]:
    """"HBO's X", "Netflix's new series X", "the Hulu drama X"."""
    doc, toks = ctx.doc, ctx.tokens
    work_nouns = ctx.cues.words("work_nouns")
    for ent in ctx.ents:
        if ent.label_ != NETWORK or ent.end >= len(doc):
            continue
        k = ent.end
        if is_possessive(toks[k]) and k + 1 < len(doc):
            k += 1
            while k < len(doc) and toks[k].lower_ in work_nouns | _WORK_ADJECTIVES:
                k += 1
            span = title_after(ctx, k)
            if valid_title(ctx, span, strict=False):
                yield WorkHit(clean_text(span.text), span, network=known_name(ent))
        elif toks[k].lower_ in work_nouns or (k + 1 < len(doc) and
                                             f"{toks[k].lower_} {toks[k+1].lower_}" in work_nouns):
            while k < len(doc) and toks[k].lower_ in work_nouns | _WORK_ADJECTIVES:
                k += 1
            span = title_after(ctx, k)
            if valid_title(ctx, span, strict=False):
                yield WorkHit(clean_text(span.text), span, network=known_name(ent))


def _quoted_after_owner(ctx: ArticleContext, tok: Token) -> Iterator[WorkHit]:
    """"the track 'X'"; an owner's quoted title: "whose 'X' won", "Mado's “X”"."""
    doc, toks = ctx.doc, ctx.tokens
    if tok.i + 2 < len(doc) and toks[tok.i + 1].text in OPEN_QUOTES and (
            tok.lower_ in ctx.cues.words("work_nouns") or tok.lower_ == "whose"
            or is_possessive(tok)):
        span = quoted_title_at(ctx, tok.i + 2)
        if span is not None and span.start == tok.i + 2:
            yield WorkHit(clean_text(span.text), span, confidence=0.9)


def _after_work_noun(ctx: ArticleContext, tok: Token) -> Iterator[WorkHit]:
    """"the series X", "Sitcom X", "historical drama X"."""
    doc, toks = ctx.doc, ctx.tokens
    if tok.lower_ in ctx.cues.words("work_nouns") and tok.i + 1 < len(doc) and (
            tok.i == 0 or tok.is_sent_start or not is_cap(toks[tok.i - 1])
            or toks[tok.i - 1].lower_ in {"the", "a", "an"}):
        span = title_after(ctx, tok.i + 1)
        person = ctx.person_at(span.start) if span is not None else None
        if person is not None and not person.given and person.start == span.start and \
                person.end == span.end:
            person = None  # "the film Salt Road": a title, unless a given name says person
        # the noun is the cue: a model's place label on "the film Salt Road" is
        # overruled, except for a one-word place ("a London film")
        strict = span is None or person is not None or placeish(span)
        if valid_title(ctx, span, strict=strict) and \
                not (person and person.start == span.start):
            yield WorkHit(clean_text(span.text), span, confidence=0.9)


def _before_persons_name(ctx: ArticleContext, tok: Token) -> Iterator[WorkHit]:
    """"X's <person>"."""
    if is_possessive(tok) and tok.i + 1 < len(ctx.doc):
        person = ctx.person_at(tok.i + 1)
        if person and person.start == tok.i + 1:
            span = title_before(ctx, tok.i)
            if valid_title(ctx, span, strict=False) and not _is_person_name(ctx, span):
                yield WorkHit(clean_text(span.text), span, person=person)


def _before_credit_noun(ctx: ArticleContext, tok: Token) -> Generator[WorkHit, None, bool]:
    """"X star <person>", "the X actress"; returns True when ``tok`` is a credit
    noun after a capitalised word that is no title (nothing more to read at it)."""
    toks = ctx.tokens
    if not (tok.lower_ in ctx.cues.words("credit_nouns") and tok.i > 0
            and is_cap(toks[tok.i - 1])):
        return False
    span = title_before(ctx, tok.i)
    if not valid_title(ctx, span) or _is_person_name(ctx, span):
        return True
    person = ctx.person_at(tok.i + 1) if tok.i + 1 < len(ctx.doc) else None
    confidence = 1.0
    if person is None and span.start >= 3 and toks[span.start - 1].lower_ == "the" \
            and toks[span.start - 2].text == ",":
        person = ctx.person_at(span.start - 3)  # "Tomas Ferreira, the X star"
    if person is None:
        person, confidence = ctx.focus_before(tok.i), 0.7
    role = ctx.cues.raw.get("credit_roles", {}).get(tok.lower_, "actor")
    yield WorkHit(clean_text(span.text), span, person=person, confidence=confidence, role=role)
    return False


_NAMING_WORDS = {"titled", "entitled", "called", "named", "dubbed"}
_PLURAL_WORK_NOUNS = frozenset({"albums", "films", "songs", "singles", "movies", "shows"})


def _named_after_noun(ctx: ArticleContext, tok: Token) -> Iterator[WorkHit]:
    """Titles a noun introduces less directly: "her tenth studio album, Night
    Swim, which ..." (an apposition), "the albums titled A and B", "the cast
    of Tin Harbor" (a work noun or a cast noun, then the title)."""
    doc = ctx.doc
    k = tok.i + 1
    if k + 1 >= len(doc):
        return
    if tok.lower_ in ctx.cues.words("work_nouns") or tok.lower_ in _PLURAL_WORK_NOUNS:
        if doc[k].text == ",":
            span = title_after(ctx, k + 1)
            if span is not None and span.end < len(doc) and doc[span.end].text in {",", "."} \
                    and span.root.dep_ == "appos" and span.root.head.i == tok.i \
                    and valid_title(ctx, span, strict=False) \
                    and not (ctx.person_at(span.start) and ctx.person_at(span.start).given):
                yield WorkHit(clean_text(span.text), span, confidence=0.8)
            return
        if doc[k].lower_ in _NAMING_WORDS:  # "titled A and B"
            k += 1
            while k < len(doc):
                span = title_after(ctx, k)
                if span is None or not valid_title(ctx, span, strict=False):
                    return
                cut = next((t.i for t in span if t.i > span.start and t.lower_ in {"and", "&"}),
                           None)
                if cut is not None and not ctx.known_work(span.text):
                    span = doc[span.start : cut]  # "A and B": two titles, unless one is known
                yield WorkHit(clean_text(span.text), span, confidence=0.8)
                k = span.end
                if k < len(doc) and doc[k].lower_ in {"and", "&", ","}:
                    k += 1
                else:
                    return
    elif tok.lemma_.lower() == "cast" and doc[k].lower_ == "of":  # "the cast of Tin Harbor"
        span = title_after(ctx, k + 1)
        if span is not None and valid_title(ctx, span, strict=False) and \
                not (ctx.person_at(span.start) and ctx.person_at(span.start).given):
            yield WorkHit(clean_text(span.text), span, confidence=0.8)


@dataclass(frozen=True)
class CharacterHit:
    """A character a person plays, the work left to resolution."""

    person: PersonMention
    character: str
    span: Span


def find_characters(ctx: ArticleContext) -> Iterator[CharacterHit]:
    """"Hedda's (Marisol)", "Hedda (Marisol)" and "for playing Hedda" (the person the
    text is about plays Hedda)."""
    doc = ctx.doc
    toks = ctx.tokens
    for tok in toks:
        if tok.text == "(" and tok.i >= 1 and tok.i + 1 < len(doc):
            person = ctx.person_at(tok.i + 1)
            k = tok.i - 1
            if k >= 0 and is_possessive(toks[k]):
                k -= 1
            if person is None or person.start != tok.i + 1 or k < 0 or not is_cap(toks[k]):
                continue
            if person.end < len(doc) and toks[person.end].text == ")":
                char = ctx.person_at(k)
                name = char.name if char else toks[k].text
                yield CharacterHit(person, clean_text(name), doc[k : person.end + 1])
        elif tok.lower_ in ctx.cues.words("owned_role_nouns") and 2 <= tok.i < len(doc) - 1 and \
                is_possessive(toks[tok.i - 1]):
            person = ctx.person_at(tok.i - 2)  # "Ada Quill's heroine Evelyn"
            char = ctx.person_at(tok.i + 1)
            if person is not None and not person.is_character and char is not None and \
                    char.start == tok.i + 1:
                yield CharacterHit(person, char.name, doc[person.start : char.end])
        elif tok.lemma_ in _CHARACTER_VERBS and tok.i + 1 < len(doc):
            k = tok.i + 1  # "plays smuggler Nadia Castellan", "playing jazz pianist Leon Harrow"
            while k < min(len(doc), tok.i + 4) and (toks[k].is_lower or toks[k].text == "-") \
                    and toks[k].pos_ in ("NOUN", "ADJ", "PUNCT", "PROPN"):
                k += 1
            if k >= len(doc) or not is_cap(toks[k]):
                continue
            span = name_after(ctx, k, min(len(doc), k + 4))
            if span is None or ctx.known_work(span.text):
                continue
            after = toks[span.end] if span.end < len(doc) else None
            if after is not None and after.lower_ in ("in", "on"):
                continue  # "played X in W" is a credit with its work (find_works)
            subject = [p for p in ctx.persons_in(tok.sent.start, tok.i) if not p.is_character]
            person = subject[0] if subject else ctx.focus_before(tok.i)
            if person is not None:
                yield CharacterHit(person, clean_text(span.text), doc[tok.i : span.end])


def _is_person_name(ctx: ArticleContext, span: Span) -> bool:
    """Whether a capitalised run names a person the article mentions elsewhere
    (so "Lindqvist's" is a person, while "Quiet Rivers'" is a title)."""
    return ctx.named_elsewhere(clean_text(span.text).casefold(), span.start)


def _character_in_work(ctx: ArticleContext, tok: Token) -> WorkHit | None:
    doc = ctx.doc
    end = min(tok.sent.end, tok.i + 12)
    j = tok.i + 1
    while j < end and not is_cap(doc[j]):  # "played his father, Hedda"
        if doc[j].text in {".", ";"}:
            return None
        j += 1
    char_span = name_after(ctx, j, end) if j < end else None
    if char_span is None or len(char_span) > 4:
        return None
    k = char_span.end
    while k < end and doc[k].text in {",", "—", "–"}:
        k += 1
    if k >= end or doc[k].lower_ != "in":
        return None
    k += 1
    network = None
    while k < len(doc) and k < tok.sent.end and not is_cap(doc[k]):
        if doc[k].lower_ not in {"the"} | _WORK_ADJECTIVES | ctx.cues.words("work_nouns"):
            return None
        k += 1
    if k >= tok.sent.end:
        return None
    if k < len(doc) and doc[k].ent_type_ == NETWORK:
        ent = ctx.ent_at(k)
        network = known_name(ent)
        k = ent.end + (1 if ent.end < len(doc) and is_possessive(doc[ent.end]) else 0)
        while k < len(doc) and doc[k].lower_ in ctx.cues.words("work_nouns"):
            k += 1
    span = title_after(ctx, k, tok.sent.end) if k < tok.sent.end else None
    if not valid_title(ctx, span, strict=False):
        return None
    character = clean_text(char_span.text)
    person = None
    for p in reversed(ctx.persons_in(tok.sent.start, tok.i)):
        if not p.is_character:
            person = p
            break
    confidence = 1.0 if person else 0.7
    person = person or ctx.focus_before(tok.i)
    return WorkHit(clean_text(span.text), span, network=network, person=person,
                   character=character, confidence=confidence)


_QUOTED_TITLE = re.compile(
    r"\b(?:in|for|on|of|watching|watch|from)\s+[\"“‘'](?P<t>[A-Z0-9][^\"“”‘’'\n]{0,60}?(?:['’]s"
    r"[^\"“”‘’'\n]{0,40}?)?)[,.!?]?[\"”’'](?![A-Za-z])"
)


def _quoted_titles(ctx: ArticleContext) -> Iterator[WorkHit]:
    text = ctx.text
    for m in _QUOTED_TITLE.finditer(text):
        span = ctx.doc.char_span(m.start("t"), m.end("t"), alignment_mode="expand")
        if span is None:
            continue
        words = re.findall(r"[\w'’]+", m.group("t"))
        content = [w for w in words if w.casefold() not in TITLE_INNER]
        if content and all(w[0].isupper() or w[0].isdigit() for w in content) and \
                valid_title(ctx, span, strict=False) and not ctx.gaz.match_category(
                    "", m.group("t")):
            yield WorkHit(clean_text(m.group("t")), span, confidence=0.9)
