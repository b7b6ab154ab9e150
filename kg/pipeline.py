"""Per-article extraction: Article -> spaCy Doc -> ArticleFacts.

Two passes over each article: the first finds people and the works that
phrasing marks as titles; the second, knowing every work title in the corpus,
links plain mentions of them and extracts the facts (``kg.passes`` runs them
over a corpus). Extraction yields surface names only; ``kg.resolve`` links them
across articles.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable

from kg.extract import awards as award_x
from kg.extract import outlets as outlet_x
from kg.extract.awards import is_program
from kg.extract.context import ArticleContext, PersonMention, clean_text, known_name
from kg.extract.frames import frame_nominations, frame_titles, list_nominations
from kg.extract.known_works import KnownWorks
from kg.extract.lists import ListEntry, find_list_entries
from kg.extract.people import collect_persons
from kg.extract.quotes import extract_quotes
from kg.extract.tweets import handles as tweet_handles
from kg.extract.tweets import hashtags, is_twitter_handle, links
from kg.extract.works import WorkHit, find_characters, find_works
from kg.gazetteer import fold
from kg.nlp import KNOWN_ORG, NETWORK, OUTLET
from kg.records import (
    AirsFact,
    ArticleFacts,
    CategoryRef,
    CeremonyRef,
    CharacterFact,
    CreditFact,
    Mention,
    NominationFact,
    Ref,
    Tweet,
    ceremony_ref,
)


def first_pass(ctx: ArticleContext) -> tuple[ArticleContext, list[WorkHit]]:
    """The people of one article and the works its phrasing marks as titles
    (what the second pass of every article needs from this one: the titles):
    the context that knows the people, and the hits."""
    ctx = ctx.derive(persons=collect_persons(ctx))
    hits = list(find_works(ctx))
    award = award_x.main_award(ctx, award_x.award_mentions(ctx))
    categories = award_x.category_mentions(ctx, award)
    hits = [h for h in hits if not _within_category(h, categories)]
    hits.extend(_list_work_hits(ctx, find_list_entries(ctx, award)))
    hits.extend(frame_titles(ctx, categories))
    return ctx, hits


def _within_category(hit: WorkHit, categories: list[award_x.CategoryMention]) -> bool:
    """Whether a title lies inside a category's name ("Event of the Year" in
    "Musical Event of the Year", where the model cut the name at an entity it
    saw): a piece of a prize, not a work. Kept, it would be a title of the
    whole corpus, found in every article that names the prize."""
    return any(c.span.start <= hit.span.start and hit.span.end <= c.span.end
               for c in categories)


def nlp_text(text: str) -> str:
    """The text the model reads: same length as the article body (so offsets
    still point into the file), with a left quote used as an apostrophe
    ("Show‘s") made a real apostrophe so the tokenizer splits the possessive."""
    return re.sub(r"(?<=\w)‘(?=s\b)", "’", text)


# what the second pass needs from the first, without the Doc (so it can be
# pickled, kept in a store and read back beside the Doc): the article's people,
# its work hits and the category mentions found, by award, with token offsets
FirstPassState = tuple[list[PersonMention], list[tuple[WorkHit, int, int]],
                       dict[str, list[tuple[int, int, CategoryRef]]]]


def first_pass_state(ctx: ArticleContext, hits: list[WorkHit]) -> FirstPassState:
    return (list(ctx.persons),
            [(dataclasses.replace(h, span=None), h.span.start, h.span.end) for h in hits],
            {award: [(c.span.start, c.span.end, c.ref) for c in found]
             for award, found in ctx.categories_by_award.items()})


def resume(ctx: ArticleContext, state: FirstPassState
           ) -> tuple[ArticleContext, list[WorkHit]]:
    """What ``first_pass`` gave, from its kept state and the Doc."""
    persons, hits, categories = state
    ctx.categories_by_award.update({
        award: [award_x.CategoryMention(ctx.doc[start:end], ref) for start, end, ref in found]
        for award, found in categories.items()})
    return ctx.derive(persons=persons), [dataclasses.replace(h, span=ctx.doc[start:end])
                                         for h, start, end in hits]


def extract_article(ctx: ArticleContext, hits: list[WorkHit], known: KnownWorks
                    ) -> ArticleFacts:
    """The second pass over one article (after ``first_pass``), knowing every
    work title in the corpus."""
    # a "person" that is really a work title ("Quiet Rivers' Lena Ortiz")
    in_work = _work_tokens(hits)
    ctx = ctx.derive(works=known.by_fold, persons=[
        p for p in ctx.persons if re.sub(r"^the ", "", fold(p.name)) not in known.bare_folds
        and not any(i in in_work for i in range(p.start, p.end))])
    article = ctx.article
    facts = ArticleFacts(article_id=article.id, source=article.path.name, date=article.date)
    awards = award_x.award_mentions(ctx)
    award = award_x.main_award(ctx, awards)
    ceremony = award_x.main_ceremony(ctx, awards, award)
    categories = award_x.category_mentions(ctx, award)

    for hit in hits:
        ev = ctx.evidence(hit.span)
        if hit.network:
            facts.airs.append(AirsFact(Ref("work", hit.title), Ref("network", hit.network), ev,
                                       hit.confidence))
        if hit.person is not None and not hit.person.is_character:
            facts.credits.append(CreditFact(Ref("person", hit.person.name), Ref("work", hit.title),
                                            ev, role=hit.role, character=hit.character,
                                            confidence=hit.confidence))
    facts.airs.extend(_airs_by_cooccurrence(ctx, facts.airs))
    facts.nominations.extend(award_x.extract_nominations(ctx, award, ceremony, categories, awards))
    if ceremony is not None:
        covered = {(n.evidence.start, n.category.text) for n in facts.nominations if n.category}
        facts.nominations.extend(frame_nominations(ctx, categories, ceremony, covered))
        facts.nominations.extend(list_nominations(ctx, categories, ceremony))
        for entry in find_list_entries(ctx, award):
            nominee = Ref("person" if entry.nominee_is_person else "work", entry.nominee)
            work = Ref("work", entry.work) if entry.work else None
            facts.nominations.append(NominationFact(
                nominee, entry.category, work, ceremony, entry.won,
                ctx.evidence_chars(entry.start, entry.end), 0.9))
    facts.nominations = _respectively(list(_program_nominees(ctx, facts.nominations)))
    for nom in facts.nominations:
        if nom.work is not None and nom.nominee.kind == "person" and nom.category and \
                award_x.is_performer(ctx, nom.category):
            facts.credits.append(CreditFact(nom.nominee, nom.work, nom.evidence,
                                            role=award_x.credit_role(ctx, nom.category),
                                            confidence=nom.confidence * 0.9))
    facts.ceremonies.extend(award_x.ceremony_facts(ctx, ceremony, awards))
    for ch in find_characters(ctx):
        facts.characters.append(CharacterFact(Ref("person", ch.person.name), ch.character,
                                              ctx.evidence(ch.span)))
    facts.quotes.extend(extract_quotes(ctx))
    facts.citations.extend(outlet_x.extract_citations(ctx))
    facts.mentions.extend(_mentions(ctx, known, awards, categories, ceremony))
    facts.tweets.extend(_tweets(ctx, facts.mentions, award.name if award else None, ceremony))
    return facts


def _program_nominees(ctx: ArticleContext, nominations: list[NominationFact]
                      ) -> Iterable[NominationFact]:
    """A film or series prize goes to the work: a person named as its winner
    ("Ivo Marsh's Tin Harbor won best picture") stands for their work, and is
    dropped when the text names none. An artist's prize names no work."""
    rules = ctx.gaz.category_rules
    for nom in nominations:
        if nom.nominee.kind == "person" and nom.category and is_program(ctx, nom.category):
            if nom.work is None:
                continue
            nom = dataclasses.replace(nom, nominee=nom.work)
        elif nom.nominee.kind == "person" and nom.category and rules.is_artist_prize(
                nom.category.candidates[0] if nom.category.candidates else nom.category.text):
            nom = dataclasses.replace(nom, work=None, work_guess=None)  # "Best New Artist"
        yield nom


