"""People named in an article, with article-local name resolution.

"Lindqvist", "Maya" and "maya lindqvist" resolve to "Maya Lindqvist" when the article
names exactly one person that way. Handles in tweets ("@Marisol") count as
mentions of the person whose name the handle spells.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from functools import lru_cache

from spacy.tokens import Span

from kg.extract.context import (
    CLOSE_QUOTES,
    OPEN_QUOTES,
    ArticleContext,
    PersonMention,
    clean_text,
    is_possessive,
)
from kg.gazetteer import fold

_BAD_PERSON = re.compile(r"[\d@#/]|^[A-Z]{3,}$")
_WEAK_LABELS = {"", "ORG", "GPE", "NORP", "FAC", "PRODUCT", "WORK_OF_ART", "LOC", "DATE"}
_CHARACTER_CUES = {"as", "playing", "played", "plays", "portraying", "portrayed", "portrayal"}


_LEADING_ROLES = {"actor", "actress", "star", "host", "comedian", "singer", "director",
                  "producer", "writer", "creator", "presenter", "nominee", "winner", "co-star",
                  "costar", "rapper", "model", "showrunner", "filmmaker", "newcomer", "veteran"}


def _trim(ctx: ArticleContext, span: Span) -> Span | None:
    """Cut what a PERSON entity should not hold: a leading work or owner with its
    possessive ("Low Tide's Jon Vance"), leading verbs and determiners,
    trailing punctuation, emoji and lower-case words ("Ana Ruiz - a")."""
    start, end = span.start, span.end
    toks = ctx.tokens  # made once, unlike doc[k]; the span is made at the end
    for k in range(start, end - 1):
        if is_possessive(toks[k]):
            start = k + 1
    while start < end and (toks[start].is_punct or toks[start].is_space or
                           (toks[start].lower_ in _LEADING_ROLES and end - start > 1) or
                           (toks[start].pos_ in ("VERB", "AUX", "DET", "ADP", "PRON", "ADV")
                            and end - start > 1)):
        start += 1
    has_capitals = any(t.text[:1].isupper() for t in toks[start:end])
    while end > start and (toks[end - 1].is_punct or toks[end - 1].is_space or
                           is_possessive(toks[end - 1]) or
                           (has_capitals and not toks[end - 1].text[:1].isupper())):
        end -= 1
    for k in range(start + 1, end):  # "Ana Ruiz - a true Canadian"
        if toks[k].is_punct and toks[k].text not in {".", "-"} or toks[k].text in {"-", "–", "—"}:
            end = k
            break
    return ctx.doc[start:end] if end > start else None


def _acceptable(ctx: ArticleContext, text: str) -> bool:
    if not text or _BAD_PERSON.search(text) or len(text.split()) > 4 or "'s" in text:
        return False
    if not any(c.isalpha() for c in text) or text.islower() and len(text.split()) == 1:
        return False
    if text.split()[0].casefold() in ctx.cues.words("page_furniture_words"):
        return False  # "Photo by ...", "Image Source"
    gaz = ctx.gaz
    if any(gaz.lookup(k, text) for k in ("network", "outlet", "organization", "place")):
        return False
    return not gaz.award(text) and not ctx.known_work(text)


def collect_persons(ctx: ArticleContext) -> list[PersonMention]:
    """The article's people, in text order: PERSON entities, names the model
    missed and person handles, each resolved within the article to the fullest
    name it gives (hand them to the other extractors with ``ctx.derive``)."""
    raw = _entity_names(ctx)
    raw.extend(_unlabelled_names(ctx, raw))
    full = _full_names(ctx, [t for _, _, t in raw])
    raw.extend(_surname_mentions(ctx, raw, full))
    names = _NameIndex(full)
    persons = []
    for start, end, text in raw:
        name = _resolve_local(ctx, text, names)
        given = ctx.gaz.is_given_name(name.split()[0]) and len(name.split()) > 1
        persons.append(PersonMention(start, end, name,
                                     is_character=_is_character(ctx, start, end), given=given))
    # a name the article gives as a character once is a character throughout
    characters = {p.name for p in persons if p.is_character}
    persons = [dataclasses.replace(p, is_character=True) if p.name in characters else p
               for p in persons]
    # handles and hashtags inside tweets that spell a person's name
    everyone = {**{fold(t): t for _, _, t in raw if len(t.split()) == 1}, **full}
    persons.extend(_spelt_in_tweets(ctx, handle_matcher(everyone), persons))
    return sorted(persons, key=lambda p: p.start)


def _entity_names(ctx: ArticleContext) -> list[tuple[int, int, str]]:
    """(start, end, name) of the model's PERSON entities that can be people."""
    doc, toks = ctx.doc, ctx.tokens
    raw: list[tuple[int, int, str]] = []
    for ent in ctx.ents:
        if ent.label_ != "PERSON" or _tagged(ctx.text, ent.start_char):
            continue  # "#RiaMoss" is a hashtag, matched to a name below like a handle
        span = _trim(ctx, ent)
        if span is None or (len(span) == 1 and len(ent) > 1 and span.start > ent.start):
            continue  # "Need London" is no person called London
        if len(span) > 1 and _opening_participle(ctx, span[0]):
            span = span[1:]  # "Beating Lune, Mado and Tessa Vale, Koray won ..."
        if len(span) > 1 and span.start > 0 and toks[span.start - 1].lower_ == "the":
            continue  # "The Long Field": nobody's name follows "the"
        if _owned(doc, span.start):
            continue  # "her record-breaking Lantern Tour" is hers, not a person
        if span.start > 0 and span.end < len(doc) and toks[span.start - 1].text in OPEN_QUOTES \
                and toks[span.end].text in CLOSE_QUOTES:
            continue  # "“Moon Harbor”" in quotes is a title
        span = doc[span.start : _extend_hyphenated(doc, span.start, span.end)]
        text = clean_text(span.text)
        if _acceptable(ctx, text):
            raw.append((span.start, span.end, text))
    return raw


