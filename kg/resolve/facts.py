"""The facts between entities, one function per kind of fact: each reads the
extracted facts of every article and adds what it links to the corpus that
``ents`` fills. ``kg.resolve.resolve`` runs them in order (later ones use
what earlier ones linked: credits fill in nominations' works)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Protocol

from kg.records import ArticleFacts, Evidence, NominationFact
from kg.resolve.entities import Entities
from kg.resolve.model import (
    Credit,
    Entity,
    Nomination,
    ResolvedQuote,
    ResolvedTweet,
)
from kg.resolve.sorting import sort_credits, sort_nominations


def attach_characters(ents: Entities, facts: list[ArticleFacts]) -> None:
    """Attach "Hedda (Marisol)" to the one work the corpus credits that person with."""
    by_person: dict[str, list[Credit]] = defaultdict(list)
    for cr in ents.corpus.credits:
        by_person[cr.person].append(cr)
    for f in facts:
        for ch in f.characters:
            ents.at = (f.article_id, 11, ch.evidence.start, ch.evidence.end)
            person = ents.person(ch.person.name)
            if person is None or len(by_person.get(person.id, [])) != 1:
                continue
            credit = by_person[person.id][0]
            if not credit.character:
                credit.character = ch.character
                credit.evidence.append(ch.evidence)


def link_mentions(ents: Entities, f: ArticleFacts) -> None:
    for i, m in enumerate(f.mentions):
        ents.at = (f.article_id, 1, i)
        if m.ref.kind == "category":
            continue  # categories are linked once narrowed (see _nominations)
        ent = ents.ref(m.ref)
        if ent is None:
            continue
        ents.note(ent, m.evidence)
        ents.corpus.mentions.add((f.article_id, ent.id))


def link_tweets(ents: Entities, f: ArticleFacts) -> None:
    for i, t in enumerate(f.tweets):
        ents.at = (f.article_id, 2, i)
        account = ents.account(t.handle, t.author)
        kind = ents.author_kind(t)
        owner: Entity | None
        if kind is None:
            owner = None
        elif kind == "person":
            owner = ents.person(t.author)
        elif kind == "work":
            owner = ents.work(t.author)
        else:
            by_handle = ents.gaz.by_handle(t.handle)
            owner = ents.org(kind, by_handle[1].name if by_handle else t.author)
        if owner is not None:
            ents.set_owner(account, owner)
            ents.note(owner, t.evidence)
            ents.corpus.mentions.add((f.article_id, owner.id))
            if owner.kind == "organization" or owner.kind == "work":
                ents.corpus.citations.add((f.article_id, owner.id))
        mentioned: list[str] = []
        for r in t.mentions:
            ent = ents.ref(r)
            if ent is not None and ent.id not in mentioned:
                mentioned.append(ent.id)
        for cat in t.categories:
            if len(cat.candidates) == 1:
                mentioned.append(ents.category(cat.award, cat.candidates[0]).id)
        ents.corpus.tweets.append(ResolvedTweet(f.article_id, t, account.id, mentioned))


def merge_credits(ents: Entities, facts: list[ArticleFacts]) -> None:
    merged: dict[tuple[str, str], Credit] = {}
    for f in facts:
        for cr in f.credits:
            ents.at = (f.article_id, 6, cr.evidence.start, cr.evidence.end)
            person = ents.person(cr.person.name)
            if person is None:
                continue
            work = ents.work(cr.work.name)
            key = (person.id, work.id)
            old = merged.get(key)
            if old is None:
                merged[key] = Credit(person.id, work.id, cr.role, cr.character,
                                     [cr.evidence], cr.confidence)
            else:
                old.evidence.append(cr.evidence)
                old.character = old.character or cr.character
                old.confidence = max(old.confidence, cr.confidence)
                if cr.role == "actor":
                    old.role = "actor"
    ents.corpus.credits = [merged[k] for k in sorted(merged)]


class _Found:
    """The nomination facts as resolution sees them, each (article, ceremony
    id, fact, nominee), kept as four columns: a tuple per fact cost 80 bytes
    (a fifth of what resolution holds for a nomination), a row of the columns
    costs 32."""

    __slots__ = ("articles", "ceremonies", "facts", "nominees")

    def __init__(self) -> None:
        self.articles: list[str] = []
        self.ceremonies: list[str] = []
        self.facts: list[NominationFact] = []
        self.nominees: list[Entity] = []

    def append(self, article: str, ceremony: str, fact: NominationFact, nominee: Entity
               ) -> None:
        self.articles.append(article)
        self.ceremonies.append(ceremony)
        self.facts.append(fact)
        self.nominees.append(nominee)

    def __len__(self) -> int:
        return len(self.facts)

    def __iter__(self) -> Iterator[tuple[str, str, NominationFact, Entity]]:
        return zip(self.articles, self.ceremonies, self.facts, self.nominees, strict=True)

    # what ``settle_categories`` reads
    def candidates(self, i: int) -> tuple[str, ...] | None:
        category = self.facts[i].category
        return None if category is None else category.candidates

    def sentence(self, i: int) -> Evidence:
        return self.facts[i].evidence

    def group(self, i: int) -> tuple[str, str]:
        return self.nominees[i].id, self.ceremonies[i]

# a merged nomination's key: (nominee id, category id or None, ceremony id)
_Key = tuple[str, str | None, str]


def merge_nominations(ents: Entities, articles: list[ArticleFacts],
                      main_ceremony: dict[str, str] | None = None,
                      chosen: list[str | None] | None = None) -> None:
    """Narrow categories, merge the facts about one nomination, fill in its
    work, and credit nominees with the works of performing categories.
    When ``articles`` hold only some of their nominations (a unit of a
    component: see ``kg.resolve.settle``), ``main_ceremony`` gives each
    article's main ceremony and ``chosen`` each nomination's category,
    settled with its component (in the order of ``articles`` and their
    nominations, all of whose nominees are known)."""
    found, mains = _nomination_facts(ents, articles)
    main_ceremony = mains if main_ceremony is None else main_ceremony
    if chosen is None:
        chosen = settle_categories(found, {})
    elif len(chosen) != len(found):
        raise ValueError(f"{len(chosen)} settled categories for {len(found)} nominations")
    merged, work_votes, guess_votes = _merge(ents, found, chosen, main_ceremony)
    _costar_works(ents, found, merged, work_votes)
    _fill_works(ents, merged, work_votes, guess_votes)
    ents.corpus.nominations = list(merged.values())
    sort_nominations(ents.corpus.nominations)
    _implied_credits(ents)


def _order(key: _Key) -> tuple[str, str, str]:
    return key[0], key[1] or "", key[2]


def _nomination_facts(ents: Entities, articles: list[ArticleFacts]
                      ) -> tuple[_Found, dict[str, str]]:
    """Every nomination fact whose nominee resolves, and each article's main
    ceremony (the one most of its nominations are for)."""
    found = _Found()
    main_ceremony: dict[str, str] = {}
    for f in articles:
        main = main_ceremony_of(ents, f)
        if main is not None:
            main_ceremony[f.article_id] = main
        for n in f.nominations:
            ents.at = (f.article_id, 8, n.evidence.start, n.evidence.end)
            nominee = ents.ref(n.nominee)
            if nominee is None:
                continue
            found.append(f.article_id, ents.ceremony(n.ceremony).id, n, nominee)
    return found, main_ceremony


def main_ceremony_of(ents: Entities, f: ArticleFacts) -> str | None:
    """The ceremony most of the article's nominations are for (None if it has none)."""
    ents.at = (f.article_id, 8)
    counts = Counter(ents.ceremony(n.ceremony).id for n in f.nominations)
    return counts.most_common(1)[0][0] if counts else None


