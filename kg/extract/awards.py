"""Awards, ceremonies, categories and who won or was nominated.

Category mentions are runs of category vocabulary ("best leading actor",
"Outstanding Lead Actor In A Limited Series Or Movie") mapped onto official
names by ``Gazetteer.match_category``. Nominations come from cue phrases:
"X won ... for <category>", "X beat out A, B and C", "fellow nominees
included A, B", "(WON!)", with the work each nominee was up for taken from
the phrasing around their name ("Low Tide's Ada Okafor", "Tomas Ferreira for
Harbor Lights", "Harbor Lights star Priya Raman").
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.tokens import Span, Token

from kg.extract.context import (
    ArticleContext,
    PersonMention,
    clean_text,
    is_possessive,
    known_name,
    subject_core,
)
from kg.extract.cue_phrases import cue_length, cue_spans
from kg.extract.tweets import MONTHS
from kg.extract.works import placeish, title_after, title_before, valid_title
from kg.gazetteer import AwardInfo, CategoryRules, fold
from kg.nlp import AWARD, NETWORK, VENUE
from kg.records import CategoryRef, CeremonyFact, CeremonyRef, Evidence, NominationFact, Ref

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# any number of digits: "the 9999th Academy Awards" numbers an edition (one never
# held), it is not a bare "the Academy Awards"
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$", re.I)
_YEAR = re.compile(r"^(19|20)\d\ds?$")


@dataclass(frozen=True)
class CategoryMention:
    span: Span
    ref: CategoryRef


@dataclass(frozen=True)
class AwardMention:
    span: Span
    award: AwardInfo
    ceremony: CeremonyRef | None  # when the mention names a ceremony
    # the mention numbers or dates an edition never held ("the 0th Emmys"): a
    # ceremony, but none the graph can name
    unheld: bool = False


def held(award: AwardInfo, year: int, as_of: dt.date) -> bool:
    """Whether ``award`` can have had its ceremony of ``year`` by ``as_of``, two
    years ahead allowed (news looks ahead to a show, and where shows were
    skipped an edition number runs ahead of the calendar). "The 0th Emmys",
    "the 1925 Oscars" (the first was in 1929) or "the 999th Grammys" name no
    ceremony: the graph would give it an ordinal below 1 or a date centuries
    away. An article about one gets no ceremony (its wins are left out rather
    than pinned on this year's show); one named in passing is no ceremony."""
    return award.ordinal_for(year) >= 1 and year <= as_of.year + 2


# --- awards and ceremonies --------------------------------------------------------------

def award_mentions(ctx: ArticleContext) -> list[AwardMention]:
    """Award names, and the ceremony each refers to ("the 72nd annual Primetime Emmy
    Awards", "Emmys 2021", "this year's Emmy Awards")."""
    out = []
    found = []
    doc = ctx.doc
    for ent in ctx.ents:
        if ent.label_ != AWARD:
            continue
        award = ctx.gaz.award(known_name(ent)) or ctx.gaz.award(ent.text)
        if award is None:
            continue
        year = None
        i = ent.start - 1
        while i >= max(0, ent.start - 3):
            t = doc[i]
            m = _ORDINAL.match(t.text)
            if m:
                # (a number of thousands of digits is no edition, and int() refuses it)
                digits = m.group(1)
                year = award.year_for(int(digits) if len(digits) <= 8 else 10**8)
                break
            if _YEAR.match(t.text):
                year = int(t.text[:4])
                break
            if t.lower_ not in {"annual", "the", "'s", "’s", "primetime", "virtual"}:
                break
            i -= 1
        if year is None and ent.end < len(doc) and _YEAR.match(doc[ent.end].text):
            year = int(doc[ent.end].text[:4])
        plural = ent.text.endswith("s") or ent[-1].lower_ in {"awards", "emmys"}
        is_ceremony = year is not None or plural or (ent.start > 0 and doc[ent.start - 1].lower_
                                                     in {"at", "during"})
        unheld = year is not None and not held(award, year, ctx.article.date)
        found.append((ent, award, None if unheld else year, is_ceremony, unheld))
    # a bare "the Emmys" is the latest ceremony as of the article's date (this
    # year's once its month is near, else last year's: "the 75th Emmys", held in
    # January of the next year), unless the opening numbers or dates another one;
    # a past show named in passing ("teased at the 2022 VMAs") does not count;
    # an opening about an edition never held leaves the bare mentions unplaced
    opening_end = _opening_end(ctx)
    opening: dict[str, Counter[int | None]] = {}
    for ent, award, year, _, unheld in found:
        if (year is not None or unheld) and ent.start < opening_end:
            opening.setdefault(award.name, Counter())[year] += 1
    for ent, award, year, is_ceremony, unheld in found:
        if year is None and not unheld:
            years = opening.get(award.name)
            year = years.most_common(1)[0][0] if years else _latest_ceremony(ctx, award)
        ceremony = CeremonyRef(award.name, year) if is_ceremony and year is not None else None
        out.append(AwardMention(ent, award, ceremony, unheld=unheld))
    return out


def _latest_ceremony(ctx: ArticleContext, award: AwardInfo) -> int | None:
    """The year of the award's latest ceremony as of the article's date, counting
    one due within two months as this year's (news before a show is about it);
    None before the award's first."""
    date = ctx.article.date
    due = award.month is None or date.month >= award.month - 2
    year = date.year if due else date.year - 1
    return year if held(award, year, date) else None


def main_award(ctx: ArticleContext, mentions: list[AwardMention]) -> AwardInfo | None:
    """The award the article is about: the one it names most (first named wins a
    tie); when it names none, the award whose official categories it names.

    A mention of the ceremony ("at the Baftas", "the 34th Spirit Awards") weighs
    more than a trophy named in passing ("the Oscar favourite", "an Emmy
    winner"), and a mention in the opening paragraph more than a later one: an
    article about one show often compares its winners with another's."""
    counts: Counter[str] = Counter()  # float weights
    opening_end = _opening_end(ctx)
    for m in mentions:
        if m.ceremony is not None or m.unheld:
            opening = m.span.start < opening_end and not ctx.tweet_at(m.span)
            weight = 6.0 if opening else 2.0
        elif m.span.root.dep_ in ("compound", "amod", "nmod"):
            weight = 0.5  # "the Oscar favourite", "an Emmy-winning actor"
        else:
            weight = 1.0
        counts[m.award.name] += weight
    if not counts:
        return _award_by_categories(ctx)
    best = max(counts.items(), key=lambda kv: (kv[1], -min(m.span.start for m in mentions
                                                            if m.award.name == kv[0])))
    return ctx.gaz.award_named(best[0])


def _opening_end(ctx: ArticleContext) -> int:
    """The token index where the opening (first two sentences with words) ends."""
    seen = 0
    for sent in ctx.sentences:
        if any(t.is_alpha for t in sent):
            seen += 1
            if seen == 2:
                return sent.end
    return len(ctx.doc)


def _award_by_categories(ctx: ArticleContext) -> AwardInfo | None:
    """"Outstanding Lead Actor in a Drama Series" is an Emmy category even when
    the article never says "Emmy": count exact category names per award."""
    text = ctx.text.casefold().replace("’", "'")
    best: tuple[int, str] | None = None
    for award in ctx.gaz.awards:
        hits = sum(1 for c in award.categories if len(c.split()) >= 3 and c.casefold() in text)
        if hits and (best is None or hits > best[0]):
            best = (hits, award.name)
    return ctx.gaz.award_named(best[1]) if best else None


def main_ceremony(ctx: ArticleContext, mentions: list[AwardMention],
                  award: AwardInfo | None) -> CeremonyRef | None:
    """The ceremony the article is about: the edition of its award it names most
    (None when that is one never held: its facts are left out), else the year of
    the article's date, if the award was held by then."""
    if award is None:
        return None
    years = Counter(None if m.unheld else m.ceremony.year for m in mentions
                    if (m.ceremony or m.unheld) and m.award.name == award.name)
    year = years.most_common(1)[0][0] if years else ctx.article.date.year
    if year is None or not held(award, year, ctx.article.date):
        return None
    return CeremonyRef(award.name, year)


# --- categories ------------------------------------------------------------------------

def category_mentions(ctx: ArticleContext, award: AwardInfo | None) -> list[CategoryMention]:
    """Runs of category words that name (or paraphrase) a category of ``award``.

    A run of category vocabulary can hold more than the category ("award for
    the best actress for her role in"): words are dropped from the left until
    the run starts like a category, and for each start the longest prefix that
    names a category is taken. Found once per Doc and award (see
    ``ArticleContext.categories_by_award``)."""
    if award is None:
        return []
    found = ctx.categories_by_award.get(award.name)
    if found is None:
        found = ctx.categories_by_award[award.name] = _find_category_mentions(ctx, award)
    return list(found)


def _find_category_mentions(ctx: ArticleContext, award: AwardInfo) -> list[CategoryMention]:
    rules = ctx.gaz.category_rules
    vocab = ctx.gaz.category_vocab
    doc, toks = ctx.doc, ctx.tokens
    out: list[CategoryMention] = []
    i = 0
    while i < len(toks):
        if not _in_vocab(toks[i], vocab) or toks[i].lower_ in rules.connectors:
            i += 1
            continue
        j = i
        while j < len(toks) and _in_vocab(toks[j], vocab) and not (
                j > i and toks[j - 1].whitespace_ == "" and toks[j].is_alpha
                and toks[j - 1].is_alpha):
            j += 1
        found = None
        for start in range(i, j):
            if toks[start].lower_ in rules.connectors:
                continue
            found = next((m for end in range(min(j, start + _MAX_CATEGORY_TOKENS), start, -1)
                          if (m := _category_at(ctx, award, doc[start:end],
                                                _prize_noun_at(doc, end))) is not None), None)
            if found is not None:
                break
        if found is not None:
            out.append(found)
            i = max(found.span.end, i + 1)
        else:
            i = max(j, i + 1)
    return sorted(out + list(_elided_categories(ctx, award, out)), key=lambda c: c.span.start)


_LIST_GLUE = {",", "and", "or", "&"}


def _people_words(rules: CategoryRules) -> frozenset[str]:
    """Head words of prizes named for a person's job ("actor", "director")."""
    return rules.performer_words | {"director"}
_MAX_ELIDED = 6  # "album, record and song of the year": the shared words are read this far


def _elided_categories(ctx: ArticleContext, award: AwardInfo, found: list[CategoryMention]
                       ) -> Iterator[CategoryMention]:
    """Categories named by one word of a coordination that shares the rest of
    the name with its neighbour: "album, record and song of the year" (the tail
    shared: Album of the Year, Record of the Year) and "best actor and actress"
    (the opening shared: Best Actress). Each bare word counts only when the
    name it makes is a category of the award."""
    doc = ctx.doc
    taken = {t for c in found for t in range(c.span.start, c.span.end)}

    def make(k: int, text: str) -> CategoryMention | None:
        if k in taken or not doc[k].is_alpha or doc[k].is_stop:
            return None
        candidates = ctx.gaz.match_category(award.name, text)
        exact = [c for c in candidates if fold(c) == fold(text)] or candidates
        if not candidates or len(candidates) > 3:
            return None
        ref = CategoryRef(award.name, clean_text(text), tuple(exact))
        return CategoryMention(doc[k : k + 1], ref)

    for cat in found:
        span = cat.span
        tail = span[1:].text
        k = span.start - 1  # backwards over "album, record, and"
        for _ in range(_MAX_ELIDED):
            while k >= 0 and doc[k].lower_ in _LIST_GLUE:
                k -= 1
            if k < 0 or k == span.start - 1 or doc[k + 1].lower_ not in _LIST_GLUE:
                break
            m = make(k, f"{doc[k].text} {tail}") if len(span) > 1 else None
            if m is None:
                break
            yield m
            k -= 1
        head = span[:-1].text
        k = span.end  # forwards over "and actress"
        people_words = _people_words(ctx.gaz.category_rules)
        for _ in range(_MAX_ELIDED if span[-1].lower_ in people_words else 0):
            glue = k
            while k < len(doc) and doc[k].lower_ in _LIST_GLUE:
                k += 1
            if k == glue or k >= len(doc) or len(span) < 2:
                break
            if k + 1 < len(doc) and (doc[k + 1].lower_ in ctx.gaz.category_vocab or
                                     doc[k + 1].text[:1].isupper()):
                break  # "actor and supporting actress", "actor and director Ivo Marsh"
            m = make(k, f"{head} {doc[k].text}") if doc[k].lower_ in people_words else None
            if m is None:
                break
            yield m
            k += 1


# the longest official names run to about 15 words; a longer run of category words
# is searched in windows of this size, so the search stays linear in the text
_MAX_CATEGORY_TOKENS = 18


def _in_vocab(tok: Token, vocab: frozenset[str]) -> bool:
    """A category word, or one made of category words ("R&B/pop")."""
    return _word_in_vocab(tok.lower_, vocab)


_WORD_PARTS = re.compile(r"[\w+]+")


@lru_cache(maxsize=1 << 16)  # asked for every token; the same words recur
def _word_in_vocab(word: str, vocab: frozenset[str]) -> bool:
    if word in vocab:
        return True
    parts = _WORD_PARTS.findall(word)
    return len(parts) > 1 and all(p in vocab for p in parts)


def _prize_noun_at(doc, i: int) -> bool:
    """Whether token i names a prize ("the best pop award", "the leading actor prize")."""
    return i < len(doc) and doc[i].lemma_.lower() in _ANAPHORS


def _category_at(ctx: ArticleContext, award: AwardInfo, span: Span,
                 before_prize: bool = False) -> CategoryMention | None:
    """The category ``span`` names, if it reads like one: an official name, or a
    paraphrase with a head word ("actress", "picture") after "best" /
    "outstanding" or with a role word ("supporting actor"). "and best" starts
    another category ("best new artist and best pop award")."""
    rules = ctx.gaz.category_rules
    toks = ctx.tokens
    words = [t.lower_ for t in toks[span.start : span.end]]
    if words[-1] in rules.connectors or any(
            words[k] in rules.openers and words[k - 1] in {"and", "or", ",", "&"}
            for k in range(1, len(words))):
        return None
    content = [w for w in words if w not in rules.connectors]
    has_head = any(rules.synonyms.get(w, w) in rules.head_words or w in rules.head_words
                   for w in words)
    opener = words[0] in rules.openers
    has_role = any(w in rules.role_words for w in words)
    exact = award.folded_names.get(fold(span.text)) in award.categories  # "Album of the Year"
    people_words = _people_words(rules)
    if not exact and len(words) >= 3 and words[-2] in {"and", "or", "&"} and \
            words[-1] in people_words and words[-3] in people_words:
        return None  # "best actor and actress" names two categories (see _elided_categories)
    # a head word ("actress", "album") unless a prize noun follows: "the best pop award"
    if not (exact or ((has_head or (before_prize and opener)) and len(content) >= 2
                      and (opener or has_role))):
        return None
    candidates = ctx.gaz.match_category(award.name, span.text)
    if not candidates:
        return None
    return CategoryMention(span, CategoryRef(award.name, clean_text(span.text), candidates))


# --- nominations -----------------------------------------------------------------------

def _is_win_token(tok: Token, ctx: ArticleContext) -> bool:
    if tok.i > 0 and tok.doc[tok.i - 1].text == "-":
        return False  # "expected-to-win"
    if tok.text == "WON":
        return True
    return tok.lemma_.lower() in ctx.cues.words("win_lemmas") and tok.pos_ in ("VERB", "AUX")


def _clause_bounds(ctx: ArticleContext, sent: Span, i: int) -> tuple[int, int]:
    """The clause of the sentence around token i: split at ';' and ', while'."""
    splits = _clause_splits(ctx, sent)
    k = bisect.bisect_left(splits, i)
    start = splits[k - 1] + 1 if k > 0 else sent.start
    after = k + 1 if k < len(splits) and splits[k] == i else k
    end = splits[after] if after < len(splits) else sent.end
    return start, end


def _clause_splits(ctx: ArticleContext, sent: Span) -> list[int]:
    """Where a sentence splits into clauses, computed once per sentence."""
    cache = ctx.memo("clause_splits")
    if sent.start not in cache:
        toks = ctx.tokens
        cache[sent.start] = [t.i for t in toks[sent.start : sent.end] if t.text == ";" or (
            t.text == "," and t.i + 1 < sent.end and toks[t.i + 1].lower_ in {"while", "whereas"})]
    return cache[sent.start]


def _coordinated(ctx: ArticleContext, persons: list[PersonMention]) -> list[PersonMention]:
    """The first person and those joined to it by 'and' / ',' / '&'."""
    if not persons:
        return []
    out = [persons[0]]
    for p in persons[1:]:
        between = ctx.doc[out[-1].end : p.start]
        if all(t.lower_ in {"and", ",", "&"} for t in between):
            out.append(p)
        else:
            break
    return out


def work_near(ctx: ArticleContext, person: PersonMention, lo: int, hi: int) -> str | None:
    """The work the text attaches to a nominee: 'W's P', 'W star P', 'W P', 'P for W',
    'P of W fame', 'P from W', 'P (W)', 'P who played ... in W'."""
    before = _work_before_name(ctx, person, lo)
    return before if before is not None else _work_after_name(ctx, person, hi)


def _work_before_name(ctx: ArticleContext, person: PersonMention, lo: int) -> str | None:
    """'W's P', 'W star P', 'W P' (the title right before the name)."""
    doc = ctx.doc
    if person.start >= 2 and is_possessive(doc[person.start - 1]):
        span = title_before(ctx, person.start - 1)
        if span is not None and ctx.known_work(span.text):
            return ctx.known_work(span.text)
    k = person.start - 1
    if k >= lo and doc[k].lower_ in ctx.cues.words("credit_nouns"):
        span = title_before(ctx, k)
        if span is not None and span.start >= lo and ctx.known_work(span.text) and \
                not placeish(span) and valid_title(ctx, span):
            return ctx.known_work(span.text)
    if k >= lo and doc[k].text[:1].isupper() and not doc[k].is_punct and doc[k].whitespace_:
        span = title_before(ctx, person.start)  # "The Fisherman's Tale Nora Quinn"
        if span is not None and span.start >= lo:
            if ctx.known_work(span.text):
                return ctx.known_work(span.text)
            if len(span) >= 2 and valid_title(ctx, span) and not placeish(span):
                return clean_text(span.text)
    return None


def _work_after_name(ctx: ArticleContext, person: PersonMention, hi: int) -> str | None:
    """'P for W', 'P of W fame', 'P from W', 'P (W)', "P whose 'W'", 'P who
    played ... in W' (a title after the name)."""
    doc = ctx.doc
    j = person.end
    if j < hi and doc[j].lower_ in {"for", "of", "from", "in", "("}:
        k = j + 1
        if k < hi and doc[k].ent_type_ == NETWORK:  # "of HBO's Merrow Point"
            while k < hi and doc[k].ent_type_ == NETWORK:
                k += 1
            if k < hi and is_possessive(doc[k]):
                k += 1
        span = title_after(ctx, k, hi)
        if span is not None:
            return ctx.known_work(span.text) or clean_text(span.text)
    k = j + 1 if j < hi and (doc[j].lower_ == "whose" or is_possessive(doc[j])) else None
    while k is not None and k < hi and doc[k].text in {'"', "“", "‘", "'"}:
        k += 1
    if k is not None and k < hi:  # "P whose 'W' won", "P's “W”"
        span = title_after(ctx, k, hi)
        if span is not None and ctx.known_work(span.text):
            return ctx.known_work(span.text)
    if j < hi and doc[j].lower_ in {"who", "which", ","}:
        for t in doc[j:hi]:
            if t.lower_ == "in" and t.i + 1 < hi:
                span = title_after(ctx, t.i + 1, hi)
                if span is not None and ctx.known_work(span.text):
                    return ctx.known_work(span.text)
    return None


def work_after(ctx: ArticleContext, lo: int, hi: int) -> str | None:
    """The first known work introduced after token ``lo`` by "for/in/on/with"
    within the same paragraph ("for his role in HBO's X", "for "X"", "won video
    of the year with X"). """
    toks = ctx.tokens
    skippable = {"the", "a", "an", "hit", "new", "limited", "acclaimed", "'s", "’s"} | \
        ctx.cues.words("work_nouns")
    for i in range(lo, hi):
        if "\n" in toks[i].text:
            return None
        k = i - 1
        while k > lo and (toks[k].lower_ in skippable or toks[k].ent_type_ == NETWORK):
            k -= 1
        if k >= lo and k < i and toks[k].lower_ in {"in", "on", "for", "with", "“", '"', "‘"}:
            for _, work in works_at(ctx, i):
                return work
    return None


_MAX_TITLE_TOKENS = 20  # a known title is looked for this far: a run of capitals stays linear


def works_at(ctx: ArticleContext, i: int) -> tuple[tuple[str, str], ...]:
    """The known work whose title starts at token ``i``, as (text, title), or
    nothing. Kept per context: the extractors ask about the same tokens again
    and again (about 200 questions an article), and a context (its Doc, people
    and titles) never changes."""
    memo = ctx.memo("works_at")
    found = memo.get(i)
    if found is None:
        found = memo[i] = _works_at(ctx, i)
    return found


def _works_at(ctx: ArticleContext, i: int) -> tuple[tuple[str, str], ...]:
    doc = ctx.doc
    text = ctx.tokens[i].text
    # the test ``ArticleContext.capitalised`` makes: scans ask only those tokens
    if text[:1].isupper() and ctx.may_start_known_work(text):
        span = title_after(ctx, i, i + _MAX_TITLE_TOKENS)
        if span is not None:
            for end in range(span.end, span.start, -1):
                candidate = ctx.text_of(span.start, end)
                work = ctx.known_work(candidate)
                if work and placeish(doc[span.start : end]) and not (
                        end < len(doc) and is_possessive(doc[end])):
                    continue  # "a London actor", not a series called London
                if work:
                    return ((candidate, work),)
    return ()


@dataclass
class _Clause:
    """The tokens a cue governs: its clause, clipped to the tweet it is in."""

    lo: int
    hi: int
    in_tweet: bool


def _clause(ctx: ArticleContext, sent: Span, tok: Token) -> _Clause:
    lo, hi = _clause_bounds(ctx, sent, tok.i)
    tweet = ctx.tweet_at(tok)
    if tweet is not None:
        span = ctx.doc.char_span(tweet.start - ctx.offset, tweet.text_end - ctx.offset,
                                 alignment_mode="expand")
        if span is not None:
            lo, hi = max(lo, span.start), min(hi, span.end)
    else:  # a sentence running into the next tweet (the first one after the cue)
        starts = ctx.tweet_token_starts
        k = bisect.bisect_right(starts, tok.i)
        if k < len(starts) and starts[k] < hi:
            hi = starts[k]
    return _Clause(lo, hi, tweet is not None)


def _ceremony_for(ctx: ArticleContext, tok: Token, awards: list[AwardMention],
                  default: CeremonyRef) -> CeremonyRef | None:
    """An award named right before a nomination noun ("a Screen Actors Guild Award
    nomination") is the one that cue is about; otherwise the article's ceremony.
    None when that award's edition was never held ("a 1925 Oscar nomination")."""
    ends = _award_ends(ctx, awards)
    found = [ends[e] for e in (tok.i - 1, tok.i) if e in ends]
    if not found:
        return default
    m = min(found, key=lambda item: item[0])[1]  # the first in the list, as a scan finds
    if m.ceremony is not None:
        return m.ceremony
    year = ctx.article.date.year
    return None if m.unheld or not held(m.award, year, ctx.article.date) else \
        CeremonyRef(m.award.name, year)


def _award_ends(ctx: ArticleContext, awards: list[AwardMention]
                ) -> dict[int, tuple[int, AwardMention]]:
    """The first award mention (and its place in ``awards``) ending at each token,
    made once per list: asked for every nomination cue, a scan of every mention
    would be quadratic in a long article."""
    memo = ctx.memo("award_ends")
    cached = memo.get("last")
    if cached is None or cached[0] is not awards or cached[1] != len(awards):
        index: dict[int, tuple[int, AwardMention]] = {}
        for k, m in enumerate(awards):
            index.setdefault(m.span.end, (k, m))
        cached = memo["last"] = (awards, len(awards), index)
    return cached[2]


def extract_nominations(ctx: ArticleContext, award: AwardInfo | None,
                        ceremony: CeremonyRef | None, categories: list[CategoryMention],
                        awards: list[AwardMention]) -> Iterator[NominationFact]:
    """Wins and nominations, sentence by sentence (see the module docstring).

    The categories won so far are passed back in, so that "the award" after a
    sentence listing several categories means the one last won, not the one
    last listed."""
    won: list[tuple[int, CategoryRef]] = []
    for fact in _nominations(ctx, award, ceremony, categories, awards, won):
        if fact.won and fact.category is not None:
            won.append((fact.evidence.start, fact.category))
        yield fact


def _context_category(ctx: ArticleContext, recent: list[tuple[int, CategoryRef]],
                      won: list[tuple[int, CategoryRef]]) -> CategoryRef | None:
    """The category "the award" points back to: the last one named within a few
    sentences; when the last sentence naming categories named several, the
    last of those recent ones that was won."""
    if not recent:
        return None
    last = [c for i, c in recent if i == recent[-1][0]]
    if len(last) > 1:
        first = ctx.sentences[recent[0][0]].start_char + ctx.offset
        recently_won = [c for start, c in won if start >= first]
        if recently_won:
            return recently_won[-1]
    return recent[-1][1]


def _nomination_cue_tokens(ctx: ArticleContext) -> list[int]:
    """The tokens a win or nomination can hang from, in order: where a cue
    phrase starts, a win or nomination verb, a nomination noun, "WON". Only
    these are looked at closely, instead of every token of every sentence."""
    doc, cues = ctx.doc, ctx.cues
    lemmas = cues.words("win_lemmas") | cues.words("nomination_lemmas")
    words = cues.words("nomination_nouns") | {"nominees", "won"}
    found = {t.i for t in ctx.tokens if t.lower_ in words or t.lemma_.lower() in lemmas}
    found.update(span.start for span in cue_spans(doc)
                 if span.label_ in ("AWARD_TO", "LOST_TO", "LOSS", "WIN"))
    return sorted(found)


def _tokens_between(ordered: list[int], start: int, end: int) -> list[int]:
    """The indexes of ``ordered`` (sorted) that fall in ``[start, end)``."""
    return ordered[bisect.bisect_left(ordered, start) : bisect.bisect_left(ordered, end)]


def _nominations(ctx: ArticleContext, award: AwardInfo | None, ceremony: CeremonyRef | None,
                 categories: list[CategoryMention], awards: list[AwardMention],
                 won: list[tuple[int, CategoryRef]]) -> Iterator[NominationFact]:
    """Wins and nominations read off each cue token ("won", "lost to", "goes
    to", "nominated", "nominees" ...), sentence by sentence."""
    if award is None or ceremony is None:
        return
    cue_tokens = _nomination_cue_tokens(ctx)
    # each sentence's categories, in the order given (a scan of every category
    # for every sentence was quadratic in a long article)
    by_sentence: dict[int, list[CategoryMention]] = defaultdict(list)
    for c in categories:
        by_sentence[ctx.sentence_index(c.span.start)].append(c)
    recent: list[tuple[int, CategoryRef]] = []
    for s_index, sent in enumerate(ctx.sentences):
        in_tweet = ctx.tweet_at(sent) is not None
        sent_cats = by_sentence.get(s_index, [])
        recent = [(i, c) for i, c in recent if s_index - i <= 3]
        context_cat = _context_category(ctx, recent, won) if not in_tweet else None
        if not in_tweet:
            recent.extend((s_index, c.ref) for c in sent_cats)
        scan = _SentenceScan(ctx, award, ceremony, awards, sent, sent_cats, context_cat)
        yield from scan.facts(_tokens_between(cue_tokens, sent.start, sent.end))


@dataclass
class _SentenceScan:
    """One sentence's cue tokens read in order; ``seen`` keeps a nominee from
    being counted twice in the sentence."""

    ctx: ArticleContext
    award: AwardInfo
    ceremony: CeremonyRef
    awards: list[AwardMention]
    sent: Span
    sent_cats: list[CategoryMention]
    context_cat: CategoryRef | None
    seen: set[tuple[str, bool]] = field(default_factory=set)

    def facts(self, cue_tokens: Iterable[int]) -> Iterator[NominationFact]:
        ctx, doc, cues = self.ctx, self.ctx.doc, self.ctx.cues
        nom_nouns = cues.words("nomination_nouns")
        skip_until = -1
        for i in cue_tokens:
            tok = doc[i]
            if tok.i < skip_until:
                continue
            n_to = cue_length(doc, tok.i, "AWARD_TO")
            if n_to:  # "Leading actress goes to Imogen Thackeray for The Marram Grass"
                yield from _awarded_to(ctx, self.sent, tok, n_to, self.sent_cats,
                                       self.ceremony, self.seen)
                skip_until = tok.i + n_to
                continue
            n_lost = cue_length(doc, tok.i, "LOST_TO")
            if n_lost:  # "Glass Orchard's Ambrose Tilling lost out to him"
                yield from _lost_to(ctx, self.sent, tok, n_lost, self.sent_cats,
                                    self.context_cat, self.ceremony, self.seen)
                skip_until = tok.i + n_lost
                continue
            n_loss = cue_length(doc, tok.i, "LOSS")
            n_win = cue_length(doc, tok.i, "WIN") or (1 if _is_win_token(tok, ctx) else 0)
            is_nom = (tok.lemma_.lower() in cues.words("nomination_lemmas") and tok.pos_ == "VERB")
            is_nom_noun = tok.lower_ in nom_nouns and tok.lower_ not in {"nominees", "nominee"}
            if not (n_loss or n_win or is_nom or is_nom_noun or tok.lower_ == "nominees"):
                continue
            skip_until = tok.i + max(n_loss, n_win, 1)
            yield from self._at_cue(tok, _Cue(n_loss, n_win, is_nom, is_nom_noun))

    def _at_cue(self, tok: Token, cue: _Cue) -> Iterator[NominationFact]:
        """The facts a win, loss or nomination cue gives in its clause."""
        ctx, doc = self.ctx, self.ctx.doc
        clause = _clause(ctx, self.sent, tok)
        lo, hi = clause.lo, clause.hi
        cer = _ceremony_for(ctx, tok, self.awards, self.ceremony)
        if cer is None:
            return
        ev = ctx.evidence(self.sent if not clause.in_tweet else doc[lo:hi])
        if cer.award != self.award.name:
            # a nomination for another award ("scored a SAG Award nomination")
            if cue.is_nom_noun:
                for p in _subject(ctx, tok, lo):
                    yield NominationFact(Ref("person", p.name), None, None, cer, False, ev, 0.6)
            return
        subject = _subject(ctx, tok, lo)
        cat = _category_for(self.sent_cats, tok.i, lo, hi)
        names_award = any(0 < e.start - tok.i <= 4 and ctx.gaz.award(e.text)
                          for e in ctx.ents_in(self.sent))
        if cat is None and not clause.in_tweet and not names_award and \
                _refers_back(ctx, tok, lo, hi, subject):
            # "competed in the category", "the actor won for ...", but not "won
            # his first Bafta": a win of the award itself names no category
            cat = self.context_cat
        # the work the passage is about, a guess for screen and stage roles only
        # (a singer's prize is not for the album the article named last)
        guess = None if clause.in_tweet else nearest_work_before(ctx, tok.i)
        person_guess = None if cat is not None and not is_acting(ctx, cat) else guess
        found = _Found(clause, cer, cat, ev, subject, guess, person_guess,
                       1.0 if cat in [c.ref for c in self.sent_cats] else 0.7)
        is_win = cue.n_win and (not cue.n_loss or cue_length(doc, tok.i, "WIN"))
        if is_win:
            yield from self._won(tok, cue, found)
        if cue.n_loss or tok.lower_ == "nominees":
            yield from _competitors(ctx, tok, cue.n_loss, clause, found.subject, cat, cer, ev,
                                    self.seen, is_win)
        elif cue.is_nom or (cue.is_nom_noun and found.subject):
            yield from self._nominated(tok, cue, found)

    def _won(self, tok: Token, cue: _Cue, found: _Found) -> Iterator[NominationFact]:
        """The winners a win cue names: people (with the work near each), or for a
        program category the work itself, and the works it beat."""
        ctx, doc, seen = self.ctx, self.ctx.doc, self.seen
        lo, hi = found.clause.lo, found.clause.hi
        cat, cer, ev = found.cat, found.cer, found.ev
        # a list line: "Name for "Category" (WON!)"
        won_marker = any(t.text == "WON" for t in doc[tok.i : tok.i + max(cue.n_win, 1)])
        program = cat is not None and is_program(ctx, cat)
        work_subject = _work_subject(ctx, tok, lo) if program and not found.subject else None
        if won_marker and not found.subject:
            found.subject = _coordinated(ctx, [p for p in ctx.persons_in(lo, tok.i)
                                               if not p.is_character])
        work = work_after(ctx, tok.i, hi)
        for p in found.subject:
            if (p.name, True) in seen:
                continue
            seen.add((p.name, True))
            w = work_near(ctx, p, lo, hi) or work
            yield NominationFact(Ref("person", p.name), cat, _ref(w), cer, True, ev,
                                 found.confidence, work_guess=_ref(found.person_guess))
        if not found.subject and program:
            winner = work_subject or (found.guess if won_marker else None)
            if winner and (winner, True) not in seen:
                seen.add((winner, True))
                yield NominationFact(Ref("work", winner), cat, _ref(winner), cer, True,
                                     ev, 0.9 if work_subject else 0.7)
        if program:  # "winning Best Picture over A and B", "beating out A and B"
            yield from _work_competitors(ctx, tok, hi, cat, cer, ev, seen)

    def _nominated(self, tok: Token, cue: _Cue, found: _Found) -> Iterator[NominationFact]:
        """The nominees a nomination cue names, in each category listed after it."""
        ctx, seen = self.ctx, self.seen
        lo, hi = found.clause.lo, found.clause.hi
        listed = _listed_after(ctx, self.sent_cats, tok.i, hi) if cue.is_nom_noun else []
        for p in found.subject:
            if (p.name, False) in seen or (p.name, True) in seen:
                continue
            seen.add((p.name, False))
            for c in [m.ref for m in listed] or [found.cat]:
                yield NominationFact(Ref("person", p.name), c, _ref(work_near(ctx, p, lo, hi)),
                                     found.cer, False, found.ev, 0.8,
                                     work_guess=_ref(found.person_guess))


@dataclass(frozen=True)
class _Cue:
    """What a cue token says: its loss and win cue lengths, and whether it is a
    nomination verb or noun."""

    n_loss: int
    n_win: int
    is_nom: bool
    is_nom_noun: bool


@dataclass
class _Found:
    """What one cue's clause gives: its ceremony, category, evidence, subject
    and the work the passage is about."""

    clause: _Clause
    cer: CeremonyRef
    cat: CategoryRef | None
    ev: Evidence
    subject: list[PersonMention]
    guess: str | None
    person_guess: str | None
    confidence: float


def _awarded_to(ctx: ArticleContext, sent: Span, tok: Token, n: int,
                cats: list[CategoryMention], cer: CeremonyRef, seen: set[tuple[str, bool]]
                ) -> Iterator[NominationFact]:
    """The category before the phrase, the winner right after it."""
    clause = _clause(ctx, sent, tok)
    before = [c for c in cats if clause.lo <= c.span.start < tok.i]
    if not before:
        return
    cat = max(before, key=lambda c: c.span.start).ref
    first = tok.i + n
    ev = ctx.evidence(sent)
    person = ctx.person_at(first) if first < len(ctx.doc) else None
    if person is not None and person.start == first:
        if (person.name, True) not in seen:
            seen.add((person.name, True))
            work = work_near(ctx, person, clause.lo, clause.hi)
            yield NominationFact(Ref("person", person.name), cat, _ref(work), cer, True, ev, 0.9)
    elif not is_performer(ctx, cat):
        found = next(iter(works_at(ctx, first)), None) if first < len(ctx.doc) else None
        if found and (found[1], True) not in seen:
            seen.add((found[1], True))
            yield NominationFact(Ref("work", found[1]), cat, Ref("work", found[1]), cer, True,
                                 ev, 0.9)


def _lost_to(ctx: ArticleContext, sent: Span, tok: Token, n: int, cats: list[CategoryMention],
             context_cat: CategoryRef | None, cer: CeremonyRef, seen: set[tuple[str, bool]]
             ) -> Iterator[NominationFact]:
    """The subject lost; a person named right after the phrase won."""
    clause = _clause(ctx, sent, tok)
    cat = _category_for(cats, tok.i, clause.lo, clause.hi) or context_cat
    ev = ctx.evidence(sent)
    for p in _subject(ctx, tok, clause.lo):
        if (p.name, False) not in seen and (p.name, True) not in seen:
            seen.add((p.name, False))
            yield NominationFact(Ref("person", p.name), cat,
                                 _ref(work_near(ctx, p, clause.lo, clause.hi)), cer, False, ev,
                                 0.8)
    first = tok.i + n
    winner = ctx.person_at(first) if first < len(ctx.doc) else None
    if winner is not None and winner.start == first and (winner.name, True) not in seen:
        seen.add((winner.name, True))
        yield NominationFact(Ref("person", winner.name), cat,
                             _ref(work_near(ctx, winner, clause.lo, clause.hi)), cer, True, ev,
                             0.8)


def _listed_after(ctx: ArticleContext, cats: list[CategoryMention], i: int, hi: int
                  ) -> list[CategoryMention]:
    """The categories listed right after a nomination noun ("four nominations -
    best new artist, album, record and song of the year"): a run of category
    mentions with only list punctuation and "and" between them."""
    doc = ctx.doc
    ahead = sorted((c for c in cats if i < c.span.start < hi), key=lambda c: c.span.start)
    out: list[CategoryMention] = []
    k = i + 1
    for c in ahead:
        gap = doc[k : c.span.start]
        if len(gap) > 3 or any(not (t.is_punct or t.lower_ in _LIST_GLUE or t.pos_ == "DET")
                               for t in gap):
            break
        out.append(c)
        k = c.span.end
    return out if len(out) >= 2 else []


def _category_for(cats: list[CategoryMention], i: int, lo: int, hi: int) -> CategoryRef | None:
    """The category a cue at token i speaks of: the first one after it in the
    clause ("X won Best Director and Y was named Best Supporting Actress"), else
    the nearest one before it."""
    inside = [c for c in cats if lo <= c.span.start < hi]
    after = [c for c in inside if c.span.start >= i]
    if after:
        return min(after, key=lambda c: c.span.start).ref
    before = [c for c in inside if c.span.start < i]
    return max(before, key=lambda c: c.span.start).ref if before else None


_ANAPHORS = {"category", "award", "prize", "trophy", "honour", "honor", "gong", "statuette"}


def _refers_back(ctx: ArticleContext, tok: Token, lo: int, hi: int,
                 subject: list[PersonMention]) -> bool:
    """Whether a clause without a category name points back to one: "the
    category", "the award", or a winner named as "he", "the star"."""
    doc = ctx.doc
    if any(t.lower_ in _ANAPHORS and t.i > 0 and doc[t.i - 1].lower_ in {"the", "this", "that"}
           for t in doc[lo:hi]):
        return True
    return any(t.lower_ in ctx.cues.words("pronouns") or t.lemma_.lower() in
               ctx.cues.words("role_nouns") for t in doc[lo : tok.i]) and bool(subject)


_WORK_HEADS = {"saga", "film", "movie", "series", "show", "album", "record", "song", "musical",
               "play", "documentary", "feature", "fable", "epic", "thriller", "drama", "comedy",
               "sitcom", "miniseries", "production", "revival", "picture", "adaptation"}


def _work_subject(ctx: ArticleContext, tok: Token, lo: int) -> str | None:
    """The work that won a program category: a title in the subject ("Copperline
    wins Best Musical"), or the work a descriptive subject stands for ("The
    sprawling family saga took home Best Picture")."""
    head = tok
    for _ in range(5):
        subj = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None:
            for t in subj.subtree:
                for _, work in works_at(ctx, t.i):
                    return work
            head_word = subj.lemma_.lower()
            if head_word in _WORK_HEADS or head_word in ctx.cues.words("work_nouns"):
                return nearest_work_before(ctx, subj.left_edge.i, sentences=2)
            return None
        if head.head.i == head.i or head.dep_ == "ROOT":
            break
        head = head.head
    for i in range(lo, tok.i):  # no parse subject: the first title of the clause
        for _, work in works_at(ctx, i):
            return work
    return None


def _work_competitors(ctx: ArticleContext, tok: Token, hi: int, cat: CategoryRef,
                      cer: CeremonyRef, ev, seen: set[tuple[str, bool]]
                      ) -> Iterator[NominationFact]:
    """Works a program category was won over: titles after "beating out", "over",
    "edging out" up to the end of the clause."""
    doc = ctx.doc
    start = None
    for t in doc[tok.i + 1 : hi]:
        if t.lower_ == "over" or cue_length(doc, t.i, "LOSS"):
            start = t.i + 1
            break
    if start is None:
        return
    i = start
    while i < hi:
        found = next(iter(works_at(ctx, i)), None)
        if found and (found[1], False) not in seen and (found[1], True) not in seen:
            seen.add((found[1], False))
            yield NominationFact(Ref("work", found[1]), cat, Ref("work", found[1]), cer, False,
                                 ev, 0.8)
        i += 1


def _subject(ctx: ArticleContext, tok: Token, lo: int) -> list[PersonMention]:
    """Who the cue is about: the parse's subject, else the first named person of
    the clause (with those coordinated to it), else the person in focus when the
    clause speaks of "he", "she" or "the actor". A subject that is no person
    ("the director's film won") is not replaced by the person in focus."""
    parsed = _dep_subject(ctx, tok)
    subject = parsed
    if subject is None:
        subject = _coordinated(ctx, [p for p in ctx.persons_in(lo, tok.i) if not p.is_character])
    if parsed is None and not subject and any(t.lower_ in ctx.cues.words("pronouns") or
                           t.lemma_.lower() in ctx.cues.words("role_nouns")
                           for t in ctx.doc[lo : tok.i]):
        focus = ctx.focus_before(tok.i)
        subject = [focus] if focus else []
    return subject


def _competitors(ctx: ArticleContext, tok: Token, n_loss: int, clause: _Clause,
                 subject: list[PersonMention], cat: CategoryRef | None, cer: CeremonyRef,
                 ev, seen: set[tuple[str, bool]], subject_won: bool
                 ) -> Iterator[NominationFact]:
    """The people a loss cue lists ("beat out A for W1, B of W2 fame and C"), each
    with the work the text attaches to them; the subject is a nominee too."""
    doc = ctx.doc
    lo, hi = clause.lo, clause.hi
    anchor_work = work_near(ctx, subject[0], lo, hi) if subject else None
    anchors = list(subject)
    if tok.lower_ in {"nominees", "fellow"}:
        pos = next((t for t in doc[lo : tok.i] if is_possessive(t)), None)
        if pos is not None and ctx.person_at(pos.i - 1):
            anchors.append(ctx.person_at(pos.i - 1))
    for a in anchors:
        if (a.name, False) not in seen and (a.name, True) not in seen:
            seen.add((a.name, False))
            yield NominationFact(Ref("person", a.name), cat, _ref(work_near(ctx, a, lo, hi)),
                                 cer, False, ev, 0.6)
    first = tok.i + max(n_loss, 1)
    after = [p for p in ctx.persons_in(first, hi) if not p.is_character]
    prev_work = None
    for idx, p in enumerate(after):
        seg_lo = after[idx - 1].end if idx else first
        seg_hi = after[idx + 1].start if idx + 1 < len(after) else hi
        w = work_near(ctx, p, seg_lo, seg_hi)
        costar = None
        if w is None and p.start > 0 and doc[p.start - 1].lower_ in ctx.cues.words(
                "costar_nouns"):
            w = anchor_work
            costar = Ref("person", subject[0].name) if subject else None
        if w is None and prev_work and all(t.lower_ in {",", "and"} for t in doc[seg_lo:p.start]):
            w = prev_work
        prev_work = w if w and _possessive_work(ctx, p) else (prev_work if w is None and
                                                              prev_work else None)
        if (p.name, False) in seen or (p.name, True) in seen:
            continue
        seen.add((p.name, False))
        yield NominationFact(Ref("person", p.name), cat, _ref(w), cer, False, ev, 0.9,
                             costar_of=costar)


def _dep_subject(ctx: ArticleContext, tok: Token) -> list[PersonMention] | None:
    """Persons in the grammatical subject of the cue verb, or of the verbs above it
    ("Marisol made history as the youngest actress to win"; "X brought Apple TV+
    its first Emmy win, taking the award"). None when the parse has no subject
    at all; [] when the subjects are not people ("winners accepting awards")."""
    if tok.pos_ not in ("VERB", "AUX"):
        return None
    head, saw_subject = tok, False
    for _ in range(5):
        subj = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None:
            saw_subject = True
            found: list[PersonMention] = []
            for t in subject_core(subj):
                p = ctx.person_at(t.i)
                if p is not None and p not in found and not p.is_character:
                    found.append(p)
            if found:
                return found
            if subj.lower_ in ctx.cues.words("pronouns") or subj.lemma_.lower() in \
                    ctx.cues.words("role_nouns"):
                focus = ctx.focus_before(tok.i, pronoun=subj.lower_)
                return [focus] if focus else []
        if head.head.i == head.i or head.dep_ == "ROOT":
            break
        head = head.head
    return [] if saw_subject else None


def _possessive_work(ctx: ArticleContext, p: PersonMention) -> bool:
    return p.start >= 2 and is_possessive(ctx.doc[p.start - 1])


def _ref(work: str | None) -> Ref | None:
    return Ref("work", work) if work else None


def credit_role(ctx: ArticleContext, cat: CategoryRef) -> str:
    """The credit a nomination in this category implies: "director", "writer" or
    "actor"."""
    feats = ctx.gaz.category_rules.features(cat.candidates[0]) if cat.candidates else frozenset()
    if "directing" in feats:
        return "director"
    if "writing" in feats or "screenplay" in feats:
        return "writer"
    return "actor"


def is_acting(ctx: ArticleContext, cat: CategoryRef) -> bool:
    """A prize for a screen or stage performance, directing or writing: one
    that credits its nominee with a work ("Best Actress", not "Best Rock
    Performance")."""
    feats = ctx.gaz.category_rules.features(cat.candidates[0]) if cat.candidates else frozenset()
    return bool(feats & {"actor", "directing", "writing", "screenplay", "host"})


def credits_person(ctx: ArticleContext, cat: CategoryRef) -> bool:
    """Categories a person may win though they are not performances
    (directing, writing, cinematography, an artist's song or album): any
    category without a film or television program word (picture, film, series...)."""
    feats = ctx.gaz.category_rules.features(cat.candidates[0] if cat.candidates else cat.text)
    programs = set(ctx.cues.words("program_category_words"))
    return not (feats & programs)


def is_program(ctx: ArticleContext, cat: CategoryRef) -> bool:
    """A prize for a film, series or production, which a work wins, not a person."""
    return not is_performer(ctx, cat) and not credits_person(ctx, cat)


def is_performer(ctx: ArticleContext, cat: CategoryRef) -> bool:
    rules = ctx.gaz.category_rules
    feats = rules.features(cat.candidates[0]) if cat.candidates else frozenset()
    if is_record_performance(ctx, cat) or feats & _ENSEMBLE_WORDS:
        return False  # "Best Rock Performance"; "Outstanding Performance by a Cast" is the work's
    return bool(feats & (rules.performer_words | {"directing", "writing", "lead", "supporting"}))


_ENSEMBLE_WORDS = frozenset({"cast", "ensemble"})


def is_record_performance(ctx: ArticleContext, cat: CategoryRef) -> bool:
    """A music prize for a recorded performance ("Best Rock Performance",
    "Best Pop Duo/Group Performance"): "performance" with no actor, role or
    host in the name, so a record and its artist win it, not an actor."""
    rules = ctx.gaz.category_rules
    feats = rules.features(cat.candidates[0]) if cat.candidates else frozenset()
    return "performance" in feats and not feats & (
        (rules.performer_words - {"performance"}) | rules.acting_words | {"actor", "cast"})


def nearest_work_before(ctx: ArticleContext, i: int, sentences: int = 15) -> str | None:
    """The last work named before token ``i`` outside tweets, within a few
    sentences: what a list of winners without titles is about."""
    starts = ctx.sentence_starts
    n = bisect.bisect_right(starts, i)  # sentences starting at or before i
    lo = max(starts[n - sentences] if n >= sentences else 0, i - _MAX_LOOKBACK)
    positions, works = _work_positions(ctx)
    k = bisect.bisect_left(positions, i) - 1  # the last work starting before i
    return works[k] if k >= 0 and positions[k] >= lo else None


# how far back (in tokens) a passage's work is looked for, however long its sentences
_MAX_LOOKBACK = 600


def _work_positions(ctx: ArticleContext) -> tuple[list[int], list[str]]:
    """Where known works start outside tweets, in token order, computed once per
    context (the second pass's context knows more titles than the first's)."""
    memo = ctx.memo("work_positions")
    if not memo:
        positions: list[int] = []
        works: list[str] = []
        for k in ctx.capitalised:  # no other token starts a title
            if ctx.tweet_at(ctx.tokens[k]):
                continue
            for _, work in works_at(ctx, k):
                positions.append(k)
                works.append(work)
        memo["positions"], memo["works"] = positions, works
    return memo["positions"], memo["works"]


# --- ceremony details ------------------------------------------------------------------

def ceremony_facts(ctx: ArticleContext, ceremony: CeremonyRef | None,
                   awards: list[AwardMention]) -> Iterator[CeremonyFact]:
    """Date, host and venue of the article's ceremony."""
    if ceremony is None:
        return
    doc, cues = ctx.doc, ctx.cues
    toks = ctx.tokens
    venue_words = set(cues.raw.get("venue_words", ()))
    # the sentences an award is named in (looking through every mention for
    # every sentence was quadratic in a long article)
    naming_awards = {ctx.sentence_index(m.span.start) for m in awards}
    for s_index, sent in enumerate(ctx.sentences):
        if ctx.tweet_at(sent):
            continue
        ev = ctx.evidence(sent)
        in_sent = toks[sent.start : sent.end]
        about = s_index in naming_awards or any(
            t.lower_ in cues.words("ceremony_nouns") for t in in_sent)
        for tok in in_sent:
            n = cue_length(doc, tok.i, "HOST")
            if n and tok.i + n < sent.end and about:
                # "hosted by A and B", "host A", "emceed by comedian A"
                first = tok.i + n
                while first < min(sent.end, tok.i + n + 2) and (toks[first].is_lower or
                                                                  toks[first].text == "-"):
                    first += 1
                after = [p for p in ctx.persons_in(first, sent.end) if not p.is_character]
                if after and after[0].start == first:
                    for p in _coordinated(ctx, after):
                        yield CeremonyFact(ceremony, ev, host=Ref("person", p.name))
            elif tok.lemma_ == "host" and tok.pos_ == "VERB" and about and not n:
                for p in _dep_subject(ctx, tok) or []:  # "A hosted the 75th Tony Awards"
                    yield CeremonyFact(ceremony, ev, host=Ref("person", p.name))
        for ent in ctx.ents_in(sent):
            is_venue = ent.label_ == VENUE or (ent[-1].text in venue_words and ent.label_ in (
                "FAC", "ORG", "GPE", "LOC") and len(ent) >= 2)
            if is_venue and about:
                name = re.sub(r"^(?:the|The)\s+", "", clean_text(ent.text))
                yield CeremonyFact(ceremony, ev, venue=Ref("place", name))
        if about and 0 <= ctx.article.date.year - ceremony.year <= 1:
            date, rank = _date_in(ctx, sent)
            if date:
                yield CeremonyFact(ceremony, ev, date=date, date_rank=rank)


def _date_in(ctx: ArticleContext, sent: Span) -> tuple[dt.date | None, int]:
    """The most explicit date a sentence gives for an event, relative to the
    article's date: 'September 20' > 'Sunday' > 'last night' > 'tonight'."""
    published = ctx.article.date
    text = sent.text
    best: tuple[dt.date | None, int] = (None, -1)
    for m in re.finditer(r"\b([A-Z][a-z]{2,8})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?",
                         text):
        month = MONTHS.get(m.group(1).casefold())
        if month:
            year = int(m.group(3)) if m.group(3) else published.year
            try:
                return dt.date(year, month, int(m.group(2))), 3
            except ValueError:
                continue
    lower = text.casefold()
    # the first weekday the sentence names ("on Sunday night (Monday morning in Seoul)")
    named = [(m.start(), name) for name in WEEKDAYS
             if (m := re.search(rf"\b{name}(?:'s|’s)?\b", lower))]
    if named:
        name = min(named)[1]
        delta = (published.weekday() - WEEKDAYS.index(name)) % 7
        return published - dt.timedelta(days=delta), 2
    if re.search(r"\blast night\b|\byesterday\b", lower):
        return published - dt.timedelta(days=1), 1
    if re.search(r"\btonight\b|\btoday\b|\bthis evening\b", lower):
        return published, 0
    return best