def _is_character(ctx: ArticleContext, start: int, end: int) -> bool:
    """Whether the name at start:end is a role ("as Dot Pellegrino", "short-order
    cook Dot Pellegrino", "her heroine Evelyn", "Evelyn's (…)"), not a person."""
    doc, toks = ctx.doc, ctx.tokens
    before = toks[start - 1].lower_ if start > 0 else ""
    k = start - 1  # "as short-order cook Dot Pellegrino", "of US envoy J Ross Hale"
    while k > max(0, start - 7) and _descriptor(toks[k]) and \
            toks[k].lower_ not in _CHARACTER_CUES:
        k -= 1
    if k >= 0 and toks[k].lower_ in _CHARACTER_CUES:
        before = toks[k].lower_
    elif k == start - 1 >= 1 and toks[k].lower_ in ctx.cues.words("owned_role_nouns") and \
            is_possessive(toks[k - 1]):
        before = "as"  # "Ada Quill's heroine Evelyn"
    if before == "as" and k >= 0 and k == start - 1 and not _role_as(doc, k, end):
        before = ""  # "as Lorna Whitcombe hosted the show": a conjunction
    return before in _CHARACTER_CUES or (
        end < len(doc) and is_possessive(toks[end]) and end + 1 < len(doc)
        and toks[end + 1].text == "(")


def _spelt_in_tweets(ctx: ArticleContext, spelt_by: Callable[[str], str | None],
                     persons: list[PersonMention]) -> list[PersonMention]:
    """Handles and hashtags inside tweets that spell a person's name, where none
    of ``persons`` is marked yet (one found here counts for the next)."""
    covered = {k for p in persons for k in range(p.start, p.end)}
    found = []
    for tweet in ctx.tweets:
        for m in _TAG.finditer(ctx.article.text, tweet.start, tweet.text_end):
            person = spelt_by(m.group(1))
            if person is None:
                continue
            span = ctx.doc.char_span(m.start() - ctx.offset, m.end() - ctx.offset,
                                     alignment_mode="expand")
            if span is not None and span.start not in covered:
                found.append(PersonMention(span.start, span.end, person))
                covered.update(range(span.start, span.end))
    return found


_ROLE_BEFORE_AS = {"role", "turn", "performance", "portrayal", "star", "appear", "cast", "return",
                   "debut", "play", "perform", "reprise", "appearance", "work", "stint"}


def _role_as(doc, as_index: int, name_end: int) -> bool:
    """Whether "as <name>" names a character: "her turn as X", "starring as X",
    "as X in <title>" (but not "as X hosted the show")."""
    prev = doc[as_index - 1] if as_index > 0 else None
    if prev is not None and prev.lemma_.lower() in _ROLE_BEFORE_AS:
        return True
    if name_end < len(doc) and doc[name_end].lower_ in {"in", "on", "from"}:
        return True
    return name_end + 1 < len(doc) and doc[name_end].text == "," and \
        doc[name_end + 1].lower_ in {"in", "on"}