class _Votes:
    """Votes for the work of each merged nomination. Most nominations get one
    vote, kept as the work's id alone; a ``Counter`` comes with the second (a
    ``Counter`` per nomination cost 200 bytes each, a sixth of what merging
    the nominations holds)."""

    def __init__(self) -> None:
        self._one: dict[_Key, str] = {}
        self._many: dict[_Key, Counter[str]] = {}

    def add(self, key: _Key, work: str) -> None:
        many = self._many.get(key)
        if many is None:
            one = self._one.pop(key, None)
            if one is None:
                self._one[key] = work
                return
            many = self._many[key] = Counter((one,))
        many[work] += 1

    def __contains__(self, key: object) -> bool:
        return key in self._one or key in self._many

    def best(self, key: _Key, order: Callable[[str], object]) -> str | None:
        """The work with most votes (ties: the first in ``order``), if any."""
        many = self._many.get(key)
        if many is None:
            return self._one.get(key)
        return max(many.items(), key=lambda kv: (kv[1], order(kv[0])))[0]


def _merge(ents: Entities, found: _Found, chosen: list[str | None],
           main_ceremony: dict[str, str]
           ) -> tuple[dict[_Key, Nomination], _Votes, _Votes]:
    """One nomination per nominee, category and ceremony, with the works its
    facts name (and the works they only guess) counted."""
    merged: dict[_Key, Nomination] = {}
    work_votes, guess_votes = _Votes(), _Votes()
    for i, (article, cer, n, nominee) in enumerate(found):
        ents.at = (article, 9, n.evidence.start, n.evidence.end)
        cat_name = chosen[i]
        if cat_name is None and cer == main_ceremony.get(article):
            continue  # a win or nomination we cannot place in a category
        award = ents.corpus.entities[ents.ceremony(n.ceremony).id].attrs["award"]
        cat = ents.category(ents.corpus.entities[award].name, cat_name) if cat_name else None
        key = (nominee.id, cat.id if cat else None, cer)
        nom = merged.get(key)
        if nom is None:
            nom = merged[key] = Nomination(nominee.id, key[1], None, cer, n.won, [], 0.0)
        nom.won = nom.won or n.won
        nom.evidence.append(n.evidence)
        nom.confidence = max(nom.confidence, n.confidence)
        if n.work:
            work_votes.add(key, ents.work(n.work.name).id)
        elif n.work_guess:
            guess_votes.add(key, ents.work(n.work_guess.name).id)
        if cat:
            ents.note(cat, n.evidence)
        ents.note(nominee, n.evidence)
    return merged, work_votes, guess_votes