def _respectively(nominations: list[NominationFact]) -> list[NominationFact]:
    """"Ivo Marsh and Ada Quill won best actor and actress": when one sentence
    gives every one of n people every one of n categories with the same
    polarity, the k-th person goes with the k-th category (in text order)."""
    groups: dict[tuple, list[NominationFact]] = defaultdict(list)
    for n in nominations:
        if n.nominee.kind == "person" and n.category is not None:
            groups[(n.evidence, n.won)].append(n)
    dropped: set[int] = set()
    for (ev, _), noms in groups.items():
        people = sorted({n.nominee.name for n in noms}, key=lambda p: ev.sentence.find(p))
        cats = _in_text_order({n.category.text for n in noms}, ev.sentence)
        pairs = {(n.nominee.name, n.category.text) for n in noms}
        if len(people) < 2 or len(people) != len(cats) or len(pairs) != len(people) ** 2 or \
                any(ev.sentence.find(p) < 0 for p in people):
            continue
        keep = set(zip(people, cats, strict=True))
        dropped.update(id(n) for n in noms if (n.nominee.name, n.category.text) not in keep)
    return [n for n in nominations if id(n) not in dropped]


def _in_text_order(categories: set[str], sentence: str) -> list[str]:
    """Categories in the order the sentence names them, each placed by a word
    no other of them has ("actress" of an elided "best actor and actress")."""
    words = {c: set(re.findall(r"\w+", c.lower())) for c in categories}

    def position(c: str) -> int:
        own = words[c] - set().union(*(w for d, w in words.items() if d != c))
        found = [m.start() for w in own
                 if (m := re.search(rf"\b{re.escape(w)}\b", sentence.lower()))]
        return min(found, default=len(sentence))

    return sorted(categories, key=lambda c: (position(c), c))