def _unlabelled_names(ctx: ArticleContext, found: list[tuple[int, int, str]]
                      ) -> list[tuple[int, int, str]]:
    """Names the statistical model missed, in positions where only a name fits:
    two or three capitalised proper nouns right after a possessive ("Low Tide's
    Ada Okafor") or listed next to a known name ("A, B and C")."""
    doc, toks = ctx.doc, ctx.tokens
    taken = {i for s, e, _ in found for i in range(s, e)}
    role_nouns = ctx.cues.words("role_nouns")
    out: list[tuple[int, int, str]] = []

    def name_token(t) -> bool:
        initial = len(t.text) == 2 and t.text[0].isupper() and t.text[1] == "."
        return (t.pos_ == "PROPN" and t.is_title and t.is_alpha or initial) and \
            t.ent_type_ in _WEAK_LABELS and t.i not in taken

    i = 0
    while i < len(toks):
        if toks[i].lower_ in _LEADING_ROLES or toks[i].lower_ in ctx.cues.words("work_nouns"):
            i += 1
            continue
        j = i
        while j < len(doc) and j - i < 3 and name_token(toks[j]):
            j += 1
        if j - i >= 2 and toks[i].is_alpha and toks[j - 1].is_alpha and (
                j >= len(doc) or not (toks[j].is_title and toks[j].pos_ == "PROPN")):
            prev = toks[i - 1] if i else None
            after = toks[j] if j < len(doc) else None
            in_list = (prev is not None and prev.text in {",", "and", "&"} and
                       any(k in taken for k in range(max(0, i - 7), i - 1))) or (
                after is not None and after.text in {",", "and"}
                and any(k in taken for k in range(j + 1, min(len(doc), j + 8))))
            subject = any(t.dep_ in ("nsubj", "nsubjpass") for t in doc[i:j]) and (
                prev is None or prev.is_sent_start or prev.is_punct or prev.pos_ != "PROPN") \
                and (prev is None or prev.lower_ not in ctx.cues.words("work_nouns"))
            after_role = prev is not None and prev.lower_ in role_nouns
            if j - i == 3 and ctx.gaz.is_given_name(toks[i + 1].text) and (
                    not ctx.gaz.is_given_name(toks[i].text) or (prev is not None
                                                               and is_possessive(prev))):
                i += 1  # "The Fisherman's Tale Nora Quinn": the title's last word
                prev = toks[i - 1]
            j = _extend_hyphenated(doc, i, j)
            text = clean_text(doc[i:j].text)
            given = ctx.gaz.is_given_name(toks[i].text)
            quoted = prev is not None and after is not None and prev.text in OPEN_QUOTES \
                and after.text in CLOSE_QUOTES
            if (not given and not (subject and _recurs(ctx, text))) or quoted or (
                    prev is not None and prev.lower_ == "the"):
                i = j  # "The Long Field" is a title: nobody's name follows "the"
                continue
            # a known given name leading a pair of proper nouns is a person wherever it
            # stands; other pairs only where a name fits (after a possessive, in a list
            # of names, as a subject, after a role noun)
            title_slot = (prev is not None and prev.lower_ in {"of", "in", "on", "from", "for"}) \
                or (after is not None and (after.lower_ in ctx.cues.words("credit_nouns")
                                           or after.lower_ in ctx.cues.words("work_nouns")
                                           or after.lower_ == "fame"))
            placed = (given and not title_slot) or (prev is not None and (
                is_possessive(prev) or in_list)) or subject or after_role
            if placed and _acceptable(ctx, text):
                out.append((i, j, text))
                taken.update(range(i, j))
            i = j
        else:
            i = max(j, i + 1)
    return out


def _recurs(ctx: ArticleContext, text: str) -> bool:
    """Whether ``text`` occurs at least twice in the article (without overlap, as
    ``str.count`` counts); asked only where it matters and once per name (a
    count over the whole text for every candidate is quadratic in a long article)."""
    cache = ctx.memo("recurs")
    if text not in cache:
        first = ctx.text.find(text)
        cache[text] = first >= 0 and ctx.text.find(text, first + len(text)) >= 0
    return cache[text]