def _costar_works(ents: Entities, found: _Found, merged: dict[_Key, Nomination],
                  work_votes: _Votes) -> None:
    """"his costar X": X was up for the work of the person named with them."""
    costars: dict[tuple, str] = {}
    for article, cer, n, nominee in found:
        if n.costar_of is not None:
            ents.at = (article, 10, n.evidence.start, n.evidence.end)
            other = ents.ref(n.costar_of)
            if other is not None:
                costars[(nominee.id, cer)] = other.id
    if not costars:
        return  # most corpora: nothing to sort through
    ordered = sorted(merged, key=_order)
    by_nominee: dict[tuple, list[_Key]] = defaultdict(list)  # (nominee, ceremony) -> keys
    for key in ordered:
        by_nominee[(key[0], key[2])].append(key)
    for key in ordered:
        partner = costars.get((key[0], key[2]))
        if key in work_votes or partner is None:
            continue
        for other_key in by_nominee.get((partner, key[2]), ()):
            best = work_votes.best(other_key, ents.order_key)
            if best is not None:
                work_votes.add(key, best)


def _fill_works(ents: Entities, merged: dict[_Key, Nomination],
                work_votes: _Votes, guess_votes: _Votes) -> None:
    """Each nomination's work: the one its facts name most; the nominee itself
    when it is a work; none for an artist's prize; the nominee's only credited
    work; or the work its facts guess most (the last two less confident)."""
    credit_works: dict[str, set[str]] = defaultdict(set)
    for cr in ents.corpus.credits:
        credit_works[cr.person].add(cr.work)
    for key, nom in merged.items():
        artist_prize = nom.category is not None and ents.gaz.category_rules.is_artist_prize(
            ents.corpus.entities[nom.category].name)  # "Best New Artist" names no work
        voted = work_votes.best(key, ents.order_key)
        if voted is not None:
            nom.work = voted
        elif ents.corpus.entities[nom.nominee].kind == "work":
            nom.work = nom.nominee
        elif artist_prize:
            continue
        elif len(credit_works.get(nom.nominee, ())) == 1:
            nom.work = next(iter(credit_works[nom.nominee]))
            nom.confidence = min(nom.confidence, 0.8)
        elif key in guess_votes:
            nom.work = guess_votes.best(key, ents.order_key)
            nom.confidence = min(nom.confidence, 0.6)


def _implied_credits(ents: Entities) -> None:
    """A person nominated for a work worked on it: as its director, writer or
    (for other categories) actor."""
    known = {(c.person, c.work) for c in ents.corpus.credits}
    for nom in ents.corpus.nominations:
        if nom.work and ents.corpus.entities[nom.nominee].kind == "person" and (
                nom.nominee, nom.work) not in known:
            category = ents.corpus.entities[nom.category].name if nom.category else ""
            role = ("director" if "Direct" in category else
                    "writer" if re.search(r"Writ|Screenplay", category) else "actor")
            ents.corpus.credits.append(Credit(nom.nominee, nom.work, role, None,
                                              nom.evidence[:1], 0.7))
            known.add((nom.nominee, nom.work))
    sort_credits(ents.corpus.credits)


class Settling(Protocol):
    """The nomination facts whose categories are settled together, by index:
    what each may denote (None: it names no category), its sentence, and its
    group (nominee and ceremony). Resolution gives its facts
    (``_Found``); a store gives compact records of them
    (``kg.resolve.settle``), so a component is settled again without its facts."""

    def __len__(self) -> int: ...
    def candidates(self, i: int) -> tuple[str, ...] | None: ...
    def sentence(self, i: int) -> Hashable: ...
    def group(self, i: int) -> Hashable: ...