def _airs_by_cooccurrence(ctx: ArticleContext, strong: list[AirsFact]) -> Iterable[AirsFact]:
    """A weak guess: a sentence naming one network and one work ("Harbor
    Lights' Ada Okafor brought Apple TV+ its first Emmy") links the two."""
    toks = ctx.tokens
    for sent in ctx.sentences:
        if ctx.tweet_at(sent):
            continue
        nets = {known_name(e) for e in ctx.ents_in(sent) if e.label_ == NETWORK}
        if len(nets) != 1:  # most sentences: their works need not be looked for
            continue
        works: dict[str, str] = {}
        for i in ctx.capitalised_in(sent.start, sent.end):  # no other token starts a title
            if i > 0 and toks[i - 1].text[:1].isupper():
                continue  # inside a longer title
            for _, work in award_x.works_at(ctx, i):
                works.setdefault(re.sub(r"^the ", "", fold(work)), work)
        if len(works) == 1:
            ev = ctx.evidence(sent)
            if not any(a.evidence == ev for a in strong):
                yield AirsFact(Ref("work", works.popitem()[1]), Ref("network", nets.pop()), ev,
                               0.5)


def _list_work_hits(ctx: ArticleContext, entries: Iterable[ListEntry]) -> Iterable[WorkHit]:
    """Titles named in winners lists ("Jane Roe, Some Show (WON)")."""
    for entry in entries:
        if not entry.work:
            continue
        pos = ctx.text.find(entry.work, entry.start, entry.end)
        span = ctx.doc.char_span(pos, pos + len(entry.work), alignment_mode="expand") \
            if pos >= 0 else None
        if span is not None:
            yield WorkHit(entry.work, span, confidence=0.9)


def _work_tokens(hits: list[WorkHit]) -> set[int]:
    """The tokens inside any work hit: one set, so each person is checked in
    its own length rather than against every hit (quadratic in a long article)."""
    return {i for h in hits for i in range(h.span.start, h.span.end)}