def _surname_mentions(ctx: ArticleContext, found: list[tuple[int, int, str]],
                      full: dict[str, str]) -> list[tuple[int, int, str]]:
    """Surnames the model did not tag ("Lindqvist's fellow nominees", swallowed
    into a date, or hyphenated like "Marceau-Oakes"): the surname of exactly one
    person the article names in full, found as a capitalised word."""
    doc = ctx.doc
    toks = ctx.tokens
    taken = {i for s, e, _ in found for i in range(s, e)}
    surnames: dict[str, set[str]] = {}
    for name in full.values():
        surname = name.split()[-1]
        if len(surname) > 2:
            surnames.setdefault(surname, set()).add(name)
    by_length: dict[int, set[str]] = {}
    for surname, names in surnames.items():
        if len(names) == 1:
            by_length.setdefault(len(surname), set()).add(surname)
    # a surname counts where it fills whole tokens between non-word characters;
    # looked up at each token start by length (linear in the text, not
    # surnames x text)
    text = ctx.text
    hits = []
    for tok in toks:
        p = tok.idx
        if p and _WORDISH.match(text, p - 1):
            continue
        for length, candidates in by_length.items():
            if text[p : p + length] in candidates and not _WORDISH.match(text, p + length):
                hits.append((text[p : p + length], p))
    out = []
    for surname, p in sorted(hits):
        span = doc.char_span(p, p + len(surname))
        if span is None or any(t.i in taken for t in span):
            continue
        if any(t.ent_type_ in ("WORK_OF_ART", "NETWORK", "OUTLET", "KNOWN_ORG", "AWARD")
               for t in span) or not span[0].text[:1].isupper():
            continue
        out.append((span.start, span.end, surname))
        taken.update(range(span.start, span.end))
    return out


_WORDISH = re.compile(r"[\w-]")


def _extend_hyphenated(doc, start: int, end: int) -> int:
    """Extend a name over a hyphenated part the model cut: a surname ("Dorsey"
    of "Emmanuel Dorsey-Kwan") or a given name's second syllable ("Min-jun" of
    "Park Min-jun")."""
    def hyphen_part(k: int) -> bool:  # "-Kwan", "-jun" glued to a capitalised word at k-1
        return k + 1 < len(doc) and doc[k].text in {"-", "‐"} and not doc[k - 1].whitespace_ \
            and not doc[k].whitespace_ and doc[k - 1].is_title and doc[k + 1].is_alpha and (
                doc[k + 1].is_title or (doc[k + 1].is_lower and len(doc[k + 1]) <= 5))

    if end + 2 < len(doc) and doc[end].is_title and doc[end - 1].whitespace_ and \
            hyphen_part(end + 1) and doc[end + 2].is_lower:
        end += 1  # "Kim" tagged, "Do-yun" left out
    while hyphen_part(end):
        end += 2
    return end


def _full_names(ctx: ArticleContext, names: list[str]) -> dict[str, str]:
    """Folded multi-word names -> preferred spelling (capitalised beats lower case)."""
    out: dict[str, str] = {}
    for name in names + [t.author for t in ctx.tweets]:
        if len(name.split()) < 2 or not _acceptable(ctx, name):
            continue
        key = fold(name)
        if key not in out or (out[key].islower() and not name.islower()):
            out[key] = name
    return out


class _NameIndex:
    """The article's full names (folded key -> name) by their first and last
    words, so a lone or partial name finds its candidates by lookup: a scan of
    every full name for every mention is quadratic in a long article."""

    def __init__(self, full: dict[str, str]) -> None:
        self.full = full
        self.by_end_word: dict[str, set[str]] = {}
        self.by_last: dict[str, list[tuple[str, str]]] = {}
        for key, name in full.items():
            words = key.split()
            for word in {words[0], words[-1]}:
                self.by_end_word.setdefault(word, set()).add(name)
            self.by_last.setdefault(words[-1], []).append((key, name))


def _resolve_local(ctx: ArticleContext, text: str, names: _NameIndex) -> str:
    key = fold(text)
    if key in names.full:
        return names.full[key]
    parts = key.split()
    if len(parts) == 1:
        hits = set(names.by_end_word.get(parts[0], ()))
        if len(hits) == 1:
            return hits.pop()
    elif len(parts) >= 2:
        # "Robert Hale" when the article also says "Rob Hale"
        hits = {v for k, v in names.by_last.get(parts[-1], ()) if k != key
                and ctx.gaz.same_given_name(k.split()[0], parts[0])}
        if len(hits) == 1:
            return hits.pop()
    return text if not text.islower() else text.title()