def settle_categories(facts: Settling, context: Mapping[Hashable, set[str]]
                      ) -> list[str | None]:
    """Pick one official category per nomination fact.

    A mention that fits one category is taken as is. A paraphrase that fits
    several ("Lead Actor") takes the one the same nominee is named for at the
    same ceremony elsewhere, or failing that the one most other mentions of that
    nominee also fit. Facts with no category take the nominee's only category,
    or the category of the other nominees in the same sentence ("fellow
    nominees", "beat out"). ``context``: what each sentence settles for
    nominees not among ``facts``.

    The result does not depend on the facts' order: each step reads what the
    step before left (within a group, or per sentence), never what it sets.
    Nothing changes a fact settled from the start, which most are; so after
    one look at every fact, the rounds see only the groups with a fact still
    open and the sentences of those facts (a store settles a component of
    30,000 nominations again on an add, a tenth of them open).
    """
    chosen: list[str | None] = []
    for i in range(len(facts)):
        cands = facts.candidates(i)
        chosen.append(cands[0] if cands is not None and len(cands) == 1 else None)
    # the facts about each nominee at each ceremony (a group) with a fact
    # still open, and every fact of the sentences those open facts are in
    open_groups = _facts_by(facts.group, {facts.group(i) for i, c in enumerate(chosen)
                                          if c is None}, len(facts))
    groups = list(open_groups.values())
    in_sentence = _facts_by(facts.sentence, {facts.sentence(i) for members in groups
                                             for i in members if chosen[i] is None}, len(facts))
    for _ in range(3):
        for members in groups:
            _narrow_by_nominee(facts, members, chosen)
        # what each sentence settles, for the sentences of the facts still open
        # only: those are all that is asked (a set per sentence would cost more
        # than the facts themselves)
        still_open = {facts.sentence(i) for members in groups for i in members
                      if chosen[i] is None}
        by_sentence: dict[Hashable, set[str]] = defaultdict(set)
        for ev in still_open:
            by_sentence[ev] |= context.get(ev, set())
            by_sentence[ev].update(chosen[i] for i in in_sentence[ev] if chosen[i])
        for members in groups:
            _narrow_by_sentence(facts, members, chosen, by_sentence)
        groups = [members for members in groups if any(chosen[i] is None for i in members)]
    for members in open_groups.values():
        for i in members:
            cands = facts.candidates(i)
            if chosen[i] is None and cands:
                chosen[i] = cands[0]
    return chosen


def _facts_by(key: Callable[[int], Hashable], keys: set[Hashable], n: int
              ) -> dict[Hashable, list[int]]:
    """The facts (by index, in order) whose ``key`` is one of ``keys``, by
    key, in one pass over the ``n`` facts (the keys in the order their first
    facts come: each group is narrowed apart from the others, so their order
    does not matter, but it is the same on every run)."""
    found: dict[Hashable, list[int]] = {}
    if keys:
        for i in range(n):
            k = key(i)
            if k in keys:
                found.setdefault(k, []).append(i)
    return found


def _narrow_by_nominee(facts: Settling, members: list[int],
                       chosen: list[str | None]) -> None:
    """Within one nominee's facts at one ceremony: a paraphrase takes the one
    category the others settle on, else the one most of the others fit."""
    definite = {chosen[i] for i in members if chosen[i]}
    for i in members:
        cands = facts.candidates(i)
        if chosen[i] or cands is None:
            continue
        fits = [c for c in cands if c in definite]
        if len(fits) == 1:
            chosen[i] = fits[0]
        elif not definite:
            support = Counter(c for j in members if j != i for c in facts.candidates(j) or ())
            best = max(cands, key=lambda c: support[c])
            if support[best] > 0:
                chosen[i] = best


def _narrow_by_sentence(facts: Settling, members: list[int],
                        chosen: list[str | None],
                        by_sentence: dict[Hashable, set[str]]) -> None:
    """A fact still open takes the category its sentence settles on for other
    nominees, or (with no category of its own) the nominee's only one."""
    definite = {chosen[i] for i in members if chosen[i]}
    for i in members:
        if chosen[i]:
            continue
        cands = facts.candidates(i)
        same = by_sentence.get(facts.sentence(i), set())
        if cands is not None:
            fits = [c for c in cands if c in same]
            if len(fits) == 1:
                chosen[i] = fits[0]
        elif len(definite) == 1:
            chosen[i] = next(iter(definite))
        elif len(same) == 1:
            chosen[i] = next(iter(same))


def link_quotes(ents: Entities, f: ArticleFacts) -> None:
    for i, q in enumerate(f.quotes):
        ents.at = (f.article_id, 3, i)
        speaker = ents.person(q.speaker.name) if q.speaker else None
        ents.corpus.quotes.append(ResolvedQuote(f.article_id, q, speaker.id if speaker else None))


def link_citations(ents: Entities, f: ArticleFacts) -> None:
    for i, cit in enumerate(f.citations):
        ents.at = (f.article_id, 4, i)
        ent = ents.ref(cit.outlet)
        if ent is not None:
            ents.corpus.citations.add((f.article_id, ent.id))