def _mentions(ctx: ArticleContext, known: KnownWorks, awards, categories,
              ceremony: CeremonyRef | None) -> Iterable[Mention]:
    doc = ctx.doc
    off = ctx.offset

    def mention(ref: Ref, start_char: int, end_char: int, span, category=None) -> Mention:
        return Mention(ref, off + start_char, off + end_char, ctx.evidence(span), category)

    for p in ctx.persons:
        span = doc[p.start : p.end]
        yield mention(Ref("person", p.name), span.start_char, span.end_char, span)
    for m in awards:
        yield mention(Ref("award", m.award.name), m.span.start_char, m.span.end_char, m.span)
        if m.ceremony:
            yield mention(ceremony_ref(m.ceremony),
                          m.span.start_char, m.span.end_char, m.span)
    for c in categories:
        yield mention(Ref("category", c.ref.text), c.span.start_char, c.span.end_char, c.span,
                      c.ref)
    # indexes built once: an article's ORG entities are checked against every
    # person and category, which would be quadratic in a long article
    person_words = {w for p in ctx.persons for w in p.name.casefold().split()}
    in_category = {i for c in categories for i in range(c.span.start, c.span.end)}
    for ent in ctx.ents:
        if ent.label_ == NETWORK:
            ref = Ref("network", known_name(ent))
        elif ent.label_ == OUTLET:
            ref = Ref("outlet", known_name(ent))
        elif ent.label_ == KNOWN_ORG:
            ref = Ref("organization", known_name(ent))
        elif ent.label_ == "ORG" and _plausible_org(ctx, ent, person_words) and not any(
                i in in_category for i in range(ent.start, ent.end)):
            # not "Congrats Best New Artist": a category inside is no organisation
            ref = Ref("organization", clean_text(ent.text).removeprefix("the "))
        elif ent.label_ in ("GPE", "LOC", "FAC") and ent.text[:1].isupper():
            ref = Ref("place", clean_text(ent.text).removeprefix("the "))
        else:
            continue
        yield mention(ref, ent.start_char, ent.end_char, ent)
    yield from _work_mentions(ctx, known, mention)


def _plausible_org(ctx: ArticleContext, ent, person_words: set[str]) -> bool:
    text = clean_text(ent.text)
    if not text[:1].isupper() or any(c.isdigit() for c in text) or "@" in text:
        return False
    if ctx.known_work(text) or ctx.gaz.award(text) or any(ctx.person_at(t.i) for t in ent):
        return False
    if any(t.text in ("'s", "’s", "‘s") for t in ent) or len(text) <= 2:
        return False
    if text.isupper() and len(text) <= 4 and not ctx.gaz.lookup("organization", text):
        return False  # "EMT", "DIY": abbreviations, rarely organisations
    if len(ent) == 1 and ent[0].pos_ in ("ADJ", "NOUN"):
        return False
    if text.casefold() in person_words:
        return False  # "Okafor" tagged ORG
    if ctx.gaz.category_rules.features(text) <= ctx.gaz.category_vocab:
        words = {w.casefold() for w in text.split()}
        if words <= ctx.gaz.category_vocab:
            return False
    return not ctx.tweet_at(ent) or len(ent) > 1


def _work_mentions(ctx: ArticleContext, known: KnownWorks, mention) -> Iterable[Mention]:
    """Plain mentions of work titles known anywhere in the corpus. A one-word
    title that the model reads as a place ("a London actor") is not the work."""
    doc = ctx.doc
    for title in known.candidates(ctx.text):
        for m in known.pattern(title).finditer(ctx.text):
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is None:
                continue
            placeish = len(title.split()) == 1 and any(
                t.ent_type_ in ("GPE", "LOC", "NORP", "PERSON") for t in span)
            if placeish and not _marked_as_title(ctx, span):
                continue
            yield mention(Ref("work", title), m.start(), m.end(), span)
    yield from _tweet_work_mentions(ctx, known, mention)