_OWNERS = {"his", "her", "their", "its", "my", "our", "your"}


def _descriptor(t) -> bool:
    """A word of the description between a role cue and a character's name:
    lower-case words, hyphens, a nationality ("US", "British") or an initial."""
    return t.is_lower or t.text == "-" or t.ent_type_ in ("GPE", "NORP") or \
        (len(t.text.rstrip(".")) == 1 and t.text[:1].isupper())


def _opening_participle(ctx: ArticleContext, tok) -> bool:
    """A sentence opening with a participle the model read as a first name
    ("Beating Lune, ..."): capitalised only because it opens the sentence."""
    return tok.is_sent_start and tok.is_title and tok.lower_.endswith(("ing", "ed")) and \
        len(tok) > 5 and not ctx.gaz.is_given_name(tok.text)


def _owned(doc, start: int) -> bool:
    """Whether a possessive pronoun, past adjectives only, comes right before
    token ``start`` ("her record-breaking X"); a person would take a noun
    between ("her co-star X")."""
    k = start - 1
    while k >= max(0, start - 6):
        t = doc[k]
        hyphened = t.text == "-" or (k + 1 < start and doc[k + 1].text == "-") or \
            (k > 0 and doc[k - 1].text == "-")
        modifier = t.pos_ in ("ADJ", "ADV") or t.tag_ in ("VBG", "VBN")
        if not (modifier or (hyphened and k < start - 1)):
            break
        k -= 1
    return k >= 0 and doc[k].lower_ in _OWNERS and doc[k].tag_ == "PRP$"


_TAG = re.compile(r"(?<![\w@/#])[@#](\w{1,30})")


def _tagged(text: str, char: int) -> bool:
    """Whether the text at ``char`` is part of a hashtag or handle ("#RiaMoss",
    which the tokenizer may split at the capital). Looks back one word only."""
    lo = max(0, char - 40)
    word_start = max(text.rfind(" ", lo, char), text.rfind("\n", lo, char), lo - 1) + 1
    return text[word_start : word_start + 1] in ("#", "@")


_HANDLE_SUFFIX = re.compile(r"\d+|_[a-z]+")


@lru_cache(maxsize=1 << 14)
def _name_words(key: str) -> tuple[str, ...]:
    """A name's words without punctuation, as handles spell them."""
    return tuple(re.sub(r"\W", "", p) for p in key.split())


def match_handle(handle: str, full_names: dict[str, str]) -> str | None:
    """The person whose name a handle spells: '@realivanhale' -> 'Ivan Hale',
    '@robjhale' -> 'Rob Hale' (first name and surname both inside the handle)."""
    return handle_matcher(full_names)(handle)


def handle_matcher(full_names: dict[str, str]) -> Callable[[str], str | None]:
    """``match_handle`` over one set of names, for many handles: the names are
    indexed by their joined words and by their surname, and a handle looks up
    its prefixes and substrings instead of trying every name (quadratic over an
    article with many names and tags)."""
    by_joined: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    by_last: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for key, name in full_names.items():
        parts = _name_words(key)
        if not parts or not parts[0]:
            continue
        by_joined.setdefault("".join(parts), []).append((parts, name))
        by_last.setdefault(parts[-1], []).append((parts, name))
    anywhere = by_last.pop("", [])  # a last word of punctuation alone is in every handle
    last_lengths = sorted({len(w) for w in by_last})

    def spells(h: str, parts: tuple[str, ...]) -> bool:
        joined = "".join(parts)
        return joined == h or (len(joined) >= 3 and h.startswith(joined)
                               and _HANDLE_SUFFIX.fullmatch(h, len(joined)) is not None) or \
            (len(parts) >= 2 and len(parts[0]) > 1 and parts[-1] in h
             and parts[0] in h and h.index(parts[0]) < h.rindex(parts[-1]))

    def match(handle: str) -> str | None:
        h = handle.casefold()
        candidates = [c for n in range(1, len(h) + 1) for c in by_joined.get(h[:n], ())]
        candidates += [c for m in last_lengths for i in range(len(h) - m + 1)
                       for c in by_last.get(h[i : i + m], ())] + anywhere
        hits = {name for parts, name in candidates if spells(h, parts)}
        return hits.pop() if len(hits) == 1 else None

    return match