def _tweet_work_mentions(ctx: ArticleContext, known: KnownWorks, mention
                         ) -> Iterable[Mention]:
    """Titles as tweets write them: a hashtag ("#TinHarbor") or shouted in
    capitals ("TIN HARBOR WON"); the plain pass above needs the title's case."""
    for tweet in ctx.tweets:
        lo, hi = tweet.start - ctx.offset, tweet.text_end - ctx.offset
        found = [(m.start(), m.end(), known.squashed.get(re.sub(r"\W", "", fold(m.group(1)))))
                 for m in re.finditer(r"(?<![\w#])#(\w+)", ctx.text[lo:hi])]
        for upper, title in known.shouted_in(ctx.text[lo:hi]):
            if upper in ctx.text[lo:hi]:
                found.extend((m.start(), m.end(), title) for m in re.finditer(
                    rf"(?<!\w){re.escape(upper)}(?!\w)", ctx.text[lo:hi]))
        for start, end, title in sorted(found, key=lambda f: (f[0], f[1], f[2] or "")):
            span = ctx.doc.char_span(lo + start, lo + end, alignment_mode="expand")
            if title is not None and span is not None:
                yield mention(Ref("work", title), lo + start, lo + end, span)


def _marked_as_title(ctx: ArticleContext, span) -> bool:
    doc = ctx.doc
    before = doc[span.start - 1] if span.start else None
    after = doc[span.end] if span.end < len(doc) else None
    if after is not None and after.text in ("'s", "’s") and span.end + 1 < len(doc) and \
            ctx.person_at(span.end + 1):
        return True
    return bool(before is not None and before.text in "\"“‘'")


def _tweets(ctx: ArticleContext, mentions: list[Mention], main_award: str | None,
            main_ceremony: CeremonyRef | None) -> Iterable[Tweet]:
    """Tweets with what they speak of. "#Emmys" in a tweet about this year's show
    is the ceremony; an award the article is not about ("an Oscar") is the award.
    An embed signed with what cannot be a Twitter handle ("@ñandú") is left out:
    its account could not be written, and a tweet without one is no tweet."""
    kept = (t for t in ctx.tweets if is_twitter_handle(t.handle))
    # the mentions inside each tweet, found by bisection over their starts and
    # kept in ``mentions`` order (a scan of every mention per tweet is quadratic)
    by_start = sorted(range(len(mentions)), key=lambda i: mentions[i].start)
    starts = [mentions[i].start for i in by_start]
    for index, t in enumerate(kept):
        lo, hi = bisect.bisect_left(starts, t.start), bisect.bisect_left(starts, t.text_end)
        in_tweet = [mentions[i] for i in sorted(by_start[lo:hi])]
        inside = []
        for m in in_tweet:
            if m.ref.kind in ("person", "work", "ceremony") or (
                    m.ref.kind == "award" and m.ref.name != main_award):
                inside.append(m.ref)
            elif m.ref.kind == "award" and main_ceremony is not None:
                inside.append(ceremony_ref(main_ceremony))
        resolved = tuple(
            h for h in tweet_handles(t.text)
            if any(m.ref.kind == "person" and ctx.article.text[m.start:m.end].lstrip("@") == h
                   for m in in_tweet))
        cats = tuple(dict.fromkeys(m.category for m in in_tweet if m.category is not None))
        refs = tuple(dict.fromkeys(inside))
        yield Tweet(
            text=t.text,
            author=t.author,
            handle=t.handle,
            date=t.date,
            evidence=ctx.evidence_chars(t.start, t.end, file_offsets=True),
            hashtags=hashtags(t.text),
            links=links(t.text),
            handles_mentioned=tweet_handles(t.text),
            resolved_handles=resolved,
            mentions=refs,
            categories=cats,
            index=index,
        )


__all__ = ["FirstPassState", "extract_article", "first_pass", "first_pass_state", "nlp_text",
           "resume"]
